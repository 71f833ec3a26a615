import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyLook, NEUTRAL_LOOK, parseLook, type SensorLook } from '../../host/src/sim/sensor-look.js';
import { renderTestCardRgb } from '../../host/src/sim/test-card.js';

const W = 160;
const H = 120;

async function card(look: Partial<SensorLook>): Promise<Buffer> {
  const rgb = await renderTestCardRgb({ width: W, height: H, frame: 1, time: new Date(0), seed: 5 });
  return applyLook(rgb, W, H, { ...NEUTRAL_LOOK, ...look });
}

/** Mean of each channel over a rectangle of raw RGB. */
async function means(rgb: Buffer, region?: { left: number; top: number; width: number; height: number }): Promise<number[]> {
  const raw = { width: W, height: H, channels: 3 } as const;
  // stats() reads the input, not the pipeline: the region is cut out first.
  const { data, info } = region ? await sharp(rgb, { raw }).extract(region).raw().toBuffer({ resolveWithObject: true }) : { data: rgb, info: raw };
  const stats = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).stats();
  return stats.channels.map((c) => c.mean);
}
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const TOP_LEFT = { left: 0, top: 0, width: 16, height: 40 };
const BOTTOM = { left: 0, top: 80, width: W, height: 40 };
const TOP = { ...BOTTOM, top: 0 };
/** The sixth bar, #c00000. */
const RED_BAR = { left: 117, top: 0, width: 16, height: 40 };

describe('the simulated sensor look, rendered with sharp on the test card', () => {
  it("reads the worker's setting list, leaving missing fields neutral", () => {
    expect(parseLook('1,0,-2,1,2,6,4')).toEqual({ vflip: 1, hmirror: 0, brightness: -2, contrast: 1, saturation: 2, effect: 6, wb: 4 });
    expect(parseLook(undefined)).toEqual(NEUTRAL_LOOK);
    expect(parseLook('0,1')).toEqual({ ...NEUTRAL_LOOK, hmirror: 1 });
  });

  it('leaves the card alone when every setting is neutral', async () => {
    const rgb = await renderTestCardRgb({ width: W, height: H, frame: 1, time: new Date(0), seed: 5 });
    expect((await applyLook(rgb, W, H, NEUTRAL_LOOK)).equals(rgb)).toBe(true);
  });

  it('flips the bright bars to the bottom and mirrors the grey bar to the right', async () => {
    const plain = await card({});
    expect(mean(await means(plain, BOTTOM))).toBeLessThan(mean(await means(plain, TOP)));
    const flipped = await card({ vflip: 1 });
    expect(mean(await means(flipped, BOTTOM))).toBeGreaterThan(mean(await means(flipped, TOP)));
    // The first bar is grey (#c0c0c0), the last blue (#0000c0).
    const [r, , b] = await means(plain, TOP_LEFT);
    expect(r).toBeGreaterThan(150);
    expect(b).toBeGreaterThan(150);
    const [mr, , mb] = await means(await card({ hmirror: 1 }), TOP_LEFT);
    expect(mr).toBeLessThan(40);
    expect(mb).toBeGreaterThan(150);
  });

  it('brightens, darkens, stretches and desaturates', async () => {
    const base = mean(await means(await card({})));
    expect(mean(await means(await card({ brightness: 2 })))).toBeGreaterThan(base + 30);
    expect(mean(await means(await card({ brightness: -2 })))).toBeLessThan(base - 30);
    const spread = async (look: Partial<SensorLook>) =>
      (await sharp(await card(look), { raw: { width: W, height: H, channels: 3 } }).stats()).channels[1]!.stdev;
    expect(await spread({ contrast: 2 })).toBeGreaterThan((await spread({})) * 1.2);
    const chroma = async (look: Partial<SensorLook>) => {
      const [r, g, b] = await means(await card(look), RED_BAR);
      return Math.max(r!, g!, b!) - Math.min(r!, g!, b!);
    };
    expect(await chroma({ saturation: -2 })).toBeLessThan((await chroma({})) / 2);
  });

  it('renders the effects: negative, grayscale, tints and sepia', async () => {
    const base = await means(await card({}));
    const negative = await means(await card({ effect: 1 }));
    negative.forEach((m, i) => expect(m).toBeCloseTo(255 - base[i]!, 0));
    const [gr, gg, gb] = await means(await card({ effect: 2 }));
    expect(Math.abs(gr! - gg!) + Math.abs(gg! - gb!)).toBeLessThan(2);
    const [rr, rg, rb] = await means(await card({ effect: 3 }));
    expect(rr).toBeGreaterThan(rg! * 1.3);
    expect(rr).toBeGreaterThan(rb! * 1.3);
    const [er, eg, eb] = await means(await card({ effect: 4 }));
    expect(eg).toBeGreaterThan(Math.max(er!, eb!) * 1.3);
    const [br, bg, bb] = await means(await card({ effect: 5 }));
    expect(bb).toBeGreaterThan(Math.max(br!, bg!) * 1.3);
    const [sr, sg, sb] = await means(await card({ effect: 6 }));
    expect(sr).toBeGreaterThan(sg!);
    expect(sg).toBeGreaterThan(sb!);
  });

  it('tints warm for sunny and cloudy, cool for office and home', async () => {
    const ratio = async (wb: number) => {
      const [r, , b] = await means(await card({ wb }));
      return r! / b!;
    };
    const auto = await ratio(0);
    expect(await ratio(1)).toBeGreaterThan(auto * 1.1);
    expect(await ratio(2)).toBeGreaterThan(await ratio(1));
    expect(await ratio(3)).toBeLessThan(auto * 0.9);
    expect(await ratio(4)).toBeLessThan(await ratio(3));
  });
});
