/**
 * Raw-paste flow control, host side: the device grants one window with its `R\x01` header and one more
 * for every `\x01` it sends; the host never has more bytes in flight than it was granted.
 */
export class RawPasteWindow {
  private available: number;

  constructor(readonly windowSize: number) {
    if (!Number.isInteger(windowSize) || windowSize <= 0) throw new RangeError(`raw-paste window must be a positive integer, got ${windowSize}`);
    this.available = windowSize;
  }

  /** A `\x01` arrived: one more window may be sent. */
  credit(): void {
    this.available += this.windowSize;
  }

  get remaining(): number {
    return this.available;
  }

  /** How many of `wanted` bytes may go now; those are counted as sent. */
  take(wanted: number): number {
    const n = Math.min(wanted, this.available);
    this.available -= n;
    return n;
  }
}
