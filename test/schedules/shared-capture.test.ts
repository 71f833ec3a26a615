/**
 * A photo taken by hand while a schedule's photo is being taken shares the frame but not the record: the
 * hand-taken one is not tagged with the schedule (so it is not under the schedule's retention), and the
 * schedule's is.
 */
import { rm } from 'node:fs/promises';
import { afterEach, expect, it } from 'vitest';
import { addSchedule, startRig, type Rig } from './helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  if (!rig) return;
  await rig.server.close();
  await rm(rig.dataDir, { recursive: true, force: true });
  rig = undefined;
});

it('a capture by hand during a scheduled one gets its own record, untagged, of the same frame', async () => {
  rig = await startRig();
  const schedule = await addSchedule(rig.server, { every: 60, label: 'lapse' });
  const camera = rig.server.services.cameras.get('cam');
  // Both requests start before either photo is in, so they share the one shot in flight.
  const [scheduled, byHand] = await Promise.all([camera.capture({ schedule: schedule.id }), camera.capture()]);
  expect(scheduled.schedule).toBe(schedule.id);
  expect(byHand.schedule).toBeUndefined();
  expect(byHand.id).not.toBe(scheduled.id);
  expect(byHand.sha256).toBe(scheduled.sha256);
  const manual = rig.server.services.store.list({ camera: 'cam', scheduled: 'hide' }).items.map((p) => p.id);
  expect(manual).toEqual([byHand.id]);
});
