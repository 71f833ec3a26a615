/**
 * Runs async jobs one at a time, in arrival order. Every transaction with one camera goes through one queue:
 * the slave answers in a FIFO ring, so two callers interleaving writes and reads would read each other's replies.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  run<T>(job: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(job);
    this.tail = result.then(
      () => this.waiting--,
      () => this.waiting--,
    );
    return result;
  }

  /** Jobs queued or running. */
  get depth(): number {
    return this.waiting;
  }
}
