import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { openMjpeg } from './mjpeg-client.js';

/**
 * Live-stream frames are captures for the health monitor and the metrics, but not for the pages: a page that
 * is not watching the stream must not flicker "Capturing" and lose its Capture button at the frame rate.
 */
let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-stream-quiet-'));
  server = await startServer(
    { port: 0, host: '127.0.0.1', dataDir, camera: 'sim', sim: { frameSize: 'QQVGA', busHz: 1_000_000 } },
    { healthIntervalMs: 0, log: () => undefined },
  );
});

afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('stream frames send capture:done but no capture:start, progress or busy status; a still sends all three', async () => {
  const camera = server.services.cameras.get('cam');
  const seen = { start: 0, progress: 0, busy: 0, done: 0 };
  camera.on('capture:start', () => seen.start++);
  camera.on('capture:progress', () => seen.progress++);
  camera.on('capture:done', () => seen.done++);
  camera.on('status', (s) => {
    if (s.busy) seen.busy++;
  });
  // The camera answers a first ping before the stream, so its coming online is not a stream frame's news.
  expect((await fetch(`${server.url}/api/cameras/cam/ping`, { method: 'POST' })).status).toBe(200);

  const viewer = await openMjpeg(server.port, '/api/cameras/cam/stream');
  await viewer.waitParts(5);
  viewer.close();
  const stream = server.services.streams.of('cam');
  await expect.poll(() => stream.running, { timeout: 30_000 }).toBe(false);
  expect(seen.done).toBeGreaterThanOrEqual(5);
  expect(seen).toMatchObject({ start: 0, progress: 0, busy: 0 });

  const still = await fetch(`${server.url}/api/cameras/cam/capture`, { method: 'POST' });
  expect(still.status).toBe(201);
  expect(seen.start).toBe(1);
  expect(seen.progress).toBeGreaterThan(0);
  expect(seen.busy).toBeGreaterThan(0);
});
