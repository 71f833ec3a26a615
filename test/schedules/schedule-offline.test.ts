import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/until.js';
import { addSchedule, api, startRig, untilRecorded, type Rig } from './helpers.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A camera that stops answering: the slot that finds it still taken for online fails with the reason, the
 * slots that find it offline are recorded as missed without asking it, and once it is back the schedule
 * goes on at its next slot with one photo: the missed ones are not caught up in a burst.
 */
describe('a schedule whose camera goes offline', () => {
  let rig: Rig;

  beforeAll(async () => {
    // Frequent keep-alives so the monitor sees the hang; many slow retries, so it comes back without a reset.
    rig = await startRig({
      config: {
        health: { keepAliveMs: 300, recovery: { retries: 50, backoffMs: 300, maxBackoffMs: 300, jitter: 0, giveUpRetryMs: 1500, maxResetsPerHour: 3 } },
      },
    });
  });

  afterAll(async () => {
    await rig?.server.close();
    if (rig) await rm(rig.dataDir, { recursive: true, force: true });
  });

  const health = (): string => rig.server.services.health.get('cam').health.state;

  it('records the slots it is offline for as missed with the reason, and takes one photo at the first slot after it is back', async () => {
    await until(() => (health() === 'online' ? true : undefined), 'the camera online');
    const view = await addSchedule(rig.server, { id: 'watch', every: 30 });
    const first = Date.parse(view.nextAt!);
    rig.clock.advanceTo(first);
    await untilRecorded(rig, 'watch', 1);

    // The script freezes: commands are acknowledged but never answered, and the keep-alive finds it offline.
    const fault = await api(rig.server, 'POST', '/api/cameras/cam/sim-fault', { kind: 'hang', seconds: 20 });
    expect(fault.status).toBe(200);
    await until(() => (health() === 'offline' || health() === 'recovering' ? true : undefined), 'the camera offline');
    rig.clock.advance(30_000);
    rig.clock.advance(30_000);
    rig.clock.advance(30_000);
    const missed = await untilRecorded(rig, 'watch', 4);
    expect(missed.history.slice(1)).toEqual(
      [1, 2, 3].map((n) => ({ at: iso(first + 30_000 * n), outcome: 'missed', reason: expect.stringMatching(/^camera "cam" is (offline|recovering)/) })),
    );
    // A missed slot asks nothing of the camera: no photo, no capture.
    expect(rig.server.services.store.scheduleStats('watch').photos).toBe(1);
    expect(rig.server.services.cameras.get('cam').isBusy).toBe(false);

    await until(() => (health() === 'online' ? true : undefined), 'the camera online again');
    // Only the slot that comes now is taken: the three missed are not caught up.
    rig.clock.advance(30_000);
    const back = await untilRecorded(rig, 'watch', 5);
    expect(back.history[4]).toEqual({ at: iso(first + 120_000), outcome: 'taken', photo: expect.any(String) });
    expect(back.counts).toEqual({ taken: 2, missed: 3, failed: 0 });
    expect(back).toMatchObject({ photos: 2, lastAt: iso(first + 120_000), lastOutcome: 'taken', nextAt: iso(first + 150_000) });
    const list = await api<{ items: Array<{ id: string }> }>(rig.server, 'GET', '/api/photos?schedule=watch');
    expect(list.json.items.map((p) => p.id).sort()).toEqual([back.history[0].photo, back.history[4].photo].sort());
    await api(rig.server, 'PUT', '/api/cameras/cam/schedules/watch', { enabled: false });
  });

  it("records a slot whose capture fails as failed, with the camera's reason", async () => {
    await until(() => (health() === 'online' ? true : undefined), 'the camera online');
    // The board resets and its sensor fails its probe: the board answers, its camera cannot take a photo.
    expect((await api(rig.server, 'POST', '/api/cameras/cam/sim-fault', { kind: 'camera-init', count: 1 })).status).toBe(200);
    await until(() => (rig.server.services.health.get('cam').report().cameraOk === false ? true : undefined), 'the board to report its camera down');
    const view = await addSchedule(rig.server, { id: 'doomed', every: 30 });
    rig.clock.advanceTo(Date.parse(view.nextAt!));
    const done = await untilRecorded(rig, 'doomed', 1);
    expect(done.history).toEqual([{ at: view.nextAt, outcome: 'failed', reason: expect.stringMatching(/\(E_CAMERA_FAILED\)$/) }]);
    expect(done).toMatchObject({ counts: { taken: 0, missed: 0, failed: 1 }, photos: 0, lastOutcome: 'failed' });
  });
});
