import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import { Cron } from 'croner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhotoRecord } from '../../host/src/services/photo-record.js';
import { addSchedule, api, START, startRig, untilRecorded, viewOf, type Rig } from './helpers.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Schedules on a faked clock take real photos: each slot's capture goes through the service to the
 * simulated board running the real slave script, and the photo is stored tagged with its schedule.
 */
describe('schedules on a faked clock', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig();
  });

  afterAll(async () => {
    await rig?.server.close();
    if (rig) await rm(rig.dataDir, { recursive: true, force: true });
  });

  async function photo(id: string): Promise<PhotoRecord> {
    const res = await api<PhotoRecord>(rig.server, 'GET', `/api/photos/${id}`);
    expect(res.status).toBe(200);
    return res.json;
  }

  async function decodes(id: string): Promise<{ width: number; height: number }> {
    const res = await fetch(`${rig.server.url}/api/photos/${id}/jpeg`);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    return { width: meta.width!, height: meta.height! };
  }

  it('takes a photo every N seconds on the multiples of N, each one real and tagged', async () => {
    const view = await addSchedule(rig.server, { id: 'every-10', every: 10, label: 'Every ten seconds' });
    const first = START + 9_000; // the next multiple of 10 s after 12:00:01
    expect(view).toMatchObject({ id: 'every-10', camera: 'cam', every: 10, enabled: true, nextAt: iso(first), lastAt: null, lastOutcome: null });
    expect(view.counts).toEqual({ taken: 0, missed: 0, failed: 0 });

    rig.clock.advanceTo(first - 1);
    // Nothing is due a millisecond early: the schedule has recorded nothing and photographed nothing.
    expect(viewOf(rig, 'every-10').counts).toEqual({ taken: 0, missed: 0, failed: 0 });
    rig.clock.advance(1);
    const one = await untilRecorded(rig, 'every-10', 1);
    expect(one.history).toEqual([{ at: iso(first), outcome: 'taken', photo: expect.any(String) }]);
    expect(one).toMatchObject({ lastAt: iso(first), lastOutcome: 'taken', nextAt: iso(first + 10_000), photos: 1 });

    rig.clock.advance(10_000);
    const two = await untilRecorded(rig, 'every-10', 2);
    expect(two.history.map((h) => [h.at, h.outcome])).toEqual([
      [iso(first), 'taken'],
      [iso(first + 10_000), 'taken'],
    ]);
    for (const slot of two.history) {
      const record = await photo(slot.photo!);
      expect(record).toMatchObject({ camera: 'cam', schedule: 'every-10' });
      expect(await decodes(record.id)).toEqual({ width: record.width, height: record.height });
    }
    expect(two.photos).toBe(2);
    expect(two.bytes).toBe((await photo(two.history[0].photo!)).size + (await photo(two.history[1].photo!)).size);
    await api(rig.server, 'PUT', '/api/cameras/cam/schedules/every-10', { enabled: false });
  });

  it("takes a photo on a cron expression's slots, as croner computes them", async () => {
    const pattern = '*/15 * * * * *';
    const expected = new Cron(pattern, { paused: true }).nextRuns(2, new Date(rig.clock.now())).map((d) => d.getTime());
    const view = await addSchedule(rig.server, { id: 'quarter-minute', cron: pattern });
    expect(view.nextAt).toBe(iso(expected[0]));

    rig.clock.advanceTo(expected[0]);
    await untilRecorded(rig, 'quarter-minute', 1);
    rig.clock.advanceTo(expected[1]);
    const done = await untilRecorded(rig, 'quarter-minute', 2);
    expect(done.history.map((h) => [h.at, h.outcome])).toEqual([
      [iso(expected[0]), 'taken'],
      [iso(expected[1]), 'taken'],
    ]);
    expect((await photo(done.history[1].photo!)).schedule).toBe('quarter-minute');
    expect(done.nextAt).toBe(iso(expected[1] + 15_000));
    await api(rig.server, 'PUT', '/api/cameras/cam/schedules/quarter-minute', { enabled: false });
  });

  it('skips and records a slot that comes while its previous photo is still being taken', async () => {
    const view = await addSchedule(rig.server, { id: 'tight', every: 5 });
    const first = Date.parse(view.nextAt!);
    rig.clock.advanceTo(first);
    // The capture of the first slot has only just begun: the I2C transfer takes real time.
    rig.clock.advance(5_000);
    const done = await untilRecorded(rig, 'tight', 2);
    expect(done.history).toEqual([
      { at: iso(first), outcome: 'taken', photo: expect.any(String) },
      { at: iso(first + 5_000), outcome: 'missed', reason: 'the previous photo of this schedule was still being taken' },
    ]);
    expect(done.counts).toEqual({ taken: 1, missed: 1, failed: 0 });
    expect(done.photos).toBe(1);
    await api(rig.server, 'PUT', '/api/cameras/cam/schedules/tight', { enabled: false });
  });

  it('records the slots a jump of the wall clock skipped as one entry, and takes only the current one', async () => {
    const view = await addSchedule(rig.server, { id: 'jumper', every: 10 });
    const first = Date.parse(view.nextAt!);
    rig.clock.advanceTo(first);
    await untilRecorded(rig, 'jumper', 1);
    // The wall clock moves an hour on (NTP after a long time without network); the timer knows nothing of it.
    rig.clock.jump(3_600_000);
    rig.clock.advance(10_000);
    const after = await untilRecorded(rig, 'jumper', 362);
    const now = first + 10_000 + 3_600_000;
    expect(after.history.slice(1)).toEqual([
      {
        at: iso(first + 10_000),
        outcome: 'missed',
        reason: 'the slot passed unseen: the clock jumped ahead, or the service was held up',
        slots: 360,
        until: iso(now - 10_000),
      },
      { at: iso(now), outcome: 'taken', photo: expect.any(String) },
    ]);
    expect(after.counts).toEqual({ taken: 2, missed: 360, failed: 0 });
    // Two photos, not 362: nothing was caught up.
    expect(after.photos).toBe(2);
    expect(after.nextAt).toBe(iso(now + 10_000));
    await api(rig.server, 'PUT', '/api/cameras/cam/schedules/jumper', { enabled: false });
  });

  it('stops firing when disabled, and starts afresh from now when enabled again', async () => {
    const before = viewOf(rig, 'every-10');
    expect(before).toMatchObject({ enabled: false, nextAt: null });
    const recorded = before.counts.taken + before.counts.missed + before.counts.failed;
    rig.clock.advance(60_000);
    expect(viewOf(rig, 'every-10').counts).toEqual(before.counts);
    const res = await api(rig.server, 'PUT', '/api/cameras/cam/schedules/every-10', { enabled: true });
    expect(res.status).toBe(200);
    const next = Math.floor(rig.clock.now() / 10_000) * 10_000 + 10_000;
    expect(res.json).toMatchObject({ enabled: true, nextAt: iso(next) });
    // The minute it was off is not owed: nothing was recorded for it.
    expect(viewOf(rig, 'every-10').counts).toEqual(before.counts);
    expect(recorded).toBe(2);
    await api(rig.server, 'PUT', '/api/cameras/cam/schedules/every-10', { enabled: false });
  });
});
