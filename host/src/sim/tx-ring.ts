import { RING_HEAD, RING_HEADER_BYTES, RING_TAIL } from './shared-layout.js';

/**
 * The master's end of a slave's TX ring (the worker's setdata is the other end): a single-producer,
 * single-consumer ring in a SharedArrayBuffer. Taking bytes wakes a setdata waiting for room.
 */
export class TxRingReader {
  private readonly hdr: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly size: number;

  constructor(sab: SharedArrayBuffer) {
    this.hdr = new Int32Array(sab, 0, 2);
    this.bytes = new Uint8Array(sab, RING_HEADER_BYTES);
    this.size = this.bytes.length;
  }

  available(): number {
    const head = Atomics.load(this.hdr, RING_HEAD);
    const tail = Atomics.load(this.hdr, RING_TAIL);
    return (head - tail + this.size) % this.size;
  }

  /** Removes and returns up to `max` bytes, oldest first. */
  take(max: number): Uint8Array {
    const n = Math.min(max, this.available());
    const out = new Uint8Array(n);
    let tail = Atomics.load(this.hdr, RING_TAIL);
    for (let i = 0; i < n; i++) {
      out[i] = this.bytes[tail];
      tail = (tail + 1) % this.size;
    }
    Atomics.store(this.hdr, RING_TAIL, tail);
    Atomics.notify(this.hdr, RING_TAIL);
    return out;
  }
}
