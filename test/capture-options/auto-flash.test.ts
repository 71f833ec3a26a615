import { afterEach, describe, expect, it } from 'vitest';
import { CameraClient } from '../../host/src/index.js';
import { AutoFlash, DARK_LUMA, meanLuma } from '../../host/src/services/cameras/index.js';
import { SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import { exposure, flashLedChanges } from './helpers.js';

/** Flash `auto` on a real client and a simulated board, with the verdict's clock in the test's hands. */
const boards: SimulatedEsp32Cam[] = [];
afterEach(async () => {
  await Promise.all(boards.splice(0).map((b) => b.close()));
});

async function rig(ambientLight: number) {
  const sim = await SimulatedEsp32Cam.start({ seed: 23, bootMs: 0, busHz: 400_000, ambientLight });
  boards.push(sim);
  const client = new CameraClient({ bus: sim });
  let now = 1_000_000;
  const auto = new AutoFlash({ memoryMs: 60_000, now: () => now });
  const take = () => auto.take((options) => client.capture(options), true);
  return { sim, auto, take, advance: (ms: number) => (now += ms) };
}

describe('flash auto', () => {
  it('judges a photo by its mean luma: the test card is bright in full light and dark at 0.1', async () => {
    const bright = await rig(1);
    expect(await meanLuma(await new CameraClient({ bus: bright.sim }).capture({ fresh: true }))).toBeGreaterThan(DARK_LUMA);
    bright.sim.setAmbientLight(0.1);
    expect(await meanLuma(await new CameraClient({ bus: bright.sim }).capture({ fresh: true }))).toBeLessThan(DARK_LUMA);
  });

  it('takes a bright scene without the LED, and remembers nothing', async () => {
    const { sim, auto, take } = await rig(1);
    const led = flashLedChanges(sim);
    const shot = await take();
    expect(shot.flash).toBe(false);
    expect(shot.luma).toBeGreaterThan(DARK_LUMA);
    expect(exposure(shot.jpeg).flashOnAt).toBeUndefined();
    expect(led).toEqual([]);
    expect(auto.remembersDark).toBe(false);
  });

  it('retakes a dark scene with the LED, goes straight to it while the verdict holds, and judges again after', async () => {
    const { sim, auto, take, advance } = await rig(0.1);
    const led = flashLedChanges(sim);
    const first = await take();
    expect(first.flash).toBe(true);
    expect(first.luma).toBeLessThan(DARK_LUMA);
    expect(await meanLuma(first.jpeg)).toBeGreaterThan(DARK_LUMA);
    expect(auto.remembersDark).toBe(true);

    // Within the memory: one lit photo, no unlit one to judge (two frames: the held one and the lit one).
    advance(30_000);
    const frames = sim.info().frames;
    const second = await take();
    expect(second.flash).toBe(true);
    expect(second.luma).toBeUndefined();
    expect(sim.info().frames - frames).toBe(2);

    // The light came back and the verdict is old: judged again without the LED, and left unlit.
    sim.setAmbientLight(1);
    advance(31_000);
    expect(auto.remembersDark).toBe(false);
    const third = await take();
    expect(third.flash).toBe(false);
    expect(exposure(third.jpeg).flashOnAt).toBeUndefined();
    expect(led.map((c) => c.value)).toEqual([1, 0, 1, 0]);
  });
});
