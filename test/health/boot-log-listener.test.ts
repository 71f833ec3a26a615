import { afterEach, describe, expect, it } from 'vitest';
import { startHealthRig, type HealthRig } from './helpers.js';

/**
 * The boot-log listener holds a camera's serial port only while nobody else needs it: the service's own
 * users of the port (file listing, pushes, the console, recovery) get it at once, and it comes back after.
 */
let rig: HealthRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe("the boot-log listener on a camera's serial port", () => {
  it('steps aside for a file listing and a push, and listens again after each', { timeout: 120_000 }, async () => {
    rig = await startHealthRig();
    const r = rig;
    await r.waitForReport((rep) => rep.state === 'online' && rep.bootLog === 'listening', 'online and listening');
    const files = await fetch(`${r.srv.url}/api/device/files?port=sim:cam`);
    expect(files.status).toBe(200);
    expect(((await files.json()) as { files: Array<{ name: string }> }).files.map((f) => f.name)).toContain('main.py');
    await r.waitForReport((rep) => rep.bootLog === 'listening', 'listening again after the listing');

    const push = await fetch(`${r.srv.url}/api/scripts/push?port=sim:cam&run=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: r.srv.url },
      body: JSON.stringify({}),
    });
    expect(push.status).toBe(202);
    const { job } = (await push.json()) as { job: { id: string } };
    await expect
      .poll(async () => ((await (await fetch(`${r.srv.url}/api/jobs/${job.id}`)).json()) as { job: { state: string } }).job.state, { timeout: 60_000 })
      .toBe('done');
    await r.waitForReport((rep) => rep.bootLog === 'listening', 'listening again after the push');
    // The push's reset printed the slave's start-up, which the listener does not mistake for a fault.
    expect(r.events.filter((e) => e.type === 'diagnosis')).toEqual([]);
  });

  it('is off when the config says so, and the report says it', async () => {
    rig = await startHealthRig({ keepAliveMs: 300, bootLog: false });
    const rep = await rig.waitForReport((x) => x.state === 'online', 'online');
    expect(rep.bootLog).toBe('off');
  });
});
