import { describe, expect, it } from 'vitest';
import { faultSoak } from '../../bench/soak/fault-soak.js';

/**
 * The short legacy fault soak: the unmodified field script has no checksum, so a flipped byte inside a slice
 * reaches the photo unseen. This counts what legacy delivers that is not the board's frame, and checks that
 * the soak's own check sees it: with 0.1% of the bytes damaged, most photos of a few KB carry a flip, so over
 * a hundred captures the count is far from zero (it was 47 of 53 delivered in the first runs). A check that
 * found nothing here would be a check that cannot fail.
 */
describe('fault soak, legacy against the field script', () => {
  it('counts the damaged photos legacy cannot detect', { timeout: 600_000 }, async () => {
    const r = await faultSoak({ protocol: 'legacy', captures: 100, rate: 0.001, lanes: 4, busHz: 1_000_000, seed: 2700 });
    console.info('legacy fault soak:', JSON.stringify(r));
    expect(r.captures).toBe(100);
    expect(r.noise.flip).toBeGreaterThan(0);
    expect(r.delivered + r.failed).toBe(100);
    expect(r.delivered).toBeGreaterThan(0);
    expect(r.corrupt).toBeGreaterThan(0);
    expect(r.corrupt).toBeLessThanOrEqual(r.delivered);
  });
});
