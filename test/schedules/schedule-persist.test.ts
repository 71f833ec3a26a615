import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';
import { addSchedule, api, newDataDir, START, startRig, untilRecorded, viewOf, type Rig } from './helpers.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Schedules outlive the service: kept atomically in dataDir/schedules/NAME.json, with what they did. */
describe('schedules across restarts', () => {
  let dataDir: string;
  let rig: Rig | undefined;

  beforeAll(async () => {
    dataDir = await newDataDir();
  });

  afterEach(async () => {
    await rig?.server.close();
    rig = undefined;
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps them, records the slots the service was down for once, takes none of them late, and keeps the retention', async () => {
    rig = await startRig({ dataDir });
    const view = await addSchedule(rig.server, { id: 'minutely', every: 60, retention: { maxPhotos: 1 }, flash: 'off' });
    await addSchedule(rig.server, { id: 'paused', every: 60, enabled: false });
    const first = Date.parse(view.nextAt!);
    rig.clock.advanceTo(first);
    const taken = await untilRecorded(rig, 'minutely', 1);
    await rig.server.close();
    rig = undefined;

    const saved = JSON.parse(await readFile(join(dataDir, 'schedules', 'cam.json'), 'utf8')) as { schedules: Array<{ spec: unknown }> };
    expect(saved.schedules.map((s) => s.spec)).toEqual([
      { id: 'minutely', camera: 'cam', every: 60, enabled: true, flash: 'off', retention: { maxPhotos: 1 } },
      { id: 'paused', camera: 'cam', every: 60, enabled: false, retention: { maxPhotos: 1000 } },
    ]);

    // The service comes back an hour and a half later: 90 slots passed while it was down.
    const later = first + 90 * 60_000 + 30_000;
    rig = await startRig({ dataDir, clock: new FakeClock(later) });
    const back = viewOf(rig, 'minutely');
    expect(back.history).toEqual([
      taken.history[0],
      { at: iso(first + 60_000), outcome: 'missed', reason: 'the service was not running', slots: 90, until: iso(first + 90 * 60_000) },
    ]);
    expect(back).toMatchObject({ counts: { taken: 1, missed: 90, failed: 0 }, nextAt: iso(first + 91 * 60_000), photos: 1, flash: 'off' });
    // A disabled schedule owes nothing for the time the service was down.
    expect(viewOf(rig, 'paused')).toMatchObject({ enabled: false, nextAt: null, history: [], counts: { taken: 0, missed: 0, failed: 0 } });

    rig.clock.advanceTo(first + 91 * 60_000);
    const next = await untilRecorded(rig, 'minutely', 92);
    expect(next.history.at(-1)).toEqual({ at: iso(first + 91 * 60_000), outcome: 'taken', photo: expect.any(String) });
    // maxPhotos 1 came back with the schedule: the photo from before the restart made room for the new one.
    expect(next.photos).toBe(1);
    expect((await api(rig.server, 'GET', `/api/photos/${taken.history[0].photo}`)).status).toBe(404);
  });

  it('sets a damaged file aside and starts the camera with no schedules', async () => {
    await mkdir(join(dataDir, 'schedules'), { recursive: true });
    await writeFile(join(dataDir, 'schedules', 'cam.json'), '{"version": 1, "camera": "cam", "schedules": [');
    rig = await startRig({ dataDir, clock: new FakeClock(START) });
    expect(rig.server.services.schedules.list()).toEqual([]);
    expect((await readdir(join(dataDir, 'schedules'))).some((f) => f.startsWith('cam.json.damaged-'))).toBe(true);
  });

  it('sets aside a file holding a schedule the API would refuse', async () => {
    const spec = { id: 'too-fast', camera: 'cam', every: 1, enabled: true, retention: {} };
    const state = { checkedUntil: null, counts: { taken: 0, missed: 0, failed: 0 }, history: [] };
    await writeFile(join(dataDir, 'schedules', 'cam.json'), JSON.stringify({ version: 1, camera: 'cam', schedules: [{ spec, state }] }));
    const aside = (await readdir(join(dataDir, 'schedules'))).filter((f) => f.startsWith('cam.json.damaged-')).length;
    rig = await startRig({ dataDir, clock: new FakeClock(START) });
    expect(rig.server.services.schedules.list()).toEqual([]);
    expect((await readdir(join(dataDir, 'schedules'))).filter((f) => f.startsWith('cam.json.damaged-')).length).toBe(aside + 1);
    // The camera takes new schedules as usual.
    expect((await addSchedule(rig.server, { every: 60, enabled: false })).id).toBe('cam-every-60s');
  });
});
