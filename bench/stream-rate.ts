import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer } from '../host/src/app/index.js';

export interface StreamRate {
  busHz: number;
  frameSize: string;
  frames: number;
  framesPerSecond: number;
  meanFrameBytes: number;
}

/**
 * Frames a live-stream viewer gets from one simulated camera, through the real service and a real HTTP
 * client reading GET /stream: the time of `frames` frames after the first, which warms the loop up.
 */
export async function streamRate(frames: number, busHz: number, frameSize = 'QVGA'): Promise<StreamRate> {
  const dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-bench-stream-'));
  const server = await startServer(
    { port: 0, host: '127.0.0.1', dataDir, camera: 'sim', sim: { busHz, frameSize } },
    { healthIntervalMs: 0, log: () => undefined },
  );
  try {
    const stream = server.services.streams.of('cam');
    const times: number[] = [];
    const sizes: number[] = [];
    const enough = new Promise<void>((resolve) => {
      stream.on('frame', (f) => {
        times.push(performance.now());
        sizes.push(f.jpeg.length);
        if (times.length > frames) resolve();
      });
    });
    const req = request({ host: '127.0.0.1', port: server.port, path: '/stream' }, (res) => res.resume());
    req.end();
    await enough;
    req.destroy();
    const seconds = (times[frames]! - times[0]!) / 1000;
    const counted = sizes.slice(1, frames + 1);
    return { busHz, frameSize, frames, framesPerSecond: frames / seconds, meanFrameBytes: counted.reduce((a, b) => a + b, 0) / counted.length };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
