/**
 * Polls until `probe` gives a value, or fails naming what it waited for. The deadline is a safety net for a
 * test that would otherwise hang, never a figure under test: generous, since two busy cores run the tests.
 */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 45_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
