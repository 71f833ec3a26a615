import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import type { CameraStream } from '../../host/src/services/stream/index.js';
import { openMjpeg, type MjpegViewer } from './mjpeg-client.js';

/**
 * GET /stream against the real service on a simulated board, read by a strict multipart client: the framing
 * CameraWebServer sends, one capture loop for every viewer, the viewer limit, the loop's end, and a camera
 * that fails in the middle of a stream.
 */
describe('the live MJPEG stream', () => {
  let server: RunningServer;
  let dataDir: string;
  let stream: CameraStream;
  /** The sha256 of every frame the board's sensor delivered, in order. */
  const boardFrames: string[] = [];
  const viewers: MjpegViewer[] = [];

  const open = async (path: string): Promise<MjpegViewer> => {
    const viewer = await openMjpeg(server.port, path);
    viewers.push(viewer);
    return viewer;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-stream-'));
    server = await startServer(
      { port: 0, dataDir, camera: 'sim', sim: { frameSize: 'QQVGA', busHz: 1_000_000 }, stream: { maxViewers: 2 } },
      { healthIntervalMs: 0, log: () => undefined },
    );
    server.sim!.on('frame', (f: { sha256: string }) => boardFrames.push(f.sha256));
    stream = server.services.streams.of('cam');
  });

  afterAll(async () => {
    for (const v of viewers) v.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The loop has ended and the board takes no more frames: a ping after it is answered with none taken. */
  async function expectLoopStopped(): Promise<void> {
    await expect.poll(() => stream.running).toBe(false);
    const taken = boardFrames.length;
    expect((await fetch(`${server.url}/api/ping`, { method: 'POST' })).status).toBe(200);
    expect(boardFrames.length).toBe(taken);
    expect(stream.viewers).toBe(0);
  }

  it("sends CameraWebServer's multipart: its boundary, and per part image/jpeg, Content-Length and X-Timestamp", async () => {
    const before = Date.now();
    const viewer = await open('/stream');
    expect(viewer.status).toBe(200);
    expect(viewer.headers['content-type']).toBe('multipart/x-mixed-replace;boundary=123456789000000000000987654321');
    expect(viewer.headers['cache-control']).toBe('no-store');
    await viewer.waitParts(3);
    for (const part of viewer.parts.slice(0, 3)) {
      expect(part.headers['content-type']).toBe('image/jpeg');
      expect(Number(part.headers['content-length'])).toBe(part.jpeg.length);
      expect(part.headers['x-timestamp']).toMatch(/^\d+\.\d{6}$/);
      const stampMs = Number(part.headers['x-timestamp']) * 1000;
      expect(stampMs).toBeGreaterThanOrEqual(before - 1000);
      expect(stampMs).toBeLessThanOrEqual(Date.now() + 1000);
      // The very frame the board's sensor delivered, whole.
      expect(boardFrames).toContain(part.sha256);
      const meta = await sharp(part.jpeg).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 160, 120]);
    }
    // Each part is a new frame, not the same one sent again.
    expect(new Set(viewer.parts.map((p) => p.sha256)).size).toBe(viewer.parts.length);
    // Stream frames are not stored.
    expect(server.services.store.count('cam')).toBe(0);
    viewer.close();
    await expectLoopStopped();
  });

  it('feeds two viewers from one capture loop, refuses a third with the limit, and stops when both leave', async () => {
    const start = boardFrames.length;
    const a = await open('/stream?camera=cam');
    await a.waitParts(1);
    const b = await open('/api/cameras/cam/stream');
    expect(b.status).toBe(200);
    expect(stream.viewers).toBe(2);

    const third = await open('/stream');
    expect(third.status).toBe(503);
    expect(third.headers['content-type']).toMatch(/application\/json/);
    const { error } = JSON.parse(await third.body()) as { error: { code: string; message: string; hint: string } };
    expect(error.code).toBe('E_STREAM_FULL');
    expect(error.message).toContain('stream.maxViewers = 2');
    expect(error.hint).toContain('stream.maxViewers');

    const seenByA = a.parts.length;
    await Promise.all([a.waitParts(seenByA + 5), b.waitParts(5)]);
    // While both watch, each frame goes to both: B's frames are frames A got too.
    const aFrames = new Set(a.parts.map((p) => p.sha256));
    const shared = b.parts.filter((p) => aFrames.has(p.sha256)).length;
    expect(shared).toBeGreaterThanOrEqual(4);
    a.close();
    b.close();
    await expectLoopStopped();
    // One loop: the board took about as many frames as A alone received (two loops would take A's plus B's).
    const taken = boardFrames.length - start;
    const union = new Set([...a.parts, ...b.parts].map((p) => p.sha256)).size;
    expect(taken).toBeLessThanOrEqual(union + 2);
    for (const part of [...a.parts, ...b.parts]) expect(boardFrames).toContain(part.sha256);
  });

  it('shares its capture with a still asked for meanwhile: GET /capture returns a frame the stream also sent', async () => {
    const viewer = await open('/stream');
    await viewer.waitParts(1);
    const res = await fetch(`${server.url}/capture`);
    expect(res.status).toBe(200);
    const still = createHash('sha256')
      .update(Buffer.from(await res.arrayBuffer()))
      .digest('hex');
    expect(boardFrames).toContain(still);
    // The still did not queue a capture of its own behind the stream's: it is one of the stream's frames.
    await expect.poll(() => viewer.parts.some((p) => p.sha256 === still)).toBe(true);
    viewer.close();
    await expectLoopStopped();
  });

  it('answers 404 for a camera that does not exist', async () => {
    const viewer = await open('/stream?camera=nope');
    expect(viewer.status).toBe(404);
    expect((JSON.parse(await viewer.body()) as { error: { code: string } }).error.code).toBe('E_NOT_FOUND');
    expect(stream.viewers).toBe(0);
  });

  it('keeps the stream open through failed captures, backing off, and goes on when the camera recovers', async () => {
    const failures: Array<{ code: string; retryInMs: number }> = [];
    const onFail = (e: { code: string; retryInMs: number }): void => {
      failures.push(e);
    };
    stream.on('capture-failed', onFail);
    try {
      const viewer = await open('/stream');
      await viewer.waitParts(1);
      // A board that stops acknowledging: the client does not retake those, so each is a failed frame.
      server.sim!.inject({ nacks: 3 });
      await expect.poll(() => failures.length).toBeGreaterThanOrEqual(2);
      const got = viewer.parts.length;
      await viewer.waitParts(got + 3);
      expect(viewer.ended).toBe(false);
      // Each failure in a row waits longer than the one before: never a hot loop.
      expect(failures[0]!.retryInMs).toBeGreaterThan(0);
      expect(failures[1]!.retryInMs).toBe(failures[0]!.retryInMs * 2);
      viewer.close();
      await expectLoopStopped();
    } finally {
      stream.off('capture-failed', onFail);
    }
  });
});
