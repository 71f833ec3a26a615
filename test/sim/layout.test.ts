import { describe, expect, it } from 'vitest';
import * as ts from '../../host/src/sim/shared-layout.js';
import { transactionMs, WireClock } from '../../host/src/sim/wire-clock.js';
import { jpegQualityFor } from '../../host/src/sim/index.js';

describe('simulator internals', () => {
  it('the worker and the main thread agree on the shared-memory layout', async () => {
    // @ts-expect-error: plain JS module without types, loaded the way the worker loads it
    const js = (await import('../../host/src/sim/board/shared-layout.mjs')) as Record<string, unknown>;
    expect({ ...(js.CTL as object) }).toEqual(ts.CTL);
    expect({ ...(js.WDT as object) }).toEqual(ts.WDT);
    for (const k of ['RING_HEADER_BYTES', 'RING_HEAD', 'RING_TAIL', 'RING_FIFO_BYTES'] as const) expect(js[k]).toBe(ts[k]);
  });

  it('wire time is 9 clocks per byte, address byte included, and transactions queue back to back', () => {
    expect(transactionMs(0, 100_000)).toBeCloseTo(0.09, 6);
    expect(transactionMs(99, 100_000)).toBeCloseTo(9, 6);
    expect(transactionMs(99, 400_000)).toBeCloseTo(2.25, 6);
    const clock = new WireClock(100_000);
    const a = clock.reserve(99);
    const b = clock.reserve(9);
    expect(b.start).toBe(a.end);
    expect(b.end - b.start).toBeCloseTo(0.9, 6);
  });

  it('maps OV2640 quality (lower is better) onto a falling libjpeg quality', () => {
    expect(jpegQualityFor(10)).toBe(72);
    expect(jpegQualityFor(63)).toBe(10);
    expect(jpegQualityFor(12)).toBeGreaterThan(jpegQualityFor(40));
  });
});
