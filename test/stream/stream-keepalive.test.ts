import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { openMjpeg } from './mjpeg-client.js';

/**
 * The health monitor's keep-alive asks an idle camera for its status. A running stream keeps the camera
 * capturing back to back, so the monitor finds it busy at every turn and asks nothing; once the stream ends
 * the keep-alive comes back.
 */
describe('a running stream and the keep-alive', () => {
  const KEEP_ALIVE_MS = 250;
  let server: RunningServer;
  let dataDir: string;
  let checks = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-stream-keepalive-'));
    server = await startServer(
      { port: 0, dataDir, camera: 'sim', sim: { frameSize: 'QQVGA', busHz: 1_000_000 } },
      { healthIntervalMs: KEEP_ALIVE_MS, log: () => undefined },
    );
    // The keep-alive's status request is the only thing here that makes the camera emit 'answer'.
    server.services.cameras.first.on('answer', () => checks++);
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('asks nothing while the stream runs, and resumes after it', async () => {
    // The keep-alive runs while idle: the control that makes the zero below mean something.
    await expect.poll(() => checks).toBeGreaterThan(0);
    const viewer = await openMjpeg(server.port, '/stream');
    await viewer.waitParts(1);
    const before = checks;
    const started = performance.now();
    // Stream for many keep-alive periods.
    for (let n = 2; performance.now() - started < 8 * KEEP_ALIVE_MS; n++) await viewer.waitParts(n);
    expect(checks).toBe(before);
    viewer.close();
    await expect.poll(() => server.services.streams.of('cam').running).toBe(false);
    await expect.poll(() => checks).toBeGreaterThan(before);
  });
});
