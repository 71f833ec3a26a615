import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Esp32CamError } from '../../host/src/errors.js';
import { PhotoStore, type PhotoStoreOptions } from '../../host/src/services/photo-store.js';

/** A JPEG of noise: a realistic size, different for each seed. */
async function jpeg(seed: number): Promise<Buffer> {
  const raw = Buffer.alloc(64 * 48 * 3);
  let x = seed * 7919 + 1;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = x >> 16;
  }
  return sharp(raw, { raw: { width: 64, height: 48, channels: 3 } })
    .jpeg({ quality: 60 })
    .toBuffer();
}

/**
 * The rule: a scheduled photo counts against its schedule's limits only, and per-camera limits against
 * photos taken by hand only. The overall bound keeps the disk safe: over it, scheduled photos go first, and
 * a photo taken by hand is never deleted to make room for a scheduled one.
 */
describe('retention with schedules (the photo store on real files)', () => {
  let dataDir: string;
  let seed = 0;
  let opened: PhotoStore[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-schedule-retention-'));
  });
  afterEach(async () => {
    // Thumbnails are written after their photos: the last ones land before the folder goes.
    await Promise.all(opened.map((store) => store.thumbnailsDone()));
    opened = [];
    await rm(dataDir, { recursive: true, force: true });
  });

  const open = (extra: Partial<PhotoStoreOptions> = {}) =>
    PhotoStore.open({ dataDir, maxPhotos: 100, maxBytes: 100 * 1024 * 1024, log: () => undefined, ...extra }).then((store) => {
      opened.push(store);
      return store;
    });
  const manual = async (store: PhotoStore, camera = 'cam') => (await store.save(await jpeg(seed++), { camera, captureMs: 1 })).id;
  const scheduled = async (store: PhotoStore, schedule: string, camera = 'cam') =>
    (await store.save(await jpeg(seed++), { camera, captureMs: 1, schedule })).id;
  const ids = (store: PhotoStore, opts: Parameters<PhotoStore['list']>[0] = {}) => store.list({ limit: 100, ...opts }).items.map((r) => r.id);

  it("deletes a schedule's oldest photos beyond its own limit, and nothing else", async () => {
    const store = await open();
    await store.setScheduleRetention('tl', { maxPhotos: 2 });
    const hand = [await manual(store), await manual(store)];
    const other = await scheduled(store, 'other');
    const tl = [await scheduled(store, 'tl'), await scheduled(store, 'tl'), await scheduled(store, 'tl')];
    expect(ids(store, { schedule: 'tl' })).toEqual([tl[2], tl[1]]);
    expect(ids(store, { scheduled: 'hide' })).toEqual([hand[1], hand[0]]);
    expect(store.has(other)).toBe(true);
    expect(store.scheduleStats('tl').photos).toBe(2);
  });

  it('applies a lowered limit at once, and a deleted schedule leaves its photos to the overall bound', async () => {
    const store = await open({ maxPhotos: 6 });
    await store.setScheduleRetention('tl', { maxPhotos: 10 });
    const tl = [];
    for (let i = 0; i < 4; i++) tl.push(await scheduled(store, 'tl'));
    await store.setScheduleRetention('tl', { maxBytes: store.scheduleStats('tl').bytes - 1 });
    expect(ids(store, { schedule: 'tl' })).toEqual([tl[3], tl[2], tl[1]]);
    await store.setScheduleRetention('tl', undefined);
    const hand = [];
    for (let i = 0; i < 3; i++) hand.push(await manual(store));
    // Six photos kept; the seventh (by hand) pushes out the deleted schedule's oldest, not a photo by hand.
    hand.push(await manual(store));
    expect(ids(store, { schedule: 'tl' })).toEqual([tl[3], tl[2]]);
    expect(ids(store, { scheduled: 'hide' })).toEqual([...hand].reverse());
  });

  it('counts only photos taken by hand against the per-camera limit', async () => {
    const store = await open({ perCamera: { maxPhotos: 2 } });
    const tl = [await scheduled(store, 'tl'), await scheduled(store, 'tl'), await scheduled(store, 'tl')];
    const hand = [await manual(store), await manual(store), await manual(store)];
    expect(ids(store, { camera: 'cam', scheduled: 'hide' })).toEqual([hand[2], hand[1]]);
    expect(ids(store, { camera: 'cam', scheduled: 'only' })).toEqual([...tl].reverse());
    expect(store.count('cam')).toBe(5);
  });

  it('over the overall bound, deletes scheduled photos first, oldest first', async () => {
    const store = await open({ maxPhotos: 4 });
    const tl = [await scheduled(store, 'tl'), await scheduled(store, 'tl')];
    const hand = [await manual(store), await manual(store)];
    // A photo by hand over the bound: the oldest scheduled photo goes, though a photo by hand is older than the newest.
    hand.push(await manual(store));
    expect(ids(store)).toEqual([hand[2], hand[1], hand[0], tl[1]]);
    // A scheduled photo over the bound pushes out the other scheduled one.
    const newer = await scheduled(store, 'tl');
    expect(ids(store)).toEqual([newer, hand[2], hand[1], hand[0]]);
  });

  it('refuses a scheduled photo with E_STORE_FULL when only photos taken by hand fill the bound, and keeps them all', async () => {
    const store = await open({ maxPhotos: 3 });
    const hand = [await manual(store), await manual(store), await manual(store)];
    let error: unknown;
    try {
      await scheduled(store, 'tl');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(Esp32CamError);
    expect(error).toMatchObject({ code: 'E_STORE_FULL', hint: expect.stringContaining('retention.maxPhotos') });
    expect(ids(store)).toEqual([...hand].reverse());
    expect(store.scheduleStats('tl')).toEqual({ photos: 0, bytes: 0 });
    // The same store still takes a photo by hand: its oldest photo by hand makes room, as before schedules.
    const next = await manual(store);
    expect(ids(store)).toEqual([next, hand[2], hand[1]]);
  });

  it('rebuilds the shelves from disk: filters and counts survive a restart', async () => {
    const store = await open();
    const hand = await manual(store);
    const tl = await scheduled(store, 'tl');
    const other = await scheduled(store, 'other', 'garden');
    const again = await open();
    expect(ids(again, { scheduled: 'only' })).toEqual([other, tl]);
    expect(ids(again, { scheduled: 'hide' })).toEqual([hand]);
    expect(ids(again, { schedule: 'other', camera: 'cam' })).toEqual([]);
    expect(ids(again, { schedule: 'other', camera: 'garden' })).toEqual([other]);
    expect(ids(again, { schedule: 'tl', scheduled: 'hide' })).toEqual([]);
    expect(again.scheduleStats('tl').photos).toBe(1);
  });
});
