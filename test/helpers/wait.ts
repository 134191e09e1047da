/**
 * Polls `probe` until it returns something other than undefined/false/null, or fails at the
 * deadline with what it waited for, how long, and the last value it saw. A probe that throws fails
 * at once (an assertion inside it is a real failure), unless `retryErrors` says the thing it
 * watches may refuse for a while (a server still starting): then the last error is reported at the
 * deadline. For effects that happen in the background (event delivery, a breaker opening, a server
 * starting): no fixed sleeps.
 *
 * The default deadline is generous on purpose: it only matters when the test fails, and a busy
 * machine (CI, a second suite beside this one) can make background work take seconds.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  options: { timeoutMs?: number; intervalMs?: number; what?: string; retryErrors?: boolean } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const started = Date.now();
  const interval = options.intervalMs ?? 25;
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (last !== undefined && last !== false && last !== null) return last as T;
    } catch (err) {
      if (!options.retryErrors) throw err;
      lastError = err;
    }
    if (Date.now() - started > timeoutMs) {
      const seen = lastError ? `last error: ${String(lastError)}` : `last: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'} (${seen})`);
    }
    await sleep(interval);
  }
}

/**
 * A plain pause. Only for tests about time passing (a TTL, a cache that must expire); anything
 * waiting for an effect uses `waitFor`. Callers say why in a comment.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * How long a test file may take to start a stack on the embedded database (PGlite: WASM, every
 * subgraph's migrations): 20-60 s on a quiet 2-core machine, more while another embedded file starts
 * beside it on a slow stretch, past jest's 60 s default for a hook.
 */
export const EMBEDDED_START_TIMEOUT_MS = 180_000;
