/** A timer the clock set; only the clock that made it can clear it. */
export type TimerHandle = unknown;

/**
 * Wall-clock time and timers, injected so tests can fake both. `now` is the wall clock (slots are wall-clock
 * times, and it may jump); a timer runs after `ms` of elapsed time whatever the wall clock does, as
 * setTimeout does.
 */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const timer = setTimeout(fn, ms);
    // A schedule alone must not keep a CLI or a test process alive.
    timer.unref();
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
