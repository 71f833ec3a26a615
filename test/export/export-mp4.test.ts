import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../host/src/app/index.js';
import { resolveConfig } from '../../host/src/config/load-config.js';
import type { PhotoRecord } from '../../host/src/services/photo-record.js';
import { alive, captureLog, deferred, exportTempFiles, run, startExportServer, takePhotos, type ErrorJson, type ExportServer } from './helpers.js';

interface Probe {
  codec_name: string;
  pix_fmt: string;
  width: number;
  height: number;
  nb_read_frames: string;
  r_frame_rate: string;
}

/** ffprobe decodes every frame and counts them. */
async function probe(file: string): Promise<Probe> {
  const out = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,pix_fmt,width,height,nb_read_frames,r_frame_rate',
    '-of',
    'json',
    file,
  ]);
  expect(out.code, out.stderr).toBe(0);
  return (JSON.parse(out.stdout) as { streams: Probe[] }).streams[0];
}

/** Frame `n` of a video, decoded by ffmpeg, as raw RGB. */
async function frame(file: string, n: number): Promise<{ data: Buffer; width: number; height: number }> {
  const png = `${file}.${n}.png`;
  const out = await run('ffmpeg', ['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1', '-y', png]);
  expect(out.code, out.stderr).toBe(0);
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The mean brightness of the columns [x0, x1) of a raw RGB frame. */
function columnsMean(f: { data: Buffer; width: number; height: number }, x0: number, x1: number): number {
  let sum = 0;
  for (let y = 0; y < f.height; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) sum += f.data[(y * f.width + x) * 3 + c];
  return sum / (f.height * (x1 - x0) * 3);
}

/** The pid of the ffmpeg writing to the export folder, if one runs. */
function ffmpegPid(dataDir: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile('pgrep', ['-f', join(dataDir, 'exports')], (err, stdout) => resolve(err ? undefined : Number(stdout.trim().split('\n')[0])));
  });
}

/**
 * Timelapses through the real service and Debian's ffmpeg: photos the simulated board took, piped into
 * ffmpeg, the MP4 downloaded and decoded again by ffprobe.
 */
describe('export of a time range as an MP4 timelapse', () => {
  let ctx: ExportServer;
  const log = captureLog();
  let photos: PhotoRecord[];
  /** The photo taken at 96x96 among the 160x120 ones. */
  let square: number;

  const url = (query = ''): string => `${ctx.server.url}/api/cameras/cam/export.mp4${query}`;

  async function download(query = ''): Promise<{ res: Response; file: string; probe: Probe }> {
    const res = await fetch(url(query));
    expect(res.status, res.ok ? '' : await res.clone().text()).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    const file = join(ctx.work, `video-${Date.now()}-${Math.random().toString(16).slice(2)}.mp4`);
    await writeFile(file, body);
    return { res, file, probe: await probe(file) };
  }

  beforeAll(async () => {
    ctx = await startExportServer();
    photos = await takePhotos(ctx.server, 3);
    // One photo of another frame size and shape: the video keeps the most common size and fits it in.
    await ctx.server.services.settings.set('cam', { framesize: 0 });
    for (let i = 0; i < 4 && photos.at(-1)!.width !== 96; i++) photos.push(...(await takePhotos(ctx.server, 1, 'tl')));
    square = photos.length - 1;
    await ctx.server.services.settings.set('cam', { framesize: 1 });
    for (let i = 0; i < 4 && photos.at(-1)!.width !== 160; i++) photos.push(...(await takePhotos(ctx.server, 1, 'tl')));
    photos.push(...(await takePhotos(ctx.server, 2, 'tl')));
    expect(photos[square]).toMatchObject({ width: 96, height: 96 });
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('makes an H.264 MP4 in yuv420p with one frame per photo, at the most common frame size', async () => {
    const counts = new Map<string, number>();
    for (const p of photos) counts.set(`${p.width}x${p.height}`, (counts.get(`${p.width}x${p.height}`) ?? 0) + 1);
    expect(counts.get('160x120')).toBeGreaterThan(counts.get('96x96')!);

    const { res, file, probe: video } = await download();
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="cam-\d{8}T\d{6}Z-\d{8}T\d{6}Z\.mp4"$/);
    expect(res.headers.get('x-export-frames')).toBe(String(photos.length));
    expect(video).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 160, height: 120, r_frame_rate: '10/1' });
    expect(Number(video.nb_read_frames)).toBe(photos.length);

    // The square photo is fitted in, not stretched: black bars either side of the test card.
    const padded = await frame(file, square);
    expect([padded.width, padded.height]).toEqual([160, 120]);
    expect(columnsMean(padded, 0, 16)).toBeLessThan(20);
    expect(columnsMean(padded, 160 - 16, 160)).toBeLessThan(20);
    expect(columnsMean(padded, 40, 120)).toBeGreaterThan(40);
    const whole = await frame(file, 0);
    expect(columnsMean(whole, 0, 16)).toBeGreaterThan(20);

    // The video was made in a temp file, sent, and removed.
    await expect.poll(() => exportTempFiles(ctx.dataDir)).toEqual([]);
    expect(log.messages.some((m) => m.startsWith(`timelapse of camera "cam": ${photos.length} photos at 10 fps, 160x120 libx264`))).toBe(true);
    await expect.poll(() => log.messages.some((m) => m.startsWith(`timelapse of camera "cam" done: ${photos.length} frames, 0 skipped, `))).toBe(true);
  });

  it('takes the frame rate, the range and the schedule', async () => {
    const first = photos.findIndex((p) => p.schedule === 'tl');
    const { probe: video } = await download(`?fps=25&schedule=tl&from=${photos[first + 1].takenAt}`);
    expect(Number(video.nb_read_frames)).toBe(photos.filter((p) => p.schedule === 'tl').length - 1);
    expect(video.r_frame_rate).toBe('25/1');
    const { probe: manual } = await download(`?schedule=manual&fps=1`);
    expect(Number(manual.nb_read_frames)).toBe(3);
    expect([manual.width, manual.height, manual.r_frame_rate]).toEqual([160, 120, '1/1']);
  });

  it.each(['0', '61', '2.5', 'fast', '-1'])('answers fps=%s with 400 E_BAD_INPUT', async (fps) => {
    const res = await fetch(url(`?fps=${fps}`));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorJson;
    expect(error).toMatchObject({ code: 'E_BAD_INPUT', message: 'fps must be a whole number from 1 to 60' });
    expect(error.hint).toContain('fps=10');
  });

  it('answers an empty range with 404, before ffmpeg starts', async () => {
    const res = await fetch(url('?schedule=nobody'));
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorJson).error.code).toBe('E_NOT_FOUND');
    expect(await ffmpegPid(ctx.dataDir)).toBeUndefined();
  });

  it('makes one video at a time: another asker gets 503 E_EXPORT_BUSY, and a ZIP is still served meanwhile', async () => {
    const held = deferred();
    const reached = deferred();
    ctx.hooks.beforeRead = async (path) => {
      if (!path.endsWith(`${photos[1].id}.jpg`)) return;
      reached.resolve();
      await held.promise;
    };
    const first = download();
    await reached.promise;
    ctx.hooks.beforeRead = undefined;

    const second = await fetch(url('?fps=5'));
    expect(second.status).toBe(503);
    const { error } = (await second.json()) as ErrorJson;
    expect(error).toMatchObject({ code: 'E_EXPORT_BUSY', message: 'Another timelapse is being made' });
    expect(error.hint).toMatch(/try again when it is done/);
    const preview = (await (await fetch(`${ctx.server.url}/api/cameras/cam/export`)).json()) as { mp4: { busy: boolean } };
    expect(preview.mp4.busy).toBe(true);
    const zip = await fetch(`${ctx.server.url}/api/cameras/cam/export.zip`);
    expect(zip.status).toBe(200);
    expect((await zip.arrayBuffer()).byteLength).toBeGreaterThan(photos.reduce((s, p) => s + p.size, 0));

    held.resolve();
    expect(Number((await first).probe.nb_read_frames)).toBe(photos.length);
    // Done: the next one is made.
    expect(Number((await download('?schedule=manual')).probe.nb_read_frames)).toBe(3);
  });

  it('kills ffmpeg and removes its file when the client hangs up, and makes the next video', async () => {
    const held = deferred();
    const reached = deferred();
    ctx.hooks.beforeRead = async (path) => {
      if (!path.endsWith(`${photos[2].id}.jpg`)) return;
      reached.resolve();
      await held.promise;
    };
    const client = new AbortController();
    const request = fetch(url(), { signal: client.signal }).catch((err: unknown) => err);
    await reached.promise;
    ctx.hooks.beforeRead = undefined;
    // ffmpeg runs with two frames in, its output file made.
    await expect.poll(() => ffmpegPid(ctx.dataDir)).toBeTypeOf('number');
    const running = (await ffmpegPid(ctx.dataDir))!;
    expect(alive(running)).toBe(true);
    expect(await exportTempFiles(ctx.dataDir)).toHaveLength(1);

    client.abort();
    expect(await request).toMatchObject({ name: 'AbortError' });
    await expect.poll(() => alive(running)).toBe(false);
    held.resolve();
    await expect.poll(() => exportTempFiles(ctx.dataDir)).toEqual([]);
    await expect.poll(() => log.messages.includes('timelapse of camera "cam" stopped: the client went away')).toBe(true);

    expect(Number((await download()).probe.nb_read_frames)).toBe(photos.length);
    await expect.poll(() => exportTempFiles(ctx.dataDir)).toEqual([]);
  });

  it('answers HEAD without making a video', async () => {
    const res = await fetch(url(), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(await ffmpegPid(ctx.dataDir)).toBeUndefined();
    expect(await exportTempFiles(ctx.dataDir)).toEqual([]);
  });
});

describe('a timelapse file left by a crash', () => {
  it('is removed when the service starts again', async () => {
    const first = await startExportServer();
    const leftover = join(first.dataDir, 'exports', '.timelapse.0123456789ab.tmp');
    await mkdir(join(first.dataDir, 'exports'), { recursive: true });
    await writeFile(leftover, 'half a video');
    await first.server.close();
    const again = await startServer(
      { port: 0, dataDir: first.dataDir, camera: 'sim', sim: { frameSize: 'QQVGA', busHz: 1_000_000 } },
      { healthIntervalMs: 0, log: () => undefined },
    );
    try {
      expect(await exportTempFiles(first.dataDir)).toEqual([]);
    } finally {
      await again.close();
      await first.close();
    }
  });
});

describe('the export section of the config', () => {
  it.each([
    [{ ffmpeg: '' }, /export\.ffmpeg: must be the ffmpeg command or its path/],
    [{ ffmpegStallMs: 10 }, /export\.ffmpegStallMs: must be from 1000 to 3600000/],
    [{ ffmpg: '/usr/bin/ffmpeg' }, /unknown key "export\.ffmpg"/],
  ])('refuses %j', (section, message) => {
    expect(() => resolveConfig([{ name: 'config file x.json', values: { export: section }, baseDir: '/' }])).toThrow(message);
  });

  it('takes a path and a stall bound', () => {
    const config = resolveConfig([{ name: 'config file x.json', values: { export: { ffmpeg: '/opt/ffmpeg/bin/ffmpeg', ffmpegStallMs: 5000 } }, baseDir: '/' }]);
    expect(config.export).toEqual({ ffmpeg: '/opt/ffmpeg/bin/ffmpeg', ffmpegStallMs: 5000 });
  });
});
