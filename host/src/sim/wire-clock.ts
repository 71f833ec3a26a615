/**
 * Wire time of the simulated I2C bus. Each byte is 8 data bits plus the ACK bit, i.e. 9 clocks; a
 * transaction also carries its address byte (docs/hardware.md §4). Transactions are serialised: one
 * starts when the previous one ends. Times are `performance.now()` milliseconds.
 */
export const CLOCKS_PER_BYTE = 9;

export function transactionMs(dataBytes: number, busHz: number): number {
  return ((1 + dataBytes) * CLOCKS_PER_BYTE * 1000) / busHz;
}

export class WireClock {
  private freeAt = 0;

  constructor(readonly busHz: number) {}

  /** Books the bus for the next transaction of `dataBytes` data bytes (after its address byte). */
  reserve(dataBytes: number): { start: number; end: number } {
    const start = Math.max(performance.now(), this.freeAt);
    const end = start + transactionMs(dataBytes, this.busHz);
    this.freeAt = end;
    return { start, end };
  }
}

/**
 * Resolves at `deadline` (performance.now() ms). setTimeout alone is late by a millisecond or more
 * each time, which would add up over thousands of small transactions; it covers the bulk of the wait
 * and setImmediate the sub-millisecond rest.
 */
export function sleepUntil(deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const step = (): void => {
      const rem = deadline - performance.now();
      if (rem <= 0) resolve();
      else if (rem > 2) setTimeout(step, rem - 1.5);
      else setImmediate(step);
    };
    step();
  });
}
