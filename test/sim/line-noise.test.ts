import { describe, expect, it } from 'vitest';
import { LineNoise } from '../../host/src/sim/line-noise.js';
import { SimulatedEsp32Cam } from '../../host/src/sim/index.js';

/** A slave whose bytes count up from 0, so what a read took from it can be told from the wire. */
function countingSlave(): { shiftOut: (n: number) => Uint8Array; given: () => number } {
  let next = 0;
  return {
    shiftOut: (n) => {
      const out = Uint8Array.from({ length: n }, (_, i) => (next + i) & 0xff);
      next += n;
      return out;
    },
    given: () => next,
  };
}

describe('line noise on the simulated I2C wire', () => {
  it('a dropped byte costs the slave one byte more than the master clocks, and the rest arrive in order', () => {
    const noise = new LineNoise({ rate: 0.05, kinds: ['drop'] }, 7);
    const slave = countingSlave();
    let clocked = 0;
    const seen: number[] = [];
    for (let i = 0; i < 200; i++) {
      const wire = noise.read(64, slave.shiftOut);
      expect(wire.length).toBe(64);
      clocked += wire.length;
      seen.push(...wire);
    }
    expect(noise.counts.drop).toBeGreaterThan(0);
    expect(slave.given()).toBe(clocked + noise.counts.drop);
    // Every byte is one after the previous one, or skips the dropped ones: never back, never repeated.
    for (let i = 1; i < seen.length; i++) expect((seen[i] - seen[i - 1] + 256) & 0xff).toBeGreaterThan(0);
  });

  it('a duplicated byte is clocked twice and leaves the slave one byte it has not yet given', () => {
    const noise = new LineNoise({ rate: 0.05, kinds: ['duplicate'] }, 8);
    const slave = countingSlave();
    const seen: number[] = [];
    for (let i = 0; i < 200; i++) seen.push(...noise.read(64, slave.shiftOut));
    const repeats = seen.filter((b, i) => i > 0 && b === seen[i - 1]).length;
    expect(repeats).toBeGreaterThan(0);
    // Without its repeats the wire is exactly what the slave gave, in order: nothing it gave was lost.
    const unique = seen.filter((b, i) => i === 0 || b !== seen[i - 1]);
    expect(unique.length).toBe(slave.given());
    expect(unique.every((b, i) => b === (i & 0xff))).toBe(true);
  });

  it('a flipped byte changes its value only, and writes meet the same faults', () => {
    const noise = new LineNoise({ rate: 0.05, kinds: ['flip'] }, 9);
    const slave = countingSlave();
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) seen.push(...noise.read(64, slave.shiftOut));
    expect(slave.given()).toBe(6400);
    expect(seen.filter((b, i) => b !== (i & 0xff)).length).toBe(noise.counts.flip);

    const both = new LineNoise({ rate: 0.2, kinds: ['drop', 'duplicate'] }, 10);
    const written = Buffer.alloc(1000, 0x5a);
    const received = both.write(written);
    expect(received.length).toBe(1000 - both.counts.drop + both.counts.duplicate);
    expect(both.counts.bytes).toBe(1000);
  });

  it('a board refuses a noise setting that is not a share from 0 to 0.5', async () => {
    await expect(SimulatedEsp32Cam.start({ lineNoise: { rate: 0.9 } })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    await expect(SimulatedEsp32Cam.start({ lineNoise: { rate: 0.001, kinds: ['smudge' as 'flip'] } })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
  });
});
