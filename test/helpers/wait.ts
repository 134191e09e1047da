/**
 * Polls `probe` until it returns something other than undefined/false, or fails at the deadline
 * with the last value it saw. For effects that happen in the background (event delivery): no
 * fixed sleeps.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false | null>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  const interval = options.intervalMs ?? 20;
  let last: unknown;
  for (;;) {
    last = await probe();
    if (last !== undefined && last !== false && last !== null) return last as T;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${options.what ?? 'a condition'} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
