import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, captureLog, exportTempFiles, startExportServer, takePhotos, type ErrorJson, type ExportServer } from './helpers.js';

// The service's warnings about the failures these tests cause stay out of the test output.
captureLog();

interface Mp4Preview {
  mp4: { available: boolean; code?: string; reason?: string; hint?: string; encoder?: string };
}

/** Where the stand-ins for ffmpeg go. */
let bin: string;

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'esp32cam-ffmpeg-bin-'));
});

afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
});

describe('a timelapse without ffmpeg', () => {
  let ctx: ExportServer | undefined;

  afterEach(async () => {
    await ctx?.close();
    ctx = undefined;
  });

  it.each([
    ['a path where nothing is', '/nonexistent/bin/ffmpeg', 'at /nonexistent/bin/ffmpeg'],
    ['a command the PATH does not have', 'esp32cam-no-such-ffmpeg', 'named "esp32cam-no-such-ffmpeg" on the PATH'],
  ])('with export.ffmpeg %s: 501 E_NO_FFMPEG saying how to install it, the preview says so, and ZIPs still work', async (_what, ffmpeg, where) => {
    ctx = await startExportServer({ export: { ffmpeg } });
    await takePhotos(ctx.server, 2);
    const res = await fetch(`${ctx.server.url}/api/cameras/cam/export.mp4`);
    expect(res.status).toBe(501);
    const { error } = (await res.json()) as ErrorJson;
    expect(error.code).toBe('E_NO_FFMPEG');
    expect(error.message).toBe(`ffmpeg is not installed: there is no program ${where}`);
    expect(error.hint).toContain('sudo apt install ffmpeg');

    const preview = (await (await fetch(`${ctx.server.url}/api/cameras/cam/export`)).json()) as Mp4Preview;
    expect(preview.mp4).toMatchObject({ available: false, code: 'E_NO_FFMPEG', reason: error.message, hint: error.hint });

    const zip = await fetch(`${ctx.server.url}/api/cameras/cam/export.zip`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    await zip.arrayBuffer();
    expect(await exportTempFiles(ctx.dataDir)).toEqual([]);
  });

  it('finds ffmpeg once it is installed, without a restart', async () => {
    const path = join(bin, 'ffmpeg-installed-later');
    ctx = await startExportServer({ export: { ffmpeg: path } });
    await takePhotos(ctx.server, 1);
    expect(((await (await fetch(`${ctx.server.url}/api/cameras/cam/export`)).json()) as Mp4Preview).mp4.available).toBe(false);
    // "Installing" it: Debian's ffmpeg, at the configured path.
    await writeFile(path, '#!/bin/sh\nexec /usr/bin/ffmpeg "$@"\n');
    await chmod(path, 0o755);
    const preview = (await (await fetch(`${ctx.server.url}/api/cameras/cam/export`)).json()) as Mp4Preview;
    expect(preview.mp4).toMatchObject({ available: true, encoder: 'libx264' });
    const video = await fetch(`${ctx.server.url}/api/cameras/cam/export.mp4`);
    expect(video.status).toBe(200);
    expect((await video.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });
});

describe('an ffmpeg that hangs or fails', () => {
  let ctx: ExportServer | undefined;

  afterEach(async () => {
    await ctx?.close();
    ctx = undefined;
  });

  /**
   * A stand-in for a broken ffmpeg: it lists libx264 like the real one, then creates the output file it was
   * given and, as told by `behaviour`, sleeps without reading (a hang) or fails.
   */
  async function brokenFfmpeg(name: string, behaviour: string): Promise<string> {
    const dir = join(bin, name);
    await mkdir(dir);
    const path = join(dir, 'ffmpeg');
    await writeFile(
      path,
      [
        '#!/bin/sh',
        'case "$*" in *-encoders*) echo " V....D libx264              libx264 H.264 / AVC"; exit 0;; esac',
        'for a; do out=$a; done',
        ': > "$out"',
        `echo $$ > "${join(dir, 'ffmpeg.pid')}"`,
        behaviour,
        '',
      ].join('\n'),
    );
    await chmod(path, 0o755);
    return path;
  }

  it('kills an ffmpeg that shows no progress for export.ffmpegStallMs, removes its file, and answers E_FFMPEG_FAILED', async () => {
    const ffmpeg = await brokenFfmpeg('hangs', 'exec sleep 600');
    ctx = await startExportServer({ export: { ffmpeg, ffmpegStallMs: 1000 } });
    // It never reads its input nor reports progress: the bound applies while photos go in and after.
    await takePhotos(ctx.server, 3);
    const res = await fetch(`${ctx.server.url}/api/cameras/cam/export.mp4`);
    expect(res.status).toBe(500);
    const { error } = (await res.json()) as ErrorJson;
    expect(error).toMatchObject({ code: 'E_FFMPEG_FAILED', message: 'ffmpeg showed no progress for 1 s and was stopped' });
    expect(error.hint).toContain('export.ffmpegStallMs');
    const pid = Number(await readFile(join(bin, 'hangs', 'ffmpeg.pid'), 'utf8'));
    await expect.poll(() => alive(pid)).toBe(false);
    expect(await exportTempFiles(ctx.dataDir)).toEqual([]);
    // The next asker is not told that one is being made.
    expect((await fetch(`${ctx.server.url}/api/cameras/cam/export.mp4`)).status).toBe(500);
  });

  it('answers an ffmpeg that fails with E_FFMPEG_FAILED and its last words, and removes its file', async () => {
    const ffmpeg = await brokenFfmpeg('fails', 'cat > /dev/null; echo "pipe:0: Invalid data found when processing input" >&2; exit 1');
    ctx = await startExportServer({ export: { ffmpeg } });
    await takePhotos(ctx.server, 2);
    const res = await fetch(`${ctx.server.url}/api/cameras/cam/export.mp4`);
    expect(res.status).toBe(500);
    const { error } = (await res.json()) as ErrorJson;
    expect(error).toMatchObject({
      code: 'E_FFMPEG_FAILED',
      message: 'ffmpeg stopped with exit status 1: pipe:0: Invalid data found when processing input',
    });
    expect(await exportTempFiles(ctx.dataDir)).toEqual([]);
  });
});
