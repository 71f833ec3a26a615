import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Esp32CamError } from '../../host/src/errors.js';
import { nodeFs, type FsPort } from '../../host/src/services/fs-port.js';
import { PhotoStore } from '../../host/src/services/photo-store.js';
import { isPhotoId } from '../../host/src/services/photo-id.js';

const quiet = (): void => undefined;

async function makeJpeg(width = 640, height = 480, seed = 0): Promise<Buffer> {
  // Noise makes the JPEG a realistic size instead of a few hundred bytes of flat colour.
  const raw = Buffer.alloc(width * height * 3);
  let x = seed * 7919 + 1;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = x >> 16;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 60 })
    .toBuffer();
}

async function rejection(promise: Promise<unknown>): Promise<Esp32CamError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Esp32CamError);
    return err as Esp32CamError;
  }
  throw new Error('expected a rejection');
}

/**
 * The real file system, except that once `budget` bytes have been written every further write goes to
 * /dev/full, so the kernel itself answers ENOSPC.
 */
function diskWithBudget(budget: number): FsPort & { budget: number } {
  const port = {
    ...nodeFs,
    budget,
    async open(path: string, flags: string, mode?: number) {
      const file = await nodeFs.open(path, flags, mode);
      return {
        async write(buffer: Uint8Array, offset: number, length: number, position: number) {
          if (port.budget <= 0) {
            const full = openSync('/dev/full', 'w');
            try {
              writeSync(full, buffer, offset, length);
            } finally {
              closeSync(full);
            }
          }
          // Taken before the write, so writes side by side share the budget as one disk would.
          const allowed = Math.min(length, port.budget);
          port.budget -= allowed;
          const result = await file.write(buffer, offset, allowed, position);
          port.budget += allowed - result.bytesWritten;
          return result;
        },
        sync: () => file.sync(),
        close: () => file.close(),
      };
    },
  };
  return port;
}

/**
 * The real file system, noting every step of a save in `steps` (`sync jpeg`, `rename meta`, `sync folder`…)
 * so a test can check their order against the store's announcement; `failFolderSync` makes the kernel's answer
 * to the folder's fsync an EIO, as a failing disk would.
 */
function recordingDisk(photos: () => string): FsPort & { steps: string[]; failFolderSync: boolean } {
  const kind = (path: string): string | undefined => {
    if (path === photos()) return 'folder';
    if (!path.startsWith(`${photos()}/`)) return undefined;
    const name = path.slice(photos().length + 1);
    if (name.endsWith('.tmp')) return name.includes('.json.') ? 'meta temp' : 'jpeg temp';
    return name.endsWith('.json') ? 'meta' : name.endsWith('.jpg') ? 'jpeg' : name;
  };
  const port = {
    ...nodeFs,
    steps: [] as string[],
    failFolderSync: false,
    async open(path: string, flags: string, mode?: number) {
      const file = await nodeFs.open(path, flags, mode);
      const what = kind(path);
      const note = (step: string) => what !== undefined && port.steps.push(`${step} ${what}`);
      note('open');
      return {
        async write(buffer: Uint8Array, offset: number, length: number, position: number) {
          const result = await file.write(buffer, offset, length, position);
          note('write');
          return result;
        },
        async sync() {
          if (what === 'folder' && port.failFolderSync) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
          await file.sync();
          note('sync');
        },
        async close() {
          await file.close();
          note('close');
        },
      };
    },
    async rename(from: string, to: string) {
      await nodeFs.rename(from, to);
      port.steps.push(`rename ${kind(to)}`);
    },
  };
  return port;
}

describe('PhotoStore', () => {
  let dataDir: string;
  let opened: PhotoStore[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-store-'));
  });
  afterEach(async () => {
    // Thumbnails are written after their photos: the last ones land before the folder goes.
    await Promise.all(opened.map((store) => store.thumbnailsDone()));
    opened = [];
    await rm(dataDir, { recursive: true, force: true });
  });

  const open = async (
    extra: Partial<{
      maxPhotos: number;
      maxBytes: number;
      fs: FsPort;
      perCamera: { maxPhotos?: number; maxBytes?: number };
      nameOfSpec: (spec: string) => string | undefined;
    }> = {},
  ) => {
    // A store opened again on the folder is a restart: the one before it has finished its thumbnails.
    await Promise.all(opened.map((store) => store.thumbnailsDone()));
    const store = await PhotoStore.open({ dataDir, maxPhotos: 100, maxBytes: 100 * 1024 * 1024, log: quiet, ...extra });
    opened.push(store);
    return store;
  };

  it('saves a photo with its metadata and a thumbnail that decodes', async () => {
    const store = await open();
    const jpeg = await makeJpeg(640, 480);
    const record = await store.save(jpeg, { camera: 'sim', captureMs: 1234.4 });

    expect(isPhotoId(record.id)).toBe(true);
    expect(record).toMatchObject({ size: jpeg.length, camera: 'sim', captureMs: 1234, width: 640, height: 480 });
    expect(record.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(record.takenAt).toISOString()).toBe(record.takenAt);

    expect((await store.readJpeg(record.id)).equals(jpeg)).toBe(true);
    const onDisk = JSON.parse(await readFile(join(dataDir, 'photos', `${record.id}.json`), 'utf8'));
    expect(onDisk).toEqual(record);

    const thumb = await sharp(await store.readThumb(record.id)).metadata();
    expect(thumb.format).toBe('jpeg');
    expect(thumb.width).toBe(320);
    expect(thumb.height).toBe(240);
    expect(store.stats()).toMatchObject({ photos: 1, bytes: jpeg.length });
  });

  it('creates a nested dataDir, and refuses one that is a file with E_STORE_IO', async () => {
    const nested = await PhotoStore.open({ dataDir: join(dataDir, 'a', 'b'), maxPhotos: 5, maxBytes: 1e6, log: quiet });
    expect(nested.stats().photos).toBe(0);
    await writeFile(join(dataDir, 'file'), 'x');
    const err = await rejection(PhotoStore.open({ dataDir: join(dataDir, 'file'), maxPhotos: 5, maxBytes: 1e6, log: quiet }));
    expect(err.code).toBe('E_STORE_IO');
    expect(err.message).toContain('not a folder');
  });

  it('refuses data that is not a JPEG and writes nothing', async () => {
    const store = await open();
    const err = await rejection(store.save(Buffer.from('not a jpeg at all'), { camera: 'sim', captureMs: 1 }));
    expect(err.code).toBe('E_INVALID_JPEG');
    expect(await readdir(join(dataDir, 'photos'))).toEqual([]);
  });

  it('lists newest first and pages with before/next', async () => {
    const store = await open();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.save(await makeJpeg(64, 48, i), { camera: 'sim', captureMs: 1 })).id);
    expect([...ids].sort()).toEqual(ids);

    const first = store.list({ limit: 2 });
    expect(first.items.map((r) => r.id)).toEqual([ids[4], ids[3]]);
    expect(first.total).toBe(5);
    expect(first.next).toBe(ids[3]);
    const second = store.list({ limit: 2, before: first.next! });
    expect(second.items.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    const last = store.list({ limit: 2, before: second.next! });
    expect(last.items.map((r) => r.id)).toEqual([ids[0]]);
    expect(last.next).toBeNull();
  });

  it('deletes a photo and then reports it not found', async () => {
    const store = await open();
    const deleted: string[] = [];
    store.on('deleted', ({ id }) => deleted.push(id));
    const { id } = await store.save(await makeJpeg(64, 48), { camera: 'sim', captureMs: 1 });
    await store.delete(id);
    expect(deleted).toEqual([id]);
    expect((await rejection(store.readJpeg(id))).code).toBe('E_NOT_FOUND');
    expect((await rejection(store.delete(id))).code).toBe('E_NOT_FOUND');
    expect(await readdir(join(dataDir, 'photos'))).toEqual([]);
    expect(await readdir(join(dataDir, 'thumbs'))).toEqual([]);
  });

  it('rejects ids that could reach outside the store before touching the disk', async () => {
    const store = await open();
    for (const bad of ['..', '../../etc/passwd', '%2e%2e', 'a\0b', '20261120-233100-123-9f3a0c1d/../x', 'x'.repeat(5000), '']) {
      expect(() => store.get(bad)).toThrow(expect.objectContaining({ code: 'E_BAD_ID' }));
      expect((await rejection(store.readJpeg(bad))).code).toBe('E_BAD_ID');
      expect((await rejection(store.delete(bad))).code).toBe('E_BAD_ID');
    }
    expect(() => store.list({ before: '../x' })).toThrow(expect.objectContaining({ code: 'E_BAD_ID' }));
    expect(() => store.get('20261120-233100-123-9f3a0c1d')).toThrow(expect.objectContaining({ code: 'E_NOT_FOUND' }));
  });

  it('keeps at most maxPhotos, deleting the oldest first', async () => {
    const store = await open({ maxPhotos: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.save(await makeJpeg(64, 48, i), { camera: 'sim', captureMs: 1 })).id);
    await store.thumbnailsDone();
    expect(store.list().items.map((r) => r.id)).toEqual([ids[4], ids[3], ids[2]]);
    expect((await readdir(join(dataDir, 'photos'))).sort()).toEqual(
      ids
        .slice(2)
        .flatMap((id) => [`${id}.jpg`, `${id}.json`])
        .sort(),
    );
    expect((await readdir(join(dataDir, 'thumbs'))).length).toBe(3);
  });

  it('keeps at most maxBytes of photos, deleting the oldest first but never the new one', async () => {
    const jpegs = await Promise.all([0, 1, 2, 3].map((i) => makeJpeg(200, 150, i)));
    const limit = jpegs[2].length + jpegs[3].length;
    const store = await open({ maxBytes: limit });
    const ids: string[] = [];
    for (const jpeg of jpegs) ids.push((await store.save(jpeg, { camera: 'sim', captureMs: 1 })).id);
    expect(store.list().items.map((r) => r.id)).toEqual([ids[3], ids[2]]);
    expect(store.stats().bytes).toBe(limit);

    const big = await makeJpeg(640, 480, 9);
    expect(big.length).toBeGreaterThan(limit);
    const kept = await store.save(big, { camera: 'sim', captureMs: 1 });
    expect(store.list().items.map((r) => r.id)).toEqual([kept.id]);
  });

  it('survives a restart: a new store on the same folder sees everything, and new ids sort after old ones', async () => {
    const first = await open();
    const a = await first.save(await makeJpeg(64, 48, 1), { camera: 'i2c:1@0x2c', captureMs: 10 });
    const b = await first.save(await makeJpeg(64, 48, 2), { camera: 'sim', captureMs: 20 });

    const second = await open();
    expect(second.list().items).toEqual([b, a]);
    expect(second.stats()).toEqual(first.stats());
    expect((await second.readJpeg(a.id)).equals(await first.readJpeg(a.id))).toBe(true);
    const c = await second.save(await makeJpeg(64, 48, 3), { camera: 'sim', captureMs: 30, takenAt: new Date('2001-01-01') });
    expect(c.id > b.id).toBe(true);
  });

  it('applies lowered retention limits on start-up', async () => {
    const first = await open();
    for (let i = 0; i < 4; i++) await first.save(await makeJpeg(64, 48, i), { camera: 'sim', captureMs: 1 });
    const second = await open({ maxPhotos: 2 });
    expect(second.stats().photos).toBe(2);
  });

  it('discards temp files, orphans and half-finished photos on start-up and remakes lost thumbnails', async () => {
    const first = await open();
    const kept = await first.save(await makeJpeg(64, 48, 1), { camera: 'sim', captureMs: 1 });
    const noMeta = await first.save(await makeJpeg(64, 48, 2), { camera: 'sim', captureMs: 1 });
    const noJpeg = await first.save(await makeJpeg(64, 48, 3), { camera: 'sim', captureMs: 1 });
    await first.thumbnailsDone();
    const photos = join(dataDir, 'photos');
    const thumbs = join(dataDir, 'thumbs');
    // What crashes at each step of a save or a delete leave behind:
    await unlink(join(photos, `${noMeta.id}.json`));
    await unlink(join(photos, `${noJpeg.id}.jpg`));
    await unlink(join(thumbs, `${kept.id}.jpg`));
    await writeFile(join(photos, `.${kept.id}.jpg.a1b2c3d4e5f6.tmp`), 'half a jpeg');
    await writeFile(join(thumbs, `.${kept.id}.jpg.a1b2c3d4e5f6.tmp`), 'half a thumb');
    await writeFile(join(photos, 'README.txt'), 'not ours');

    const second = await open();
    expect(second.list().items.map((r) => r.id)).toEqual([kept.id]);
    expect((await readdir(photos)).sort()).toEqual([`${kept.id}.jpg`, `${kept.id}.json`, 'README.txt'].sort());
    expect(await readdir(thumbs)).toEqual([`${kept.id}.jpg`]);
    expect((await sharp(await second.readThumb(kept.id)).metadata()).format).toBe('jpeg');
  });

  it('reports a full disk as E_DISK_FULL, leaves no temp file or partial photo, and keeps working', async () => {
    const disk = diskWithBudget(Number.MAX_SAFE_INTEGER);
    const store = await open({ fs: disk });
    const before = await store.save(await makeJpeg(64, 48, 1), { camera: 'sim', captureMs: 1 });
    await store.thumbnailsDone();
    const listing = async () => [(await readdir(join(dataDir, 'photos'))).sort(), (await readdir(join(dataDir, 'thumbs'))).sort()];
    const snapshot = await listing();

    const jpeg = await makeJpeg(320, 240, 2);
    // Run out of space in the middle of the JPEG, then in the metadata (a thumbnail that finds the disk full
    // is made again later: test/services/thumbnail-after-photo.test.ts).
    for (const budget of [1000, jpeg.length + 100]) {
      disk.budget = budget;
      const err = await rejection(store.save(jpeg, { camera: 'sim', captureMs: 1 }));
      expect(err.code).toBe('E_DISK_FULL');
      expect(err.hint).toContain('retention.maxBytes');
      expect(await listing()).toEqual(snapshot);
      expect(store.list().items).toEqual([before]);
    }

    disk.budget = Number.MAX_SAFE_INTEGER;
    const after = await store.save(jpeg, { camera: 'sim', captureMs: 1 });
    expect(store.list().items.map((r) => r.id)).toEqual([after.id, before.id]);
    expect((await store.readJpeg(after.id)).equals(jpeg)).toBe(true);
  });

  it('announces a photo only once it is durable: both files fsynced, the metadata renamed last, the folder fsynced', async () => {
    const disk = recordingDisk(() => join(dataDir, 'photos'));
    const store = await open({ fs: disk });
    disk.steps.length = 0;
    store.on('saved', () => disk.steps.push('saved'));
    const record = await store.save(await makeJpeg(320, 240, 4), { camera: 'sim', captureMs: 1 }, () => disk.steps.push('kept'));
    const at = (step: string) => {
      const i = disk.steps.indexOf(step);
      expect(i, `${step} in ${disk.steps.join(', ')}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    // The metadata is what makes a photo exist: it comes into place only over a durable JPEG and its own durable bytes.
    expect(at('sync jpeg')).toBeLessThan(at('rename meta'));
    expect(at('sync meta temp')).toBeLessThan(at('rename meta'));
    expect(at('rename meta')).toBeLessThan(at('sync folder'));
    expect(at('sync folder')).toBeLessThan(at('saved'));
    expect(at('saved')).toBeLessThan(at('kept'));
    // Every file opened is closed by the time the save settles.
    for (const what of ['jpeg', 'meta temp', 'folder']) expect(disk.steps.filter((s) => s === `close ${what}`)).toHaveLength(1);
    expect((await readdir(join(dataDir, 'photos'))).sort()).toEqual([`${record.id}.jpg`, `${record.id}.json`]);
  });

  it('does not announce a photo whose folder cannot be fsynced, and leaves none of its files', async () => {
    const disk = recordingDisk(() => join(dataDir, 'photos'));
    const store = await open({ fs: disk });
    const before = await store.save(await makeJpeg(64, 48, 1), { camera: 'sim', captureMs: 1 });
    const announced: string[] = [];
    store.on('saved', (r) => announced.push(r.id));
    disk.failFolderSync = true;
    const err = await rejection(store.save(await makeJpeg(64, 48, 2), { camera: 'sim', captureMs: 1 }, (r) => announced.push(r.id)));
    expect(err.code).toBe('E_STORE_IO');
    expect(announced).toEqual([]);
    expect(store.list().items).toEqual([before]);
    expect((await readdir(join(dataDir, 'photos'))).sort()).toEqual([`${before.id}.jpg`, `${before.id}.json`]);
    disk.failFolderSync = false;
    const after = await store.save(await makeJpeg(64, 48, 3), { camera: 'sim', captureMs: 1 });
    expect(announced).toEqual([after.id]);
  });

  it("keeps each camera's photos apart, and applies each camera's own limit before the overall one", async () => {
    const store = await open({ maxPhotos: 5, perCamera: { maxPhotos: 2 } });
    const deleted: Array<{ id: string; camera: string }> = [];
    store.on('deleted', (e) => deleted.push(e));
    const front: string[] = [];
    const back: string[] = [];
    for (let i = 0; i < 3; i++) front.push((await store.save(await makeJpeg(64, 48, i), { camera: 'front', spec: 'sim', captureMs: 1 })).id);
    // front's third photo pushed out front's first, never another camera's.
    expect(deleted).toEqual([{ id: front[0], camera: 'front' }]);
    for (let i = 0; i < 2; i++) back.push((await store.save(await makeJpeg(64, 48, 10 + i), { camera: 'back', spec: 'sim@0x2d', captureMs: 1 })).id);
    expect(store.list({ camera: 'front' }).items.map((r) => r.id)).toEqual([front[2], front[1]]);
    expect(store.list({ camera: 'back' }).items.map((r) => r.id)).toEqual([back[1], back[0]]);
    expect(store.list({ camera: 'garden' })).toEqual({ items: [], total: 0, next: null });
    expect([store.count('front'), store.count('back'), store.stats().photos]).toEqual([2, 2, 4]);
    // The overall limit (5) still holds across cameras: the oldest photo of all goes, whoever took it.
    const third = await store.save(await makeJpeg(64, 48, 20), { camera: 'garden', spec: 'sim:2@0x2c', captureMs: 1 });
    const fourth = await store.save(await makeJpeg(64, 48, 21), { camera: 'garden', spec: 'sim:2@0x2c', captureMs: 1 });
    expect(store.stats().photos).toBe(5);
    expect(store.has(front[1])).toBe(false);
    expect([store.count('front'), store.count('back'), store.count('garden')]).toEqual([1, 2, 2]);
    expect(store.list({ camera: 'garden' }).items.map((r) => r.id)).toEqual([fourth.id, third.id]);
    // After a restart the shelves are rebuilt from disk.
    const again = await open({ maxPhotos: 5, perCamera: { maxPhotos: 2 } });
    expect([again.count('front'), again.count('back'), again.count('garden')]).toEqual([1, 2, 2]);
  });

  it('names the camera of records kept from before cameras had names', async () => {
    const old = await open();
    const { id } = await old.save(await makeJpeg(64, 48, 1), { camera: 'i2c:1@0x2c', captureMs: 1 });
    const store = await open({ nameOfSpec: (spec) => (spec === 'i2c:1@0x2c' ? 'front' : undefined) });
    expect(store.get(id)).toMatchObject({ camera: 'front', spec: 'i2c:1@0x2c' });
    expect(store.list({ camera: 'front' }).items.map((r) => r.id)).toEqual([id]);
  });
});
