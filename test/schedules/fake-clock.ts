import type { Clock, TimerHandle } from '../../host/src/services/schedules/index.js';

/**
 * A clock the test moves by hand. Like the real one it has two sides: the wall clock (`now`), which may be
 * set forward or back (`jump`), and elapsed time, which only `advance` moves and which alone fires timers.
 */
export class FakeClock implements Clock {
  private elapsed = 0;
  private offset: number;
  private readonly timers = new Map<number, { due: number; fn: () => void }>();
  private seq = 0;

  constructor(start: number) {
    this.offset = start;
  }

  now(): number {
    return this.offset + this.elapsed;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { due: this.elapsed + ms, fn });
    return id;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Lets `ms` pass: every timer due meanwhile fires at its own time, in order, including ones set by those. */
  advance(ms: number): void {
    const target = this.elapsed + ms;
    for (;;) {
      let next: [number, { due: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].due <= target && (!next || entry[1].due < next[1].due)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.elapsed = Math.max(this.elapsed, next[1].due);
      next[1].fn();
    }
    this.elapsed = target;
  }

  /** Lets time pass until the wall clock reads `at`. */
  advanceTo(at: number): void {
    this.advance(Math.max(0, at - this.now()));
  }

  /** Sets the wall clock forward (or back, with a negative `ms`) without any time passing. */
  jump(ms: number): void {
    this.offset += ms;
  }

  /** How many timers are set: a schedule always has one while enabled. */
  get pending(): number {
    return this.timers.size;
  }
}
