import { rm } from 'node:fs/promises';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleView } from '../../host/src/services/schedules/index.js';
import { MAX_PER_CAMERA } from '../../host/src/services/schedules/index.js';
import { until } from '../helpers/until.js';
import { addSchedule, api, startRig, untilRecorded, type Rig } from './helpers.js';

type Photos = { items: Array<{ id: string; schedule?: string; camera: string }>; total: number };

describe('the schedule API', () => {
  let rig: Rig;
  let socket: Socket;
  const events: Array<{ name: string; body: { id?: string; camera?: string } }> = [];

  beforeAll(async () => {
    rig = await startRig();
    socket = connect(rig.server.url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { origin: rig.server.url } });
    socket.onAny((name: string, body: { id?: string }) => {
      if (name.startsWith('schedule:')) events.push({ name, body });
    });
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.close();
    await rig?.server.close();
    if (rig) await rm(rig.dataDir, { recursive: true, force: true });
  });

  const list = async (path = '/api/schedules'): Promise<ScheduleView[]> => {
    const res = await api<{ schedules: ScheduleView[] }>(rig.server, 'GET', path);
    expect(res.status).toBe(200);
    return res.json.schedules;
  };

  it('adds a schedule with an id made from its label, the defaults filled in, and tells the pages', async () => {
    const view = await addSchedule(rig.server, { every: 3600, label: 'Garden, hourly!', retention: { maxBytes: '200MB' }, enabled: false });
    expect(view).toEqual({
      id: 'garden-hourly',
      camera: 'cam',
      every: 3600,
      enabled: false,
      label: 'Garden, hourly!',
      retention: { maxBytes: 200 * 1024 * 1024 },
      nextAt: null,
      lastAt: null,
      lastOutcome: null,
      counts: { taken: 0, missed: 0, failed: 0 },
      history: [],
      photos: 0,
      bytes: 0,
    });
    const plain = await addSchedule(rig.server, { every: 600, enabled: false });
    expect(plain).toMatchObject({ id: 'cam-every-600s', retention: { maxPhotos: 1000 } });
    const again = await addSchedule(rig.server, { every: 600, enabled: false });
    expect(again.id).toBe('cam-every-600s-2');
    await until(() => (events.filter((e) => e.name === 'schedule:change').length >= 3 ? true : undefined), 'three schedule:change events');
    expect((await list()).map((s) => s.id)).toEqual(['garden-hourly', 'cam-every-600s', 'cam-every-600s-2']);
    expect((await list('/api/cameras/cam/schedules')).map((s) => s.id)).toEqual(['garden-hourly', 'cam-every-600s', 'cam-every-600s-2']);
    expect((await api(rig.server, 'GET', '/api/cameras/cam/schedules/garden-hourly')).json).toMatchObject({ id: 'garden-hourly' });
  });

  it('changes only the fields given: a new label keeps the plan, new timing replaces the old', async () => {
    const on = await api<ScheduleView>(rig.server, 'PUT', '/api/cameras/cam/schedules/garden-hourly', { enabled: true, flash: 'on' });
    expect(on.status).toBe(200);
    const hour = Math.floor(rig.clock.now() / 3_600_000) * 3_600_000 + 3_600_000;
    expect(on.json).toMatchObject({ enabled: true, every: 3600, flash: 'on', nextAt: new Date(hour).toISOString() });
    const relabelled = await api<ScheduleView>(rig.server, 'PUT', '/api/cameras/cam/schedules/garden-hourly', { label: 'Garden', flash: null });
    expect(relabelled.json).toMatchObject({ label: 'Garden', nextAt: on.json.nextAt });
    expect(relabelled.json.flash).toBeUndefined();
    const cron = await api<ScheduleView>(rig.server, 'PUT', '/api/cameras/cam/schedules/garden-hourly', { cron: '0 30 * * * *' });
    expect(cron.status).toBe(200);
    expect(cron.json.every).toBeUndefined();
    expect(cron.json).toMatchObject({ cron: '0 30 * * * *', retention: { maxBytes: 200 * 1024 * 1024 } });
    expect(new Date(cron.json.nextAt!).getUTCSeconds()).toBe(0);
    await api(rig.server, 'PUT', '/api/cameras/cam/schedules/garden-hourly', { enabled: false });
  });

  it.each([
    ['both every and cron', { every: 60, cron: '* * * * *' }, /^every: and cron are both given/, /exactly one/],
    ['neither every nor cron', { label: 'x' }, /^every: or cron must be given/, /"every": 60/],
    ['a cron field out of range', { cron: '61 * * * *' }, /^cron: "61 \* \* \* \*" is not a valid cron expression: Invalid value for minute: 61/, /5 fields/],
    ['a cron expression of four fields', { cron: '* * * *' }, /^cron: "\* \* \* \*" has 4 field\(s\)/, /5 fields/],
    ['a one-off date for cron', { cron: '2031-01-02T12:00:00' }, /^cron: .* has 1 field/, /5 fields/],
    ['a cron expression firing every second', { cron: '* * * * * *' }, /^cron: .* fires 1 s apart, below the minimum of 5 s/, /at least 5 s/],
    ['a cron date that never comes', { cron: '0 0 30 2 *' }, /^cron: .* never comes again/, /cron expression/],
    ['every below the minimum', { every: 2 }, /^every: 2 s is below the minimum of 5 s/, /from 5 to/],
    ['every as text', { every: 'ten' }, /^every: "ten" is not a whole number of seconds/, /whole seconds/],
    ['a field schedules do not have', { every: 60, colour: 'red' }, /^colour: is not a schedule field/, /fields are id, camera, every/],
    ['a flash mode that is not one', { every: 60, flash: 'bright' }, /^flash: "bright" is not a flash mode/, /off, on, auto/],
    ['a size that is not one', { every: 60, retention: { maxBytes: 'lots' } }, /^retention.maxBytes: "lots" is not a size/, /200MB/],
    ['no photos kept', { every: 60, retention: { maxPhotos: 0 } }, /^retention.maxPhotos: 0 is not a whole number from 1/, /maxPhotos/],
    ['an id that is not a slug', { every: 60, id: 'My Schedule' }, /^id: "My Schedule" is not a schedule id/, /lower-case/],
    ['an id the export reads as a keyword', { every: 60, id: 'manual' }, /^id: "manual" is a reserved word/, /another id/],
    ['an id already taken', { every: 60, id: 'garden-hourly' }, /^id: "garden-hourly" is taken/, /another id/],
    ['another camera in the body', { every: 60, camera: 'garden' }, /^camera: is "garden" but the URL names "cam"/, /URL/],
    ['not an object', [1, 2], /^A schedule is a JSON object/, /"every": 60/],
  ])('refuses %s with 400 E_BAD_INPUT naming the field and the fix, and adds nothing', async (_name, body, message, hint) => {
    const before = (await list()).length;
    const res = await api(rig.server, 'POST', '/api/cameras/cam/schedules', body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringMatching(message), hint: expect.stringMatching(hint) });
    expect((await list()).length).toBe(before);
  });

  it('refuses an unknown camera with 400 on POST and 404 elsewhere', async () => {
    const post = await api(rig.server, 'POST', '/api/cameras/nope/schedules', { every: 60 });
    expect(post.status).toBe(400);
    expect(post.json.error).toMatchObject({ code: 'E_BAD_INPUT', message: 'camera: there is no camera "nope"', hint: 'The cameras are cam.' });
    expect((await api(rig.server, 'GET', '/api/cameras/nope/schedules')).status).toBe(404);
    expect((await api(rig.server, 'PUT', '/api/cameras/cam/schedules/nope', { enabled: true })).json.error).toMatchObject({ code: 'E_NOT_FOUND' });
    expect((await api(rig.server, 'DELETE', '/api/cameras/cam/schedules/nope')).status).toBe(404);
  });

  it('refuses a change that would break the schedule, and keeps it as it was', async () => {
    const before = (await list()).find((s) => s.id === 'cam-every-600s')!;
    for (const [body, message] of [
      [{ every: 1 }, /^every: 1 s is below the minimum/],
      [{ every: 60, cron: '* * * * *' }, /^every: and cron are both given/],
      [{ id: 'renamed' }, /^id: cannot change/],
      [{ retention: { maxBytes: -5 } }, /^retention.maxBytes: -5 is not a size/],
    ] as const) {
      const res = await api(rig.server, 'PUT', '/api/cameras/cam/schedules/cam-every-600s', body);
      expect(res.status).toBe(400);
      expect(res.json.error?.message).toMatch(message);
    }
    expect((await list()).find((s) => s.id === 'cam-every-600s')).toEqual(before);
  });

  it(`takes at most ${MAX_PER_CAMERA} schedules on a camera`, async () => {
    const have = (await list('/api/cameras/cam/schedules')).length;
    for (let i = have; i < MAX_PER_CAMERA; i++) await addSchedule(rig.server, { every: 3600, enabled: false, id: `filler-${i}` });
    const res = await api(rig.server, 'POST', '/api/cameras/cam/schedules', { every: 3600 });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'E_BAD_INPUT', message: `camera: "cam" has ${MAX_PER_CAMERA} schedules, the most a camera may have` });
    for (let i = have; i < MAX_PER_CAMERA; i++) expect((await api(rig.server, 'DELETE', `/api/cameras/cam/schedules/filler-${i}`)).status).toBe(204);
  });

  it("keeps photos taken by hand whatever a schedule's retention deletes, and the gallery shows, hides or picks scheduled photos", async () => {
    const capture = async (): Promise<string> => {
      const res = await api<{ id: string }>(rig.server, 'POST', '/api/cameras/cam/capture');
      expect(res.status).toBe(201);
      return res.json.id;
    };
    const hand = [await capture()];
    const view = await addSchedule(rig.server, { id: 'tl', every: 20, retention: { maxPhotos: 2 } });
    let slot = Date.parse(view.nextAt!);
    for (let n = 1; n <= 3; n++) {
      rig.clock.advanceTo(slot);
      await untilRecorded(rig, 'tl', n);
      slot += 20_000;
      if (n === 1) hand.push(await capture());
    }
    const tl = (await list()).find((s) => s.id === 'tl')!;
    expect(tl.counts.taken).toBe(3);
    const taken = tl.history.map((h) => h.photo!);
    // The first scheduled photo went to keep two; both photos by hand stay.
    expect(tl.photos).toBe(2);
    const ids = async (query: string, path = '/api/photos'): Promise<string[]> => {
      const res = await api<Photos>(rig.server, 'GET', `${path}${query}`);
      expect(res.status).toBe(200);
      return res.json.items.map((p) => p.id);
    };
    expect(await ids('?scheduled=hide')).toEqual([...hand].reverse());
    expect(await ids('?scheduled=only')).toEqual([taken[2], taken[1]]);
    expect(await ids('?schedule=tl')).toEqual([taken[2], taken[1]]);
    expect(await ids('')).toEqual([taken[2], taken[1], hand[1], hand[0]]);
    expect(await ids('?scheduled=show', '/api/cameras/cam/photos')).toEqual([taken[2], taken[1], hand[1], hand[0]]);
    expect(await ids('?scheduled=hide', '/api/cameras/cam/photos')).toEqual([...hand].reverse());
    expect(await ids('?schedule=tl&scheduled=hide')).toEqual([]);
    const records = await api<Photos>(rig.server, 'GET', '/api/photos?scheduled=only');
    expect(records.json.items.every((p) => p.schedule === 'tl')).toBe(true);
    const bad = await api(rig.server, 'GET', '/api/photos?scheduled=maybe');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'E_BAD_INPUT', message: 'scheduled must be show, hide or only' });
  });

  it('deletes a schedule with 204: its timer stops, its photos stay, and the pages hear of it', async () => {
    const res = await api(rig.server, 'DELETE', '/api/cameras/cam/schedules/tl');
    expect(res.status).toBe(204);
    expect((await api(rig.server, 'GET', '/api/cameras/cam/schedules/tl')).status).toBe(404);
    const deleted = await until(() => events.find((e) => e.name === 'schedule:delete' && e.body.id === 'tl'), 'schedule:delete');
    expect(deleted.body).toEqual({ camera: 'cam', id: 'tl' });
    const kept = await api<Photos>(rig.server, 'GET', '/api/photos?schedule=tl');
    expect(kept.json.total).toBe(2);
    const photos = rig.server.services.store.stats().photos;
    rig.clock.advance(120_000);
    expect(rig.server.services.store.stats().photos).toBe(photos);
  });
});
