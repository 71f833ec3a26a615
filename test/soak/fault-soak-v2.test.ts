import { describe, expect, it } from 'vitest';
import { faultSoak } from '../../bench/soak/fault-soak.js';

/**
 * The short fault soak of `npm run soak`: 200 captures through protocol 2 from boards whose wire flips, drops
 * or duplicates 0.1% of the bytes, both ways.
 *
 * Zero corrupt photos is exact: a photo passes the whole-photo CRC-32 and the JPEG check or is not delivered.
 * Success: a damaged chunk is read again in 128-byte pieces, each tried 4 times; a piece's exchange (about 150
 * bytes on the wire) is damaged with p ≈ 0.14, so a piece fails all 4 tries with p ≈ 4e-4, a photo attempt of
 * at most ~30 such pieces with p < 0.012, and all 3 attempts of a capture with p < 2e-6. Three or more failed
 * captures of 200 then have p < 1e-12: the bound of 2 (99%) cannot fail by chance.
 */
describe('fault soak, protocol 2', () => {
  it('delivers no corrupt photo and at least 99% of them with 0.1% of the bytes damaged', { timeout: 600_000 }, async () => {
    const r = await faultSoak({ protocol: 'v2', captures: 200, rate: 0.001, lanes: 4, busHz: 1_000_000, seed: 2600 });
    console.info('protocol 2 fault soak:', JSON.stringify(r));
    // The noise really ran, of every kind.
    expect(r.noise.flip).toBeGreaterThan(0);
    expect(r.noise.drop).toBeGreaterThan(0);
    expect(r.noise.duplicate).toBeGreaterThan(0);
    expect(r.captures).toBe(200);
    expect(r.corrupt).toBe(0);
    expect(r.delivered).toBeGreaterThanOrEqual(198);
  });
});
