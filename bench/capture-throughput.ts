import { join } from 'node:path';
import { CameraClient } from '../host/src/index.js';
import { packageRoot } from '../host/src/paths.js';
import { renderTestCard, SimulatedEsp32Cam, type SimOptions } from '../host/src/sim/index.js';
import { referenceCapture, ReferenceDesync } from './reference-master.js';

export type BenchFrame = 'QVGA' | 'VGA';

export interface ThroughputResult {
  label: string;
  photos: number;
  meanPhotoBytes: number;
  /** Photo bytes over the whole capture, camera time included. */
  bytesPerSecond: number;
  secondsPerPhoto: number;
  /** Mean time from the command to the camera's answer (the sensor and the CAPTURE round trip), per photo. */
  cameraSecondsPerPhoto?: number;
  /** Photo bytes over the download alone: the time from the camera's answer to the validated JPEG. */
  transferBytesPerSecond?: number;
  /** Share of the elapsed time the bus carried bytes. */
  busUtilisation?: number;
  /** Photos taken again after a failed check. */
  retries?: number;
}

const FIELD_SCRIPT = () => join(packageRoot(), 'test', 'fixtures', 'legacy_slave.py');
const SIZES: Record<BenchFrame, { width: number; height: number }> = { QVGA: { width: 320, height: 240 }, VGA: { width: 640, height: 480 } };

/**
 * Every row gets the same test card at quality 12, whatever frame size its script asks for: the field
 * script keeps the driver's default (VGA), and the rows must compare like with like.
 */
function simOptions(busHz: number, field: boolean, frame: BenchFrame = 'QVGA'): SimOptions {
  const size = SIZES[frame];
  return {
    busHz,
    seed: 11,
    frameSource: ({ frame: n }) => renderTestCard({ ...size, quality: 12, frame: n, time: new Date(), seed: 11 }),
    ...(field ? { script: FIELD_SCRIPT() } : {}),
  };
}

/** Bytes per second of whole captures (command to validated JPEG) against the simulated slave. */
export async function clientThroughput(
  label: string,
  opts: { script?: 'field'; protocol: 'auto' | 'legacy'; busHz: number; photos: number; frame?: BenchFrame; warmUp?: boolean },
): Promise<ThroughputResult> {
  const sim = await SimulatedEsp32Cam.start(simOptions(opts.busHz, opts.script === 'field', opts.frame));
  try {
    const client = new CameraClient({ bus: sim, protocol: opts.protocol, busHz: opts.busHz });
    await client.ping(); // the probe and the first drain are set-up, not capture time
    // Our script starts at QVGA, whose JPEG buffer a VGA frame overflows; the field script keeps the driver's VGA.
    if (opts.frame === 'VGA' && opts.script !== 'field') await client.applySettings({ framesize: 8 });
    // Steady state: a session's first capture cannot send its first READ behind the CAPTURE (no photo id yet).
    if (opts.warmUp) await client.capture();
    let retries = 0;
    let cameraMs = 0;
    let shotAt = 0;
    client.on('progress', (p) => {
      if (p.phase === 'capturing') {
        if (p.attempt > 1) retries++;
        shotAt = performance.now();
      }
      // The first download progress marks the camera's answer: everything before it is camera time.
      if (p.phase === 'downloading' && p.bytes === 0 && shotAt > 0) {
        cameraMs += performance.now() - shotAt;
        shotAt = 0;
      }
    });
    const before = { ...client.busCounters };
    let bytes = 0;
    const started = performance.now();
    for (let i = 0; i < opts.photos; i++) bytes += (await client.capture()).length;
    const elapsed = (performance.now() - started) / 1000;
    const after = client.busCounters;
    const wireBytes = after.read - before.read + (after.written - before.written) + (after.transactions - before.transactions);
    const busSeconds = (wireBytes * 9) / opts.busHz;
    return {
      label,
      photos: opts.photos,
      meanPhotoBytes: bytes / opts.photos,
      bytesPerSecond: bytes / elapsed,
      secondsPerPhoto: elapsed / opts.photos,
      cameraSecondsPerPhoto: cameraMs / 1000 / opts.photos,
      transferBytesPerSecond: bytes / (elapsed - cameraMs / 1000),
      busUtilisation: busSeconds / elapsed,
      retries,
    };
  } finally {
    await sim.close();
  }
}

export async function referenceThroughput(busHz: number, photos: number): Promise<ThroughputResult> {
  const sim = await SimulatedEsp32Cam.start(simOptions(busHz, true));
  try {
    let bytes = 0;
    let retries = 0;
    const started = performance.now();
    for (let i = 0; i < photos; i++) {
      for (;;) {
        try {
          bytes += (await referenceCapture(sim)).length;
          break;
        } catch (err) {
          if (!(err instanceof ReferenceDesync) || retries >= 5) throw err;
          // Its ring now holds stale bytes it cannot flush: only a reset of the board brings it back.
          retries++;
          await sim.reset();
        }
      }
    }
    const elapsed = (performance.now() - started) / 1000;
    return {
      label: 'reference master pacing (50 ms per get; 300 ms after capture) vs field script',
      photos,
      meanPhotoBytes: bytes / photos,
      bytesPerSecond: bytes / elapsed,
      secondsPerPhoto: elapsed / photos,
      retries,
    };
  } finally {
    await sim.close();
  }
}

/** What the wire itself allows for reads of `chunk` bytes: 9 clocks a byte, plus the address byte. */
export function busLimit(busHz: number, chunk: number): number {
  return chunk / (((chunk + 1) * 9) / busHz);
}

/** The raw wire limit: 9 clocks a byte, nothing else. Every ratio in the capture matrix is against this. */
export function wireLimit(busHz: number): number {
  return busHz / 9;
}

/** Capture at 100 and 400 kHz, QVGA and VGA, protocol 2 and legacy: each with its limit, its ratio and camera time apart. */
export async function captureMatrix(photos: number, log: (line: string) => void): Promise<void> {
  const kb = (n: number) => `${(n / 1000).toFixed(2)} KB`;
  log('\nCapture matrix, after one warm-up capture (download only: camera time, from the command to its answer, is reported apart):');
  for (const busHz of [100_000, 400_000]) {
    const limit = wireLimit(busHz);
    for (const frame of ['QVGA', 'VGA'] as const) {
      for (const protocol of ['auto', 'legacy'] as const) {
        const r = await clientThroughput(protocol, {
          protocol,
          busHz,
          photos,
          frame,
          warmUp: true,
          ...(protocol === 'legacy' ? { script: 'field' as const } : {}),
        });
        const name = protocol === 'auto' ? 'protocol 2' : 'legacy (field script)';
        const transfer = r.transferBytesPerSecond ?? r.bytesPerSecond;
        log(
          `  ${String(busHz / 1000).padStart(3)} kHz ${frame.padEnd(4)} ${name.padEnd(21)} ${kb(transfer)}/s of ${kb(limit)}/s = ${((transfer / limit) * 100).toFixed(1)}%` +
            `, camera ${((r.cameraSecondsPerPhoto ?? 0) * 1000).toFixed(0)} ms apart, ${kb(r.meanPhotoBytes)} photo, whole capture ${r.secondsPerPhoto.toFixed(2)} s` +
            (r.retries ? `, ${r.retries} retried` : ''),
        );
      }
    }
  }
}
