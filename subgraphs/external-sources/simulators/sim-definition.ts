// The contract each simulated source implements (its credential check and routes); sim-server.ts serves it.
import type { IncomingMessage } from 'node:http';

/** What a source's API answers for one authenticated request. */
export interface SimResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface SimulatorDefinition {
  slug: string;
  name: string;
  /** Reads the credential the source's API expects, the way that source expects it. */
  credentialOf(req: IncomingMessage): string | undefined;
  /** The source's own refusal for a missing or wrong credential. */
  unauthorized: SimResponse;
  /** The routes of the source's API; null for an unknown path. */
  handle(url: URL, state: SimulatorState): SimResponse | null;
}

/** What a definition's handler reads: which records are withdrawn and which are to be served corrupted. */
export interface SimulatorState {
  withdrawn: ReadonlySet<string>;
  isMalformed(recordId: string): boolean;
}

/** Parses a positive integer query parameter within bounds, or returns the fallback. */
export function intParam(url: URL, name: string, fallback: number, min: number, max: number): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) return null;
  return n;
}
