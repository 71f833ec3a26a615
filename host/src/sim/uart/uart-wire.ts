/**
 * One direction of a UART line: bytes leave at the line's baud rate, 10 bits each (start, 8 data, stop),
 * and are handed over in chunks as their wire time passes. The schedule is kept on an ideal timeline, so a
 * late timer makes the next chunk bigger instead of slowing the line down: throughput stays at the baud
 * rate however coarse the timers are, and no busy-waiting is needed.
 */
export const BITS_PER_BYTE = 10;

/** Milliseconds one byte occupies the wire. */
export function byteTimeMs(baud: number): number {
  return (BITS_PER_BYTE * 1000) / baud;
}

/** Chunks are delivered at least this far apart, unless the line goes idle sooner. */
const MIN_SLICE_MS = 2;

interface Pending {
  bytes: Uint8Array;
  offset: number;
  done: () => void;
}

export class UartWire {
  private readonly queue: Pending[] = [];
  /** When the byte now at the head of the queue has fully arrived (ms, performance.now()). */
  private headDoneAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private byteMs: number;

  constructor(
    private readonly deliver: (chunk: Uint8Array) => void,
    baud: number,
  ) {
    this.byteMs = byteTimeMs(baud);
  }

  setBaud(baud: number): void {
    const now = performance.now();
    // Bytes not yet on the wire go out at the new rate from now on.
    if (this.queue.length > 0 && this.headDoneAt > now) this.headDoneAt = now + byteTimeMs(baud);
    this.byteMs = byteTimeMs(baud);
  }

  /** Queues bytes; resolves once the last of them has been delivered (or dropped by clear()). */
  send(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.queue.length === 0) this.headDoneAt = performance.now() + this.byteMs;
      this.queue.push({ bytes, offset: 0, done: resolve });
      this.schedule();
    });
  }

  get pendingBytes(): number {
    return this.queue.reduce((n, p) => n + p.bytes.length - p.offset, 0);
  }

  /** Resolves when everything queued so far has been delivered. */
  idle(): Promise<void> {
    const last = this.queue[this.queue.length - 1];
    if (!last) return Promise.resolve();
    return new Promise((resolve) => {
      const done = last.done;
      last.done = () => {
        done();
        resolve();
      };
    });
  }

  /** Drops everything not yet delivered (a reset chip, a flushed driver buffer). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const dropped = this.queue.splice(0);
    for (const p of dropped) p.done();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = Math.max(MIN_SLICE_MS, this.headDoneAt - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, wait);
  }

  private tick(): void {
    const now = performance.now();
    let due = now >= this.headDoneAt ? Math.floor((now - this.headDoneAt) / this.byteMs) + 1 : 0;
    if (due > 0) {
      const parts: Uint8Array[] = [];
      const finished: Pending[] = [];
      let taken = 0;
      while (due > 0 && this.queue.length > 0) {
        const head = this.queue[0]!;
        const n = Math.min(due, head.bytes.length - head.offset);
        parts.push(head.bytes.subarray(head.offset, head.offset + n));
        head.offset += n;
        due -= n;
        taken += n;
        if (head.offset === head.bytes.length) finished.push(this.queue.shift()!);
      }
      this.headDoneAt += taken * this.byteMs;
      // An idle line restarts its clock when the next bytes are queued.
      if (this.queue.length === 0) this.headDoneAt = 0;
      this.deliver(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      for (const p of finished) p.done();
    }
    this.schedule();
  }
}
