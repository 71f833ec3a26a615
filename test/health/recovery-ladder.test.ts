import { describe, expect, it } from 'vitest';
import { DEFAULT_RECOVERY, RecoveryLadder, type LadderContext } from '../../host/src/services/health/recovery-ladder.js';

const HOUR = 3_600_000;
const ctx = (over: Partial<LadderContext> = {}): LadderContext => ({ protocol2: true, canReset: true, scriptMissing: false, now: 0, ...over });
const fixed = (value: number) => () => value;

describe('the recovery ladder', () => {
  it('retries with doubling backoff, then resyncs, resets, and gives up with a slow retry', () => {
    const ladder = new RecoveryLadder({ ...DEFAULT_RECOVERY, retries: 3, backoffMs: 1000, maxBackoffMs: 3000, jitter: 0 });
    const steps = Array.from({ length: 6 }, () => ladder.next(ctx()));
    expect(steps.map((s) => [s.step, s.waitMs])).toEqual([
      ['retry', 1000],
      ['retry', 2000],
      ['retry', 3000],
      ['resync', 0],
      ['reset', 0],
      ['give-up', DEFAULT_RECOVERY.giveUpRetryMs],
    ]);
    // After giving up it starts again from the bottom.
    expect(ladder.next(ctx()).step).toBe('retry');
  });

  it('spreads each wait by the jitter and no further', () => {
    const low = new RecoveryLadder({ ...DEFAULT_RECOVERY, backoffMs: 1000, jitter: 0.2 }, fixed(0));
    const high = new RecoveryLadder({ ...DEFAULT_RECOVERY, backoffMs: 1000, jitter: 0.2 }, fixed(0.999999));
    expect(low.next(ctx()).waitMs).toBe(800);
    expect(high.next(ctx()).waitMs).toBe(1200);
  });

  it('skips resync for a legacy camera and a reset without a free port, saying why', () => {
    const ladder = new RecoveryLadder({ ...DEFAULT_RECOVERY, retries: 0 });
    const decision = ladder.next(ctx({ protocol2: false, canReset: false }));
    expect(decision.step).toBe('give-up');
    expect(decision.skipped).toEqual(['no resync: the camera does not speak protocol 2', 'no reset: the board’s serial port is unknown or in use']);
  });

  it('re-pushes only when the board sat at its REPL without the script, and only with autoRepush', () => {
    const on = new RecoveryLadder({ ...DEFAULT_RECOVERY, retries: 0, autoRepush: true });
    expect([on.next(ctx()), on.next(ctx()), on.next(ctx({ scriptMissing: true }))].map((d) => d.step)).toEqual(['resync', 'reset', 'repush']);
    const off = new RecoveryLadder({ ...DEFAULT_RECOVERY, retries: 0, autoRepush: false });
    off.next(ctx());
    off.next(ctx());
    const last = off.next(ctx({ scriptMissing: true }));
    expect(last.step).toBe('give-up');
    expect(last.skipped).toContain('no re-push: autoRepush is off');
  });

  it('never resets more than the hourly cap, and allows resets again once the hour has passed', () => {
    const ladder = new RecoveryLadder({ ...DEFAULT_RECOVERY, retries: 0, resync: false, maxResetsPerHour: 2 });
    const resetsAt = (now: number): string[] => {
      const steps: string[] = [];
      for (;;) {
        const d = ladder.next(ctx({ now }));
        steps.push(d.step);
        if (d.step === 'reset') ladder.countReset(now);
        if (d.step === 'give-up') return steps;
      }
    };
    expect(resetsAt(0)).toEqual(['reset', 'give-up']);
    expect(resetsAt(1000)).toEqual(['reset', 'give-up']);
    expect(resetsAt(2000)).toEqual(['give-up']);
    expect(ladder.resetsInLastHour(2000)).toBe(2);
    expect(resetsAt(HOUR + 1)).toEqual(['reset', 'give-up']);
  });

  it('waits longer after each give-up in a row, up to an hour, and from the start again once the camera answers', () => {
    const ladder = new RecoveryLadder({ ...DEFAULT_RECOVERY, retries: 0, resync: false, serialReset: false, giveUpRetryMs: 10 * 60_000 });
    const waits = Array.from({ length: 5 }, () => ladder.next(ctx()).waitMs / 60_000);
    expect(waits).toEqual([10, 20, 40, 60, 60]);
    ladder.succeeded();
    expect(ladder.next(ctx()).waitMs).toBe(10 * 60_000);
  });

  it('starts from the bottom after the camera answers', () => {
    const ladder = new RecoveryLadder({ ...DEFAULT_RECOVERY, retries: 1, jitter: 0 });
    expect(ladder.next(ctx()).step).toBe('retry');
    expect(ladder.next(ctx()).step).toBe('resync');
    ladder.succeeded();
    expect(ladder.next(ctx()).step).toBe('retry');
  });
});
