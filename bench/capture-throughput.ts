import { join } from 'node:path';
import { CameraClient } from '../host/src/index.js';
import { packageRoot } from '../host/src/paths.js';
import { renderTestCard, SimulatedEsp32Cam, type SimOptions } from '../host/src/sim/index.js';
import { referenceCapture, ReferenceDesync } from './reference-master.js';

export interface ThroughputResult {
  label: string;
  photos: number;
  meanPhotoBytes: number;
  bytesPerSecond: number;
  secondsPerPhoto: number;
  /** Share of the elapsed time the bus carried bytes. */
  busUtilisation?: number;
  /** Photos taken again after a failed check. */
  retries?: number;
}

const FIELD_SCRIPT = () => join(packageRoot(), 'test', 'fixtures', 'legacy_slave.py');

/**
 * Every row gets the same QVGA test card at quality 12, whatever frame size its script asks for: the field
 * script keeps the driver's default (VGA), and the rows must compare like with like.
 */
function simOptions(busHz: number, field: boolean): SimOptions {
  return {
    busHz,
    seed: 11,
    frameSource: ({ frame }) => renderTestCard({ width: 320, height: 240, quality: 12, frame, time: new Date(), seed: 11 }),
    ...(field ? { script: FIELD_SCRIPT() } : {}),
  };
}

/** Bytes per second of whole QVGA captures (command to validated JPEG) against the simulated slave. */
export async function clientThroughput(
  label: string,
  opts: { script?: 'field'; protocol: 'auto' | 'legacy'; busHz: number; photos: number },
): Promise<ThroughputResult> {
  const sim = await SimulatedEsp32Cam.start(simOptions(opts.busHz, opts.script === 'field'));
  try {
    const client = new CameraClient({ bus: sim, protocol: opts.protocol });
    await client.ping(); // the probe and the first drain are set-up, not capture time
    let retries = 0;
    client.on('progress', (p) => {
      if (p.phase === 'capturing' && p.attempt > 1) retries++;
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
