import { Cron } from 'croner';

/** When one schedule's photos are due: wall-clock times in milliseconds since the epoch. */
export interface Slots {
  /** The first slot strictly after `after`, or null when none comes again. */
  next(after: number): number | null;
  /** The last slot at or before `at`, or null when there was none. */
  previous(at: number): number | null;
  /** How many slots lie in (from, to], counting at most `cap`. */
  count(from: number, to: number, cap: number): number;
}

/**
 * Every `seconds`, on multiples of the period since the Unix epoch: every 60 s falls on the minute and
 * every 3600 s on the hour (UTC), and a restart keeps the same slots.
 */
export function everySlots(seconds: number): Slots {
  const period = seconds * 1000;
  return {
    next: (after) => (Math.floor(after / period) + 1) * period,
    previous: (at) => Math.floor(at / period) * period,
    count: (from, to, cap) => Math.min(cap, Math.max(0, Math.floor(to / period) - Math.floor(from / period))),
  };
}

/** A cron expression through croner, in the service's local time zone. Throws croner's reason for a bad one. */
export function cronSlots(pattern: string): Slots {
  // No callback: croner only computes the times; the scheduler keeps its own (injectable) timers.
  const cron = new Cron(pattern, { paused: true });
  const next = (after: number): number | null => cron.nextRun(new Date(after))?.getTime() ?? null;
  return {
    next,
    // croner counts a run earlier in the same second as the reference, so 1 ms past `at` includes `at`.
    previous: (at) => cron.previousRuns(1, new Date(at + 1))[0]?.getTime() ?? null,
    count(from, to, cap) {
      let count = 0;
      for (let at = next(from); at !== null && at <= to && count < cap; at = next(at)) count++;
      return count;
    },
  };
}

/** The shortest gap between the next `n` slots after `from`, in ms; Infinity when fewer than two come. */
export function shortestGap(slots: Slots, from: number, n: number): number {
  let gap = Infinity;
  let previous = slots.next(from);
  for (let i = 1; previous !== null && i < n; i++) {
    const at = slots.next(previous);
    if (at === null) break;
    gap = Math.min(gap, at - previous);
    previous = at;
  }
  return gap;
}
