import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';

/** Runs ffmpeg to its end; rejects with its stderr when it fails. */
function ffmpeg(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', args, { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ffmpeg failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * Frigate reads an ESP32-CAM's stream with ffmpeg, and motionEye and Home Assistant read the same framing:
 * Debian's ffmpeg, pointed at GET /stream with nothing but the URL, must find the format and decode frames.
 */
describe('ffmpeg reads GET /stream', () => {
  let server: RunningServer;
  let work: string;
  const boardFrames: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'esp32cam-ffmpeg-'));
    server = await startServer(
      { port: 0, dataDir: join(work, 'data'), camera: 'sim', auth: { mode: 'token' }, sim: { frameSize: 'QQVGA', busHz: 1_000_000 } },
      { healthIntervalMs: 0, log: () => undefined },
    );
    server.sim!.on('frame', (f: { sha256: string }) => boardFrames.push(f.sha256));
  });

  afterAll(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("decodes five frames, and copies out the board's own JPEGs", async () => {
    const url = `${server.url}/stream?token=${server.token!}`;
    const out = join(work, 'frames');
    await ffmpeg(['-hide_banner', '-loglevel', 'error', '-i', url, '-frames:v', '5', '-f', 'framemd5', join(work, 'decoded.txt')]);
    // framemd5 writes one line per decoded picture: stream, dts, pts, duration, size, md5.
    const decoded = (await readFile(join(work, 'decoded.txt'), 'utf8')).split('\n').filter((line) => /^\d+,/.test(line));
    expect(decoded).toHaveLength(5);
    for (const line of decoded) expect(Number(line.split(',')[4])).toBeGreaterThanOrEqual(160 * 120);

    // The same stream copied, not decoded: the parts' bytes, which must be frames the board delivered.
    // ffmpeg makes no folders.
    await mkdir(out);
    await ffmpeg(['-hide_banner', '-loglevel', 'error', '-i', url, '-frames:v', '5', '-c:v', 'copy', '-f', 'image2', join(out, 'f%02d.jpg')]);
    const files = (await readdir(out)).sort();
    expect(files).toHaveLength(5);
    for (const file of files) {
      const jpeg = await readFile(join(out, file));
      expect(boardFrames).toContain(createHash('sha256').update(jpeg).digest('hex'));
      const meta = await sharp(jpeg).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 160, 120]);
    }
    // ffmpeg hung up: the loop stopped with it.
    await expect.poll(() => server.services.streams.of('cam').running).toBe(false);
  });
});
