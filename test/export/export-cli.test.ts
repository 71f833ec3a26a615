import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryName } from '../../host/src/services/export/index.js';
import type { PhotoRecord } from '../../host/src/services/photo-record.js';
import { errorLine, runCli } from '../cli-device/cli-run.js';
import { captureLog, run, startExportServer, takePhotos, unzip, type ExportServer } from './helpers.js';

// The service's warnings about the failures these tests cause stay out of the test output.
captureLog();

/**
 * `esp32cam export` goes through the running service (found through data/service.json, with its token),
 * and writes the file only once it is whole.
 */
describe('esp32cam export', () => {
  let ctx: ExportServer;
  let photos: PhotoRecord[];
  let out: string;

  beforeAll(async () => {
    ctx = await startExportServer({ auth: { mode: 'token' } });
    photos = [...(await takePhotos(ctx.server, 2)), ...(await takePhotos(ctx.server, 2, 'tl'))];
    out = join(ctx.work, 'out');
    await mkdir(out);
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it("writes the range's ZIP under the service's name for it", async () => {
    const result = await runCli(['export', '--data-dir', ctx.dataDir, '--from', photos[1].takenAt, '--to', photos[2].takenAt], out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const files = await readdir(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^cam-\d{8}T\d{6}Z-\d{8}T\d{6}Z\.zip$/);
    expect(result.stdout).toMatch(new RegExp(`^saved ${files[0].replace(/\./g, '\\.')}: 2 photos, [\\d.]+ KB, in `));
    const entries = await unzip(await readFile(join(out, files[0])));
    for (const p of photos.slice(1, 3))
      expect(
        createHash('sha256')
          .update(entries.get(entryName(p))!)
          .digest('hex'),
      ).toBe(p.sha256);
    expect([...entries.keys()]).toHaveLength(3);
  });

  it("writes one schedule's timelapse to -o, and says what is wrong with a bad range", async () => {
    const file = join(out, 'tl.mp4');
    const result = await runCli(['export', '--data-dir', ctx.dataDir, '--camera', 'cam', '--schedule', 'tl', '--mp4', '--fps', '2', '-o', file], out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^saved .*tl\.mp4: 2 frames, /);
    const probe = await run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-show_entries',
      'stream=codec_name,nb_read_frames,r_frame_rate',
      '-of',
      'csv=p=0',
      file,
    ]);
    expect(probe.stdout.trim()).toBe('h264,2/1,2');

    const bad = await runCli(['export', '--data-dir', ctx.dataDir, '--from', 'yesterday'], out);
    expect(errorLine(bad)).toMatch(/^esp32cam: from is not a time: "yesterday" \(E_BAD_INPUT\)\. Give an ISO 8601 time/);
    const empty = await runCli(['export', '--data-dir', ctx.dataDir, '--schedule', 'nobody'], out);
    expect(errorLine(empty)).toMatch(/^esp32cam: Camera "cam" has no photos in that range \(E_NOT_FOUND\)/);
    const unknown = await runCli(['export', '--data-dir', ctx.dataDir, '--camera', 'garage'], out);
    expect(errorLine(unknown)).toMatch(/There is no camera "garage" \(E_NOT_FOUND\)/);
    // Nothing half-written is left behind by the failures.
    expect((await readdir(out)).sort()).toEqual([expect.stringMatching(/\.zip$/), 'tl.mp4'].sort());
  });

  it('leaves no file when the download breaks off', async () => {
    ctx.hooks.beforeRead = (path) => {
      if (path.endsWith(`${photos[2].id}.jpg`)) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    };
    const before = (await readdir(out)).sort();
    const result = await runCli(['export', '--data-dir', ctx.dataDir, '-o', join(out, 'broken.zip')], out);
    ctx.hooks.beforeRead = undefined;
    expect(errorLine(result)).toMatch(/^esp32cam: The export broke off after .*\(E_STORE_IO\)\. The service could not finish it/);
    expect((await readdir(out)).sort()).toEqual(before);
  });
});
