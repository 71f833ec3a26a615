import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraClient } from '../../host/src/index.js';
import { Esp32CamError } from '../../host/src/errors.js';
import { packageRoot } from '../../host/src/paths.js';
import { exposedAt, SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import type { AppliedSettings, CameraSettings } from '../../host/src/devices/camera/types.js';
import { waitFor } from '../sim/helpers.js';

// Everything here runs the project's device-scripts/main.py in MicroPython inside the simulated board.
const NEUTRAL: AppliedSettings = { framesize: 1, quality: 12, brightness: 0, contrast: 0, saturation: 0, vflip: 0, hmirror: 0, special_effect: 0, wb_mode: 0 };

const started: SimulatedEsp32Cam[] = [];
async function board(opts: Parameters<typeof SimulatedEsp32Cam.start>[0] = {}): Promise<SimulatedEsp32Cam> {
  const sim = await SimulatedEsp32Cam.start({ seed: 61, bootMs: 0, busHz: 400_000, ...opts });
  started.push(sim);
  return sim;
}
afterAll(async () => {
  await Promise.all(started.splice(0).map((b) => b.close()));
});

/** Raw RGB of a JPEG with its size, for channel statistics over regions. */
async function decode(jpeg: Buffer): Promise<{ rgb: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rgb: data, width: info.width, height: info.height };
}

/** Channel means over a region given in fractions of the frame. */
async function means(jpeg: Buffer, region = { left: 0, top: 0, width: 1, height: 1 }): Promise<number[]> {
  const { rgb, width, height } = await decode(jpeg);
  const box = {
    left: Math.round(region.left * width),
    top: Math.round(region.top * height),
    width: Math.round(region.width * width),
    height: Math.round(region.height * height),
  };
  const { data, info } = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .extract(box)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const stats = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).stats();
  return stats.channels.map((c) => c.mean);
}
const avg = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

// Regions of the test card: colour bars over the top half (grey first, blue last), dark panel at the bottom.
const FIRST_BAR = { left: 0.02, top: 0.05, width: 0.1, height: 0.3 };
/** The sixth bar, pure red (#c00000). */
const RED_BAR = { left: 0.74, top: 0.05, width: 0.08, height: 0.3 };
const TOP = { left: 0, top: 0, width: 1, height: 0.35 };
const BOTTOM = { left: 0, top: 0.65, width: 1, height: 0.35 };

describe('camera settings through protocol 2 and the simulated board', () => {
  let sim: SimulatedEsp32Cam;
  let cam: CameraClient;
  beforeAll(async () => {
    sim = await board();
    cam = new CameraClient({ bus: sim });
  });

  /** Applies `settings` over the neutral ones and returns a photo that shows them (the held frame is skipped). */
  async function photoWith(settings: CameraSettings): Promise<Buffer> {
    const applied = await cam.applySettings({ ...NEUTRAL, ...settings });
    expect(applied).toEqual({ ...NEUTRAL, ...settings });
    await cam.capture();
    return cam.capture();
  }

  it('reads back what the board holds after a boot: camconfig defaults, the rest at 0', async () => {
    expect(await cam.applySettings({})).toEqual({ ...NEUTRAL, framesize: 5 });
  });

  it('frame size sets the resolution; a larger one than the buffer re-initialises the camera', async () => {
    expect((await sharp(await photoWith({ framesize: 1 })).metadata()).width).toBe(160);
    const vga = await photoWith({ framesize: 8 });
    const meta = await sharp(vga).metadata();
    expect([meta.width, meta.height]).toEqual([640, 480]);
    const qqvga = await photoWith({ framesize: 1 });
    expect((await sharp(qqvga).metadata()).height).toBe(120);
  });

  it('quality changes the JPEG size', async () => {
    const fine = await photoWith({ quality: 10 });
    const coarse = await photoWith({ quality: 63 });
    expect(coarse.length).toBeLessThan(fine.length * 0.6);
  });

  it('vflip puts the colour bars at the bottom; hmirror puts the grey bar on the right', async () => {
    const plain = await photoWith({});
    expect(avg(await means(plain, TOP))).toBeGreaterThan(avg(await means(plain, BOTTOM)) + 30);
    const flipped = await photoWith({ vflip: 1 });
    expect(avg(await means(flipped, BOTTOM))).toBeGreaterThan(avg(await means(flipped, TOP)) + 30);
    const [r, g] = await means(plain, FIRST_BAR);
    expect(Math.min(r!, g!)).toBeGreaterThan(150);
    const [mr, mg, mb] = await means(await photoWith({ hmirror: 1 }), FIRST_BAR);
    expect(Math.max(mr!, mg!)).toBeLessThan(60);
    expect(mb).toBeGreaterThan(150);
  });

  it('brightness, contrast and saturation change the picture', async () => {
    const base = avg(await means(await photoWith({})));
    expect(avg(await means(await photoWith({ brightness: 2 })))).toBeGreaterThan(base + 30);
    expect(avg(await means(await photoWith({ brightness: -2 })))).toBeLessThan(base - 30);
    const stdev = async (jpeg: Buffer) => (await sharp(jpeg).stats()).channels[1]!.stdev;
    expect(await stdev(await photoWith({ contrast: 2 }))).toBeGreaterThan((await stdev(await photoWith({}))) * 1.2);
    const redness = async (jpeg: Buffer) => {
      const [r, g, b] = await means(jpeg, RED_BAR);
      return r! - Math.max(g!, b!);
    };
    expect(await redness(await photoWith({}))).toBeGreaterThan(150);
    expect(await redness(await photoWith({ saturation: -2 }))).toBeLessThan(100);
  });

  it('renders the effects: negative, grayscale, red, green and blue tints, sepia', async () => {
    const plain = await means(await photoWith({}));
    const negative = await means(await photoWith({ special_effect: 1 }));
    negative.forEach((m, i) => expect(Math.abs(m - (255 - plain[i]!))).toBeLessThan(8));
    const [gr, gg, gb] = await means(await photoWith({ special_effect: 2 }));
    expect(Math.max(gr!, gg!, gb!) - Math.min(gr!, gg!, gb!)).toBeLessThan(4);
    for (const [effect, channel] of [
      [3, 0],
      [4, 1],
      [5, 2],
    ] as const) {
      const m = await means(await photoWith({ special_effect: effect }));
      const others = m.filter((_, i) => i !== channel);
      expect(m[channel]).toBeGreaterThan(Math.max(...others) * 1.3);
    }
    const [sr, sg, sb] = await means(await photoWith({ special_effect: 6 }));
    expect(sr).toBeGreaterThan(sg!);
    expect(sg).toBeGreaterThan(sb!);
  });

  it('white balance tints warm for sunny and cloudy, cool for office and home', async () => {
    const ratio = async (wb_mode: number) => {
      const [r, , b] = await means(await photoWith({ wb_mode }));
      return r! / b!;
    };
    const auto = await ratio(0);
    expect(await ratio(1)).toBeGreaterThan(auto * 1.1);
    expect(await ratio(2)).toBeGreaterThan(auto * 1.2);
    expect(await ratio(3)).toBeLessThan(auto * 0.9);
    expect(await ratio(4)).toBeLessThan(auto * 0.8);
  });

  it('the first photo after a change is the frame held from before it', async () => {
    await photoWith({});
    const before = Date.now();
    await cam.applySettings({ ...NEUTRAL, special_effect: 1 });
    const held = await cam.capture();
    const fresh = await cam.capture();
    expect(exposedAt(held)!.getTime()).toBeLessThan(before + 50);
    expect(exposedAt(fresh)!.getTime()).toBeGreaterThan(before);
    expect(avg(await means(fresh))).toBeGreaterThan(avg(await means(held)) + 30);
  });

  it('refuses bad values before they reach the bus, and the board refuses what it cannot do', async () => {
    await expect(cam.applySettings({ quality: 5 })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringContaining('quality') });
    await expect(cam.applySettings({ sharpness: 1 } as CameraSettings)).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    expect(await cam.applySettings({})).toMatchObject({ quality: expect.any(Number) });
  });
});

describe('settings on boards that cannot take them', () => {
  it('a board without PSRAM refuses sizes above VGA and keeps working at its size', async () => {
    const sim = await board({ seed: 62 });
    const cam = new CameraClient({ bus: sim });
    await cam.ping();
    sim.fault({ kind: 'no-psram' });
    cam.resetSession();
    // The reboot the fault causes makes the address NACK for a while: ask until the new boot answers.
    let settings: AppliedSettings | undefined;
    const up = await waitFor(
      async () => {
        settings = await cam.applySettings({}).catch(() => undefined);
        return settings !== undefined;
      },
      30_000,
      100,
    );
    expect(up).toBe(true);
    expect(settings?.framesize).toBe(5);
    const err = await cam.applySettings({ framesize: 9 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Esp32CamError);
    expect(err).toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringContaining('framesize 9 needs PSRAM') });
    expect(await cam.applySettings({ framesize: 8 })).toMatchObject({ framesize: 8 });
    await cam.capture();
    expect((await sharp(await cam.capture()).metadata()).width).toBe(640);
  });

  it('a legacy slave refuses settings cleanly and keeps taking photos', async () => {
    const sim = await board({ seed: 63, script: join(packageRoot(), 'test', 'fixtures', 'legacy_slave.py') });
    const cam = new CameraClient({ bus: sim });
    const err = await cam.applySettings({ brightness: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Esp32CamError);
    expect(err).toMatchObject({ code: 'E_UNSUPPORTED', hint: expect.stringContaining('esp32cam push') });
    expect(cam.protocolInUse).toBe('legacy');
    expect((await cam.capture()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });
});
