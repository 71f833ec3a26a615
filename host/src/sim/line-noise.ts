import { Esp32CamError } from '../errors.js';
import { SeededRandom } from './rng.js';

/**
 * What a noisy bus does to a byte: a flip garbles its bits; a drop loses it (the slave's FIFO moved past a
 * byte the master never clocked in, or the slave missed a byte the master wrote); a duplicate repeats it (the
 * FIFO shifted the same byte out twice, or the slave latched a written byte twice).
 */
export type NoiseKind = 'flip' | 'drop' | 'duplicate';

export const NOISE_KINDS: readonly NoiseKind[] = ['flip', 'drop', 'duplicate'];

export interface LineNoiseOptions {
  /** Share of the bytes on the wire, in both directions, that meet a fault: 0.001 is one in a thousand. */
  rate: number;
  /** Which faults, drawn with equal odds; all three by default. */
  kinds?: NoiseKind[];
}

export type NoiseCounts = Record<NoiseKind, number> & { bytes: number };

/** Rejects a noise setting that is not a share from 0 to 0.5 or names an unknown fault. */
export function checkLineNoise(opts: LineNoiseOptions): Required<LineNoiseOptions> {
  const rate = opts?.rate;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 0.5) {
    throw new Esp32CamError('E_BAD_INPUT', `Line noise rate ${String(rate)} is not a share from 0 to 0.5`, 'Give the share of bytes to garble, e.g. 0.001.');
  }
  const kinds = opts.kinds ?? [...NOISE_KINDS];
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((k) => !NOISE_KINDS.includes(k))) {
    throw new Esp32CamError('E_BAD_INPUT', `Line noise kinds ${String(kinds)} are not valid`, `Use some of ${NOISE_KINDS.join(', ')}.`);
  }
  return { rate, kinds: [...kinds] };
}

/**
 * Random byte faults on a simulated bus, byte by byte, at a fixed rate. A read is planned before any byte is
 * taken from the slave, because a drop makes the slave give one byte more than the master clocks and a
 * duplicate one byte fewer: the slave's ring must lose exactly the bytes it shifted out, no more.
 */
export class LineNoise {
  private readonly rate: number;
  private readonly kinds: NoiseKind[];
  private readonly rng: SeededRandom;
  readonly counts: NoiseCounts = { bytes: 0, flip: 0, drop: 0, duplicate: 0 };

  constructor(opts: LineNoiseOptions, seed: number) {
    const checked = checkLineNoise(opts);
    this.rate = checked.rate;
    this.kinds = checked.kinds;
    // An RNG of its own, so that noise does not shift the board's latencies and capture timing.
    this.rng = new SeededRandom(seed ^ 0x5eed1e55);
  }

  /**
   * The `length` bytes a master read gets, from a slave whose next bytes `shiftOut(n)` gives (and consumes).
   * Returns the wire bytes; the slave has given exactly what went out or was lost.
   */
  read(length: number, shiftOut: (n: number) => Uint8Array): Uint8Array {
    // Each byte the slave shifts out meets at most one fault; a duplicate at the very end falls off the read.
    const plan: Array<NoiseKind | undefined> = [];
    for (let onWire = 0; onWire < length;) {
      const fault = this.draw();
      plan.push(fault);
      onWire += fault === 'drop' ? 0 : fault === 'duplicate' ? 2 : 1;
    }
    const source = shiftOut(plan.length);
    const wire = new Uint8Array(length);
    let at = 0;
    for (let i = 0; i < plan.length && at < length; i++) {
      const fault = plan[i];
      if (fault === 'drop') continue;
      const byte = fault === 'flip' ? this.flip(source[i]) : source[i];
      wire[at++] = byte;
      if (fault === 'duplicate' && at < length) wire[at++] = byte;
    }
    this.counts.bytes += length;
    return wire;
  }

  /** What the slave receives of a master write. */
  write(bytes: Buffer): Buffer {
    const out: number[] = [];
    for (const byte of bytes) {
      const fault = this.draw();
      if (fault === 'drop') continue;
      out.push(fault === 'flip' ? this.flip(byte) : byte);
      if (fault === 'duplicate') out.push(byte);
    }
    this.counts.bytes += bytes.length;
    return Buffer.from(out);
  }

  private draw(): NoiseKind | undefined {
    if (this.rng.next() >= this.rate) return undefined;
    const kind = this.kinds[this.rng.int(this.kinds.length)];
    this.counts[kind]++;
    return kind;
  }

  private flip(byte: number): number {
    return byte ^ (1 + this.rng.int(255));
  }
}
