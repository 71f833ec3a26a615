import { RING_HEAD, RING_HEADER_BYTES, RING_TAIL } from './shared-layout.js';
import { fifoShiftPlan, type TxFifoTiming } from './tx-fifo.js';

/**
 * The master's end of a slave's TX ring (the worker's setdata is the other end): a single-producer,
 * single-consumer ring in a SharedArrayBuffer. Taking bytes wakes a setdata waiting for room. With a FIFO
 * timing, bytes reach the wire through the 32-byte hardware FIFO (tx-fifo.ts), and a refill that comes too
 * late puts filler between them.
 */
export class TxRingReader {
  private readonly hdr: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly size: number;
  /** The last ring byte shifted out: what filler repeats. */
  private last = 0xff;

  constructor(
    sab: SharedArrayBuffer,
    private readonly fifo?: TxFifoTiming,
  ) {
    this.hdr = new Int32Array(sab, 0, 2);
    this.bytes = new Uint8Array(sab, RING_HEADER_BYTES);
    this.size = this.bytes.length;
  }

  available(): number {
    const head = Atomics.load(this.hdr, RING_HEAD);
    const tail = Atomics.load(this.hdr, RING_TAIL);
    return (head - tail + this.size) % this.size;
  }

  /**
   * What a read of `max` bytes shifts out of the ring, oldest first, up to the last ring byte it reaches (the
   * caller pads the rest). Without a FIFO timing those are simply the next bytes; with one, filler repeating
   * the previous byte stands wherever the FIFO ran dry. Only the ring bytes shifted out are removed.
   */
  take(max: number): Uint8Array {
    const available = this.available();
    let tail = Atomics.load(this.hdr, RING_TAIL);
    const plan = this.fifo ? fifoShiftPlan(available, this.size - tail, max, this.fifo) : undefined;
    let n = plan ? max : Math.min(max, available);
    if (plan) while (n > 0 && plan[n - 1] < 0) n--;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (plan && plan[i] < 0) {
        out[i] = this.last;
        continue;
      }
      this.last = this.bytes[tail];
      out[i] = this.last;
      tail = (tail + 1) % this.size;
    }
    Atomics.store(this.hdr, RING_TAIL, tail);
    Atomics.notify(this.hdr, RING_TAIL);
    return out;
  }
}
