import type { SeededRandom } from './random';

/** Failure injection, the same knobs on every simulator. Rates are probabilities per request. */
export interface SimulatorFaults {
  latencyMs: number;
  /** Share of requests answered 500. */
  errorRate: number;
  /** Share of requests answered 429 with Retry-After. */
  rateLimitRate: number;
  retryAfterSeconds: number;
  /** Share of requests that hang for `hangMs` (longer than any client timeout). */
  timeoutRate: number;
  hangMs: number;
  /** Share of records served corrupted, chosen by record id (the same records every time). */
  malformedRate: number;
  /** Every request answered 503. */
  outage: boolean;
}

export type ScriptedFailure = '500' | '503' | '429' | 'timeout' | 'bad-json';

export const NO_FAULTS: SimulatorFaults = {
  latencyMs: 0,
  errorRate: 0,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  timeoutRate: 0,
  hangMs: 60_000,
  malformedRate: 0,
  outage: false,
};

/**
 * How the next data request fails, if it does: a scripted failure first, else one drawn from the
 * rates. Draws from `rand` every time, scripted or not, so a seed replays the same sequence.
 */
export function chooseFailure(
  faults: SimulatorFaults,
  scripted: ScriptedFailure[],
  rand: SeededRandom,
): ScriptedFailure | null {
  const forced = scripted.shift();
  const roll = rand.next();
  let kind: ScriptedFailure | null = forced ?? null;
  if (!kind) {
    if (roll < faults.errorRate) kind = '500';
    else if (roll < faults.errorRate + faults.rateLimitRate) kind = '429';
    else if (roll < faults.errorRate + faults.rateLimitRate + faults.timeoutRate) kind = 'timeout';
  }
  return kind;
}
