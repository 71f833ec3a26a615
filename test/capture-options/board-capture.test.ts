import { afterEach, describe, expect, it } from 'vitest';
import { CameraClient } from '../../host/src/index.js';
import { SimulatedEsp32Cam, type SimOptions } from '../../host/src/sim/index.js';
import { sleep } from '../sim/helpers.js';
import { until } from '../helpers/until.js';
import { exposure, FIELD_SCRIPT, flashLedChanges, meanLuma, scriptWithoutCaptureFlags } from './helpers.js';

/**
 * fresh and flash through the camera client, on simulated boards running real scripts: the project's
 * device-scripts/main.py (the board does both), the same script from before CAPTURE's flags (the host does
 * them over protocol 2), and the field's legacy slave (the host does them with ASCII commands).
 */

const boards: SimulatedEsp32Cam[] = [];
async function board(opts: SimOptions = {}): Promise<SimulatedEsp32Cam> {
  const sim = await SimulatedEsp32Cam.start({ seed: 11, bootMs: 0, busHz: 400_000, ...opts });
  boards.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(boards.splice(0).map((b) => b.close()));
});

const kinds = [
  { name: "the project's script, which does it on the board", script: undefined, protocol: 'v2' },
  { name: 'the project script from before the flags, so the host does it over protocol 2', script: 'old', protocol: 'v2' },
  { name: 'the legacy field script, so the host does it with flash-on, capture and flash-off', script: FIELD_SCRIPT, protocol: 'legacy' },
] as const;

describe.each(kinds)('capture options with $name', ({ script, protocol }) => {
  const start = (opts: SimOptions = {}) => board({ script: script === 'old' ? scriptWithoutCaptureFlags() : script, ...opts });

  it('lights a dark scene: the LED goes on at least 150 ms before the frame is exposed and is off after', async () => {
    const sim = await start({ ambientLight: 0.1 });
    const led = flashLedChanges(sim);
    const client = new CameraClient({ bus: sim });
    const dark = await client.capture({ fresh: true });
    expect(client.protocolInUse).toBe(protocol);
    expect(exposure(dark).flashOnAt).toBeUndefined();
    expect(led).toEqual([]);

    const lit = await client.capture({ flash: true });
    const { exposedAt, flashOnAt, light } = exposure(lit);
    expect(flashOnAt).toBeInstanceOf(Date);
    expect(exposedAt.getTime() - flashOnAt!.getTime()).toBeGreaterThanOrEqual(150);
    expect(light).toBeGreaterThan(0.7);
    expect(await meanLuma(lit)).toBeGreaterThan((await meanLuma(dark)) * 4);
    // On, then off again once the photo was taken; nothing left on.
    expect(led.map((c) => c.value)).toEqual([1, 0]);
    expect(sim.info().flashLed).toBe(false);
  });

  it('leaves the LED on for a flash photo when it was already on, and waits only for what is left', async () => {
    const sim = await start({ ambientLight: 0.1 });
    const led = flashLedChanges(sim);
    const client = new CameraClient({ bus: sim });
    await client.setLed(true);
    const lit = await client.capture({ flash: true });
    const { exposedAt, flashOnAt } = exposure(lit);
    expect(exposedAt.getTime() - flashOnAt!.getTime()).toBeGreaterThanOrEqual(150);
    expect(sim.info().flashLed).toBe(true);
    expect(led.map((c) => c.value)).toEqual([1]);
    await client.setLed(false);
    expect(sim.info().flashLed).toBe(false);
  });

  it('returns the held frame without fresh and a new one with it, after a pause', async () => {
    const sim = await start();
    const client = new CameraClient({ bus: sim });
    await client.capture();
    await sleep(1200); // the pause is what is under test: the held frame ages meanwhile
    const askedStale = Date.now();
    const stale = await client.capture({ fresh: false });
    await sleep(1200);
    const askedFresh = Date.now();
    const fresh = await client.capture({ fresh: true });
    // The held frame was exposed when the previous photo was handed back, before the request.
    expect(exposure(stale).exposedAt.getTime()).toBeLessThan(askedStale - 1000);
    // A fresh photo was exposed after it was asked for.
    expect(exposure(fresh).exposedAt.getTime()).toBeGreaterThanOrEqual(askedFresh - 5);
  });

  it('puts the LED out when the flash photo fails', async () => {
    const sim = await start({ ambientLight: 0.1 });
    const client = new CameraClient({ bus: sim, captureRetries: 0, commandTimeoutMs: 1500 });
    // A first flash photo: by now the client knows whether the board does the flash itself.
    expect(exposure(await client.capture({ flash: true })).flashOnAt).toBeInstanceOf(Date);
    const led = flashLedChanges(sim);
    sim.inject({ cameraFailures: 2 });
    await expect(client.capture({ flash: true })).rejects.toMatchObject({ code: 'E_CAMERA_FAILED' });
    await until(() => (led.length >= 2 ? true : undefined), 'the LED to go on and off');
    expect(led.map((c) => c.value)).toEqual([1, 0]);
    expect(sim.info().flashLed).toBe(false);
  });
});

describe("CAPTURE's flags on the wire", () => {
  it('cost one CAPTURE on the project script: fresh takes two frames on the board, and the LED never crosses the bus', async () => {
    const sim = await board();
    const client = new CameraClient({ bus: sim });
    await client.ping();
    const frames = sim.info().frames;
    const written = client.busCounters.written;
    await client.capture({ fresh: true, flash: true });
    expect(sim.info().frames).toBe(frames + 2);
    // One 7-byte CAPTURE, then READs of 14 bytes each: no FLASH request (7 bytes) went out.
    const requests = client.busCounters.written - written;
    expect((requests - 7) % 14).toBe(0);
  });
});
