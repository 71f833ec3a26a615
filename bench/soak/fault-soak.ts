import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CameraClient } from '../../host/src/index.js';
import { Esp32CamError } from '../../host/src/errors.js';
import { packageRoot } from '../../host/src/paths.js';
import { renderTestCard, SimulatedEsp32Cam, type NoiseCounts } from '../../host/src/sim/index.js';

export interface FaultSoakOptions {
  /** `v2` drives device-scripts/main.py with protocol 2; `legacy` drives the unmodified field script. */
  protocol: 'v2' | 'legacy';
  captures: number;
  /** Share of the bytes on the wire flipped, dropped or duplicated. */
  rate: number;
  /** Boards soaked side by side, each on a bus of its own: the captures are shared among them. */
  lanes: number;
  busHz: number;
  seed: number;
  /** Called after each capture, with how many are done. */
  onCapture?: (done: number) => void;
}

export interface FaultSoakResult {
  protocol: 'v2' | 'legacy';
  captures: number;
  /** Photos the client returned as good. */
  delivered: number;
  /** Delivered photos that are not byte for byte a frame the board's camera produced. */
  corrupt: number;
  /** Captures that ended in an error (after the client's own retries). */
  failed: number;
  /** Delivered photos that needed more than one attempt. */
  retried: number;
  /** Why captures failed, by error code. */
  errors: Record<string, number>;
  /** What the noise did, over every lane. */
  noise: NoiseCounts;
  meanPhotoBytes: number;
  seconds: number;
}

const FIELD_SCRIPT = (): string => join(packageRoot(), 'test', 'fixtures', 'legacy_slave.py');

/**
 * Captures through the real client from simulated boards whose wire garbles bytes at `rate`. Every delivered
 * photo is checked against the frames the board's camera produced (the simulator's 'frame' events carry their
 * SHA-256): a photo that matches none was corrupted on the way and delivered anyway.
 */
export async function faultSoak(opts: FaultSoakOptions): Promise<FaultSoakResult> {
  const started = performance.now();
  const result: FaultSoakResult = {
    protocol: opts.protocol,
    captures: 0,
    delivered: 0,
    corrupt: 0,
    failed: 0,
    retried: 0,
    errors: {},
    noise: { bytes: 0, flip: 0, drop: 0, duplicate: 0 },
    meanPhotoBytes: 0,
    seconds: 0,
  };
  let photoBytes = 0;
  let next = 0;
  const lane = async (index: number): Promise<void> => {
    const seed = opts.seed + index;
    const sim = await SimulatedEsp32Cam.start({
      busHz: opts.busHz,
      seed,
      // A small photo keeps a thousand captures within minutes; the noise is per byte, so it still meets a few.
      frameSource: ({ frame }) => renderTestCard({ width: 160, height: 120, quality: 12, frame, time: new Date(), seed }),
      ...(opts.protocol === 'legacy' ? { script: FIELD_SCRIPT() } : {}),
    });
    try {
      // Only the frames of the last few captures can come back: a bounded set keeps a long soak flat.
      const frames: string[] = [];
      sim.on('frame', ({ sha256 }: { sha256: string }) => {
        frames.push(sha256);
        if (frames.length > 64) frames.shift();
      });
      const client = new CameraClient({ bus: sim, protocol: opts.protocol === 'v2' ? 'auto' : 'legacy' });
      // The probe runs on a clean wire: the soak is about captures, and a board the client took for legacy would
      // soak the wrong protocol.
      const ping = await client.ping();
      if (ping.protocol !== opts.protocol) throw new Error(`the board speaks ${ping.protocol}, not ${opts.protocol}`);
      let attempts = 1;
      client.on('progress', (p) => {
        if (p.phase === 'capturing') attempts = p.attempt;
      });
      sim.setLineNoise({ rate: opts.rate });
      while (next < opts.captures) {
        next++;
        attempts = 1;
        try {
          const photo = await client.capture();
          result.delivered++;
          photoBytes += photo.length;
          if (attempts > 1) result.retried++;
          if (!frames.includes(createHash('sha256').update(photo).digest('hex'))) result.corrupt++;
        } catch (err) {
          result.failed++;
          const code = err instanceof Esp32CamError ? err.code : err instanceof Error ? err.name : 'unknown';
          result.errors[code] = (result.errors[code] ?? 0) + 1;
        }
        result.captures++;
        opts.onCapture?.(result.captures);
      }
      const counts = sim.lineNoiseCounts();
      if (counts) for (const key of ['bytes', 'flip', 'drop', 'duplicate'] as const) result.noise[key] += counts[key];
    } finally {
      await sim.close();
    }
  };
  await Promise.all(Array.from({ length: opts.lanes }, (_, i) => lane(i)));
  result.meanPhotoBytes = result.delivered > 0 ? photoBytes / result.delivered : 0;
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
