import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Esp32CamError } from '../../host/src/errors.js';
import { nodeFs, type FsPort } from '../../host/src/services/fs-port.js';
import { jpegSize } from '../../host/src/services/jpeg-size.js';
import { PhotoStore } from '../../host/src/services/photo-store.js';
import type { PhotoRecord } from '../../host/src/services/photo-record.js';

/**
 * The photo goes out before its thumbnail: announced once its JPEG and metadata are durable, the thumbnail
 * made after, and made again when a crash or a failed write lost it. Real files, real sharp.
 */

async function makeJpeg(width: number, height: number, seed = 1): Promise<Buffer> {
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

/**
 * The real file system, with writes into the thumbnail folder under the test's control: held until released
 * (a thumbnail still being made), failing with the kernel's own ENOSPC, or never finishing (a process killed
 * in the middle of the write).
 */
function thumbDisk(thumbs: () => string): FsPort & { mode: 'pass' | 'hold' | 'full' | 'hang'; release(): void; opened: number } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const port = {
    ...nodeFs,
    mode: 'pass' as 'pass' | 'hold' | 'full' | 'hang',
    opened: 0,
    release,
    async open(path: string, flags: string, mode?: number) {
      if (dirname(path) !== thumbs() || !basename(path).endsWith('.tmp')) return nodeFs.open(path, flags, mode);
      port.opened++;
      if (port.mode === 'hold') await released;
      const file = await nodeFs.open(path, flags, mode);
      if (port.mode === 'full') {
        await file.close();
        // /dev/full answers every write with ENOSPC, as a full disk does.
        return nodeFs.open('/dev/full', 'w');
      }
      if (port.mode === 'hang') {
        return {
          write: (b: Uint8Array, o: number, l: number, p: number) => file.write(b, o, l, p),
          sync: () => new Promise<void>(() => undefined),
          close: () => file.close(),
        };
      }
      return file;
    },
  };
  return port;
}

describe('a photo before its thumbnail', () => {
  let dataDir: string;
  let opened: PhotoStore[] = [];
  const thumbs = () => join(dataDir, 'thumbs');
  const photos = () => join(dataDir, 'photos');
  const log: string[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-thumb-after-'));
    log.length = 0;
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    opened = [];
  });

  const open = async (fs: FsPort = nodeFs) => {
    const store = await PhotoStore.open({ dataDir, maxPhotos: 100, maxBytes: 100 * 1024 * 1024, fs, log: (line) => log.push(line) });
    opened.push(store);
    return store;
  };

  const thumbSize = async (thumb: Buffer) => {
    const meta = await sharp(thumb).metadata();
    return { format: meta.format, width: meta.width, height: meta.height };
  };

  it('announces the photo once its JPEG and metadata are on disk, before its thumbnail exists; the thumbnail follows', async () => {
    const disk = thumbDisk(thumbs);
    disk.mode = 'hold';
    const store = await open(disk);
    const jpeg = await makeJpeg(640, 480);
    const seen: { jpeg: boolean; meta: boolean }[] = [];
    store.on('saved', (record) => {
      seen.push({
        jpeg: existsSync(join(photos(), `${record.id}.jpg`)),
        meta: existsSync(join(photos(), `${record.id}.json`)),
      });
    });
    let announced: PhotoRecord | undefined;
    const record = await store.save(jpeg, { camera: 'cam', captureMs: 5 }, (r) => (announced = r));
    expect(announced).toEqual(record);
    expect(seen).toEqual([{ jpeg: true, meta: true }]);
    // The save is over and the thumbnail's write is still held: the photo is listed and readable already.
    expect(await readdir(thumbs())).toEqual([]);
    expect(store.list().items).toEqual([record]);
    expect((await store.readJpeg(record.id)).equals(jpeg)).toBe(true);
    expect(record).toMatchObject({ width: 640, height: 480 });

    // A request for the thumbnail waits for it, and gets it once it is written.
    let served: Buffer | undefined;
    const asked = store.readThumb(record.id).then((thumb) => (served = thumb));
    await new Promise((resolve) => setImmediate(resolve));
    expect(served).toBeUndefined();
    disk.release();
    await asked;
    expect(await thumbSize(served!)).toEqual({ format: 'jpeg', width: 320, height: 240 });
    expect(await readdir(thumbs())).toEqual([`${record.id}.jpg`]);
    expect(log).toEqual([]);
  });

  it('keeps the photo when the thumbnail cannot be written, and makes it again on the first request', async () => {
    const disk = thumbDisk(thumbs);
    disk.mode = 'full';
    const store = await open(disk);
    const record = await store.save(await makeJpeg(320, 240), { camera: 'cam', captureMs: 1 });
    await store.thumbnailsDone();
    expect(store.list().items).toEqual([record]);
    expect(await readdir(thumbs())).toEqual([]);
    expect(log.join('\n')).toMatch(new RegExp(`could not write the thumbnail of ${record.id} \\(ENOSPC\\)`));

    // Still full: the thumbnail is made for the request all the same, and still not on disk.
    expect(await thumbSize(await store.readThumb(record.id))).toEqual({ format: 'jpeg', width: 320, height: 240 });
    expect(await readdir(thumbs())).toEqual([]);

    // Room again: the next request makes it and keeps it.
    disk.mode = 'pass';
    expect(await thumbSize(await store.readThumb(record.id))).toEqual({ format: 'jpeg', width: 320, height: 240 });
    expect(await readdir(thumbs())).toEqual([`${record.id}.jpg`]);
  });

  it('rebuilds at start-up the thumbnail a crash left half-written', async () => {
    const disk = thumbDisk(thumbs);
    disk.mode = 'hang';
    const crashed = await open(disk);
    const record = await crashed.save(await makeJpeg(200, 150), { camera: 'cam', captureMs: 1 });
    // The first process dies with its thumbnail's temp file written but never synced or renamed.
    await expect.poll(async () => (await readdir(thumbs())).length, { timeout: 10_000 }).toBe(1);
    expect((await readdir(thumbs()))[0]).toMatch(/\.tmp$/);

    const restarted = await open();
    expect(restarted.list().items).toEqual([record]);
    expect(await readdir(thumbs())).toEqual([`${record.id}.jpg`]);
    expect(await thumbSize(await restarted.readThumb(record.id))).toEqual({ format: 'jpeg', width: 200, height: 150 });
  });

  it('makes a lost thumbnail again on its first request', async () => {
    const store = await open();
    const record = await store.save(await makeJpeg(400, 300), { camera: 'cam', captureMs: 1 });
    await store.thumbnailsDone();
    await unlink(join(thumbs(), `${record.id}.jpg`));
    expect(await thumbSize(await store.readThumb(record.id))).toEqual({ format: 'jpeg', width: 320, height: 240 });
    expect(await readdir(thumbs())).toEqual([`${record.id}.jpg`]);
  });

  it('serves a photo that cannot be decoded as its own thumbnail', async () => {
    const store = await open();
    const good = await makeJpeg(64, 48);
    // A real JPEG whose first component names quantisation table 3, which it never defines: the camera's
    // checks (SOI, EOI) and the frame header pass, a decoder gives up.
    const broken = Buffer.from(good);
    const sof = broken.indexOf(Buffer.from([0xff, 0xc0]));
    broken[sof + 12] = 3;
    const record = await store.save(broken, { camera: 'cam', captureMs: 1 });
    await store.thumbnailsDone();
    expect(record).toMatchObject({ width: 64, height: 48 });
    expect((await store.readThumb(record.id)).equals(broken)).toBe(true);
    expect(log.join('\n')).toContain(`could not make the thumbnail of ${record.id}`);
  });

  it('lets a delete wait for a thumbnail being written, and leaves no file behind', async () => {
    const disk = thumbDisk(thumbs);
    disk.mode = 'hold';
    const store = await open(disk);
    const record = await store.save(await makeJpeg(64, 48), { camera: 'cam', captureMs: 1 });
    const deleting = store.delete(record.id);
    await expect.poll(() => disk.opened).toBe(1);
    disk.release();
    await deleting;
    await store.thumbnailsDone();
    expect(await readdir(photos())).toEqual([]);
    expect(await readdir(thumbs())).toEqual([]);
  });
});

describe('jpegSize, from the frame header', () => {
  it('reads the size of real JPEGs, baseline and progressive, with EXIF before the frame header', async () => {
    for (const [w, h] of [
      [1, 1],
      [160, 120],
      [1600, 1200],
      [333, 77],
    ]) {
      const raw = { raw: { width: w, height: h, channels: 3 as const } };
      const pixels = Buffer.alloc(w * h * 3, 128);
      expect(jpegSize(await sharp(pixels, raw).jpeg().toBuffer())).toEqual({ width: w, height: h });
      expect(jpegSize(await sharp(pixels, raw).jpeg({ progressive: true }).toBuffer())).toEqual({ width: w, height: h });
      expect(jpegSize(await sharp(pixels, raw).withMetadata({ orientation: 6 }).jpeg().toBuffer())).toEqual({ width: w, height: h });
    }
  });

  it('reads the frame header byte for byte, past fill bytes and a restart marker', () => {
    // SOI, FF fill, APP0 of 4 bytes, RST0, SOF0 (length 11, precision 8, height 0x01E0, width 0x0280, 1 component).
    const bytes = Buffer.from([
      0xff, 0xd8, 0xff, 0xff, 0xe0, 0x00, 0x04, 0xaa, 0xbb, 0xff, 0xd0, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x01, 0x01, 0x11, 0x00,
    ]);
    expect(jpegSize(bytes)).toEqual({ width: 640, height: 480 });
    // DHT (C4) sits in the SOF range but is not a frame header.
    const dhtFirst = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xc4, 0x00, 0x04, 0x00, 0x00]), bytes.subarray(11)]);
    expect(jpegSize(dhtFirst)).toEqual({ width: 640, height: 480 });
  });

  it('refuses what is not a JPEG with a frame header as E_INVALID_JPEG', () => {
    const refusals: [string, number[]][] = [
      ['SOI', [0x89, 0x50, 0x4e, 0x47]],
      ['frame header before its image data', [0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]],
      ['ends before its frame header', [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x00]],
      ['ends before its frame header', [0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x01]],
      ['expected a marker', [0xff, 0xd8, 0x00, 0x00]],
      ['0×480', [0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x01, 0xe0, 0x00, 0x00, 0x01]],
    ];
    for (const [reason, bytes] of refusals) {
      let err: unknown;
      try {
        jpegSize(Buffer.from(bytes));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Esp32CamError);
      expect((err as Esp32CamError).code).toBe('E_INVALID_JPEG');
      expect((err as Esp32CamError).message).toContain(reason);
    }
  });
});
