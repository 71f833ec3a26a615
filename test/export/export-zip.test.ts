import { createHash } from 'node:crypto';
import { request } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryName, type ExportManifest } from '../../host/src/services/export/index.js';
import type { PhotoRecord } from '../../host/src/services/photo-record.js';
import { captureLog, deferred, exportTempFiles, startExportServer, takePhotos, unzip, type ErrorJson, type ExportServer } from './helpers.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

interface Preview {
  camera: string;
  count: number;
  bytes: number;
  first: string | null;
  last: string | null;
  sizes: Array<{ width: number; height: number; count: number }>;
  range: { from: string | null; to: string | null; schedule: string };
  mp4: { available: boolean; encoder?: string; busy: boolean; fps: { min: number; max: number; default: number } };
  urls: { zip: string; mp4: string };
}

/**
 * Exports through the real service: photos the simulated board really took, a ZIP streamed over HTTP, read
 * back with yauzl (which checks every entry's CRC and size), each JPEG checked against its record and
 * decoded with sharp.
 */
describe('export of a time range as a ZIP of JPEGs', () => {
  let ctx: ExportServer;
  const log = captureLog();
  /** Oldest first: two by hand, three by schedule "tl-1", one by schedule "tl-2", two by hand. */
  let photos: PhotoRecord[];

  const url = (query = '', camera = 'cam'): string => `${ctx.server.url}/api/cameras/${camera}/export.zip${query}`;

  async function fetchZip(query = ''): Promise<{ res: Response; entries: Map<string, Buffer> }> {
    const res = await fetch(url(query));
    expect(res.status, await res.clone().text()).toBe(200);
    return { res, entries: await unzip(Buffer.from(await res.arrayBuffer())) };
  }

  /** The archive holds exactly `expected`, in order in its manifest, each JPEG the stored one. */
  async function expectArchive(entries: Map<string, Buffer>, expected: PhotoRecord[]): Promise<ExportManifest> {
    expect([...entries.keys()].sort()).toEqual([...expected.map(entryName), 'manifest.json'].sort());
    for (const record of expected) {
      const jpeg = entries.get(entryName(record))!;
      expect(jpeg.length).toBe(record.size);
      expect(sha256(jpeg)).toBe(record.sha256);
      const meta = await sharp(jpeg).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', record.width, record.height]);
    }
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as ExportManifest;
    expect(manifest.photos.map((p) => p.id)).toEqual(expected.map((p) => p.id));
    return manifest;
  }

  beforeAll(async () => {
    ctx = await startExportServer();
    photos = [
      ...(await takePhotos(ctx.server, 2)),
      ...(await takePhotos(ctx.server, 3, 'tl-1')),
      ...(await takePhotos(ctx.server, 1, 'tl-2')),
      ...(await takePhotos(ctx.server, 2)),
    ];
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it("streams every photo of the camera, each the stored JPEG, with a manifest and the range's name", async () => {
    const { res, entries } = await fetchZip();
    expect(res.headers.get('content-type')).toBe('application/zip');
    const compact = (iso: string): string => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="cam-${compact(photos[0].takenAt)}-${compact(photos.at(-1)!.takenAt)}.zip"`);
    // Streamed as it is made: no length is known up front.
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('x-export-photos')).toBe(String(photos.length));
    const manifest = await expectArchive(entries, photos);
    expect(manifest).toMatchObject({ camera: 'cam', range: { from: null, to: null, schedule: 'all' }, skipped: [] });
    expect(manifest.photos[2]).toEqual({
      file: entryName(photos[2]),
      id: photos[2].id,
      takenAt: photos[2].takenAt,
      sha256: photos[2].sha256,
      size: photos[2].size,
      width: photos[2].width,
      height: photos[2].height,
      schedule: 'tl-1',
    });
    expect(manifest.photos[0].schedule).toBeNull();
    // Named by time: the names sort as the photos were taken.
    expect(entryName(photos[0])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z_\d{8}-\d{6}-\d{3}-[0-9a-f]{8}\.jpg$/);
    expect([...entries.keys()].filter((n) => n.endsWith('.jpg'))).toEqual(photos.map(entryName));
    // The start and the end are logged with their counts.
    expect(log.messages).toContain(`export of camera "cam" as ZIP: ${photos.length} photos (${photos.reduce((s, p) => s + p.size, 0)} bytes) at all`);
    await expect.poll(() => log.messages.some((m) => m.startsWith(`export of camera "cam" as ZIP done: ${photos.length} photos, 0 skipped, `))).toBe(true);
  });

  it('takes from and to as given, both ends included', async () => {
    const inner = await fetchZip(`?from=${photos[2].takenAt}&to=${photos[5].takenAt}`);
    const manifest = await expectArchive(inner.entries, photos.slice(2, 6));
    expect(manifest.range).toEqual({ from: photos[2].takenAt, to: photos[5].takenAt, schedule: 'all' });
    // A millisecond inside either end leaves that photo out.
    const justInside = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();
    await expectArchive((await fetchZip(`?from=${justInside(photos[2].takenAt, 1)}&to=${justInside(photos[5].takenAt, -1)}`)).entries, photos.slice(3, 5));
    await expectArchive((await fetchZip(`?from=${photos[6].takenAt}`)).entries, photos.slice(6));
    await expectArchive((await fetchZip(`?to=${photos[1].takenAt}`)).entries, photos.slice(0, 2));
    // A time with an offset is the same instant.
    const at = new Date(photos[3].takenAt);
    const plusOne = new Date(at.getTime() + 3600_000).toISOString().replace('Z', '+01:00');
    await expectArchive((await fetchZip(`?from=${encodeURIComponent(plusOne)}&to=${encodeURIComponent(plusOne)}`)).entries, [photos[3]]);
    // A day alone is the whole UTC day, as from and as to.
    const day = photos[0].takenAt.slice(0, 10);
    if (photos.at(-1)!.takenAt.slice(0, 10) === day) await expectArchive((await fetchZip(`?from=${day}&to=${day}`)).entries, photos);
  });

  it('filters by schedule: every photo, those taken by hand, or one schedule', async () => {
    await expectArchive((await fetchZip('?schedule=all')).entries, photos);
    await expectArchive(
      (await fetchZip('?schedule=manual')).entries,
      photos.filter((p) => p.schedule === undefined),
    );
    await expectArchive((await fetchZip('?schedule=tl-1')).entries, photos.slice(2, 5));
    const both = await fetchZip(`?schedule=tl-2&from=${photos[0].takenAt}&to=${photos.at(-1)!.takenAt}`);
    const manifest = await expectArchive(both.entries, [photos[5]]);
    expect(manifest.range.schedule).toBe('tl-2');
  });

  it('previews a range: how many photos, their bytes, first and last, sizes, and the URLs to export it', async () => {
    const query = `?from=${photos[1].takenAt}&to=${photos[4].takenAt}&schedule=tl-1`;
    const res = await fetch(`${ctx.server.url}/api/cameras/cam/export${query}`);
    expect(res.status).toBe(200);
    const preview = (await res.json()) as Preview;
    const picked = photos.slice(2, 5);
    expect(preview).toMatchObject({
      camera: 'cam',
      count: 3,
      bytes: picked.reduce((s, p) => s + p.size, 0),
      first: picked[0].takenAt,
      last: picked[2].takenAt,
      sizes: [{ width: 160, height: 120, count: 3 }],
      range: { from: photos[1].takenAt, to: photos[4].takenAt, schedule: 'tl-1' },
      mp4: { available: true, encoder: 'libx264', busy: false, fps: { min: 1, max: 60, default: 10 } },
    });
    // The page downloads from the URLs it is given.
    const zip = await fetch(`${ctx.server.url}${preview.urls.zip}`);
    await expectArchive(await unzip(Buffer.from(await zip.arrayBuffer())), picked);
    expect(preview.urls.mp4).toBe(preview.urls.zip.replace('export.zip', 'export.mp4'));

    // An empty range is a preview of nothing, which the page shows as such.
    const empty = (await (await fetch(`${ctx.server.url}/api/cameras/cam/export?schedule=nobody`)).json()) as Preview;
    expect(empty).toMatchObject({ count: 0, bytes: 0, first: null, last: null, sizes: [] });
  });

  it('answers an empty range with 404 "no photos", not an empty archive', async () => {
    const later = new Date(Date.parse(photos.at(-1)!.takenAt) + 60_000).toISOString();
    for (const query of [`?from=${later}`, '?schedule=nobody', `?to=${new Date(Date.parse(photos[0].takenAt) - 1).toISOString()}`]) {
      const res = await fetch(url(query));
      expect(res.status, query).toBe(404);
      const body = (await res.json()) as ErrorJson;
      expect(body.error.code).toBe('E_NOT_FOUND');
      expect(body.error.message).toMatch(/^Camera "cam" has no photos /);
      expect(body.error.hint).toContain('/api/cameras/cam/export');
    }
  });

  it.each([
    ['a time that is not one', '?from=yesterday', /from is not a time/],
    ['a time without its zone', '?from=2026-12-02T16:30:00', /from is not a time/],
    ['a day that does not exist', '?to=2026-02-31', /to is not a time/],
    ['from after to', '?from=2026-12-03T00:00:00Z&to=2026-12-02T00:00:00Z', /from \(2026-12-03T00:00:00.000Z\) is after to/],
    ['from given twice', '?from=2026-12-02&from=2026-12-03', /from must be given once/],
    ['a schedule that is no id', '?schedule=..%2Fetc', /schedule must be "all", "manual" or a schedule id/],
  ])('answers %s with 400 E_BAD_INPUT and a hint, on the ZIP and the preview', async (_what, query, message) => {
    for (const path of ['export.zip', 'export', 'export.mp4']) {
      const res = await fetch(`${ctx.server.url}/api/cameras/cam/${path}${query}`);
      expect(res.status, path).toBe(400);
      const { error } = (await res.json()) as ErrorJson;
      expect(error.code).toBe('E_BAD_INPUT');
      expect(error.message).toMatch(message);
      expect(error.hint.length).toBeGreaterThan(10);
    }
  });

  it('answers an unknown camera with 404 naming the cameras', async () => {
    for (const path of ['export.zip', 'export', 'export.mp4']) {
      const res = await fetch(`${ctx.server.url}/api/cameras/garage/${path}`);
      expect(res.status).toBe(404);
      const { error } = (await res.json()) as ErrorJson;
      expect(error.code).toBe('E_NOT_FOUND');
      expect(error.hint).toContain('The cameras are cam');
    }
  });

  it('a client that hangs up half-way stops the export, and the next one runs whole', async () => {
    const held = deferred();
    const reached = deferred();
    ctx.hooks.beforeRead = async (path) => {
      if (!path.endsWith(`${photos[3].id}.jpg`)) return;
      reached.resolve();
      await held.promise;
    };
    const started = log.messages.length;
    let received = 0;
    const req = request(url(), (res) => {
      expect(res.statusCode).toBe(200);
      res.on('data', (chunk: Buffer) => (received += chunk.length));
    });
    req.on('error', () => undefined);
    req.end();
    // The export waits at the fourth photo, the first three sent: hang up in the middle of the archive.
    await reached.promise;
    await expect.poll(() => received).toBeGreaterThan(photos[0].size);
    req.destroy();
    held.resolve();
    await expect
      .poll(() => log.messages.slice(started).find((m) => m.startsWith('export of camera "cam" as ZIP stopped')))
      .toBe('export of camera "cam" as ZIP stopped: the client went away');
    ctx.hooks.beforeRead = undefined;
    expect(await exportTempFiles(ctx.dataDir)).toEqual([]);
    await expectArchive((await fetchZip()).entries, photos);
  });

  it('a disk that fails half-way breaks the download instead of ending a short archive that looks whole', async () => {
    ctx.hooks.beforeRead = (path) => {
      if (path.endsWith(`${photos[4].id}.jpg`)) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    };
    const res = await fetch(url());
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    ctx.hooks.beforeRead = undefined;
    await expect.poll(() => log.messages.some((m) => m.startsWith('export of camera "cam" as ZIP stopped: Could not read photo'))).toBe(true);
    await expectArchive((await fetchZip()).entries, photos);
  });

  it('skips a photo deleted while the export runs, and names it in the manifest', async () => {
    // Deleted as retention deletes, after the range was listed and before the export reaches it.
    const gone = photos[6];
    ctx.hooks.beforeRead = async (path) => {
      if (path.endsWith(`${photos[1].id}.jpg`) && ctx.server.services.store.has(gone.id)) await ctx.server.services.store.delete(gone.id);
    };
    const { entries } = await fetchZip();
    ctx.hooks.beforeRead = undefined;
    const kept = photos.filter((p) => p.id !== gone.id);
    const manifest = await expectArchive(entries, kept);
    expect(manifest.skipped).toEqual([{ id: gone.id, takenAt: gone.takenAt, reason: 'deleted' }]);
    await expect.poll(() => log.messages.some((m) => m.startsWith(`export of camera "cam" as ZIP done: ${kept.length} photos, 1 skipped, `))).toBe(true);
  });
});
