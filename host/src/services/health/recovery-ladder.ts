/**
 * The recovery ladder's policy, apart from the I/O that carries it out: which step comes next, how long to
 * wait before it, and when resets must stop. Pure and clock-free (the caller passes `now` and a random
 * source), so every path is tested without a board or a timer.
 *
 *   retry (× retries, backoff with jitter) → resync (protocol 2) → reset (EN through RTS, capped
 *   per hour) → repush (only when the board answers on its REPL but not on I2C, and autoRepush is on)
 *   → give up (offline with an alert; the ladder starts again after giveUpRetryMs, doubling while it keeps failing)
 */
import type { RecoverySettings } from '../../config/schema.js';

const HOUR_MS = 60 * 60_000;

export type RecoveryStep = 'retry' | 'resync' | 'reset' | 'repush' | 'give-up';

export type { RecoverySettings };

export const DEFAULT_RECOVERY: RecoverySettings = {
  retries: 3,
  backoffMs: 2_000,
  maxBackoffMs: 60_000,
  jitter: 0.2,
  resync: true,
  serialReset: true,
  autoRepush: false,
  maxResetsPerHour: 3,
  giveUpRetryMs: 10 * 60_000,
};

/** What the ladder may use for this camera right now. */
export interface LadderContext {
  /** The camera spoke protocol 2 when it last answered. */
  protocol2: boolean;
  /** A reset line is available: the board's serial port is known and free, or a GPIO is wired to EN. */
  canReset: boolean;
  /** The last reset showed a board at its REPL with no slave on I2C. */
  scriptMissing: boolean;
  now: number;
}

export interface LadderDecision {
  step: RecoveryStep;
  /** Wait this long before the step. */
  waitMs: number;
  /** Why a step was skipped on the way, for the event (e.g. "no reset: 3 resets in the last hour"). */
  skipped: string[];
}

export class RecoveryLadder {
  private retries = 0;
  private giveUps = 0;
  private resynced = false;
  private resetDone = false;
  private repushed = false;
  private readonly resets: number[] = [];

  constructor(
    readonly settings: RecoverySettings = DEFAULT_RECOVERY,
    private readonly random: () => number = Math.random,
  ) {}

  /** Retries made since the camera last answered. */
  get retriesDone(): number {
    return this.retries;
  }

  /** The camera answers again: the next trouble starts from the bottom of the ladder, with no give-ups behind it. */
  succeeded(): void {
    this.giveUps = 0;
    this.restart();
  }

  private restart(): void {
    this.retries = 0;
    this.resynced = false;
    this.resetDone = false;
    this.repushed = false;
  }

  /** Decides the next step after a failed check or step. */
  next(ctx: LadderContext): LadderDecision {
    const s = this.settings;
    const skipped: string[] = [];
    if (this.retries < s.retries) {
      const waitMs = this.backoff(this.retries);
      this.retries++;
      return { step: 'retry', waitMs, skipped };
    }
    if (!this.resynced) {
      this.resynced = true;
      if (!s.resync) skipped.push('resync is turned off');
      else if (!ctx.protocol2) skipped.push('no resync: the camera does not speak protocol 2');
      else return { step: 'resync', waitMs: 0, skipped };
    }
    if (!this.resetDone) {
      this.resetDone = true;
      const recent = this.resetsInLastHour(ctx.now);
      if (!s.serialReset) skipped.push('hardware reset is turned off');
      else if (!ctx.canReset) skipped.push('no reset: the board’s serial port is unknown or in use');
      else if (recent >= s.maxResetsPerHour) skipped.push(`no reset: ${recent} resets in the last hour (at most ${s.maxResetsPerHour})`);
      else return { step: 'reset', waitMs: 0, skipped };
    }
    if (ctx.scriptMissing && !this.repushed) {
      this.repushed = true;
      if (s.autoRepush) return { step: 'repush', waitMs: 0, skipped };
      skipped.push('no re-push: autoRepush is off');
    }
    // Back to the bottom after the slow wait, by then a reset may be allowed again; each give-up in a row waits
    // twice as long as the one before, up to an hour (or giveUpRetryMs, when that is longer).
    const waitMs = Math.min(s.giveUpRetryMs * 2 ** this.giveUps, Math.max(s.giveUpRetryMs, HOUR_MS));
    this.giveUps++;
    this.restart();
    return { step: 'give-up', waitMs, skipped };
  }

  /** Records a hardware reset that was done, for the hourly cap. */
  countReset(now: number): void {
    this.resets.push(now);
  }

  resetsInLastHour(now: number): number {
    while (this.resets.length > 0 && this.resets[0]! <= now - HOUR_MS) this.resets.shift();
    return this.resets.length;
  }

  private backoff(n: number): number {
    const { backoffMs, maxBackoffMs, jitter } = this.settings;
    const base = Math.min(backoffMs * 2 ** n, maxBackoffMs);
    return Math.max(0, Math.round(base * (1 + jitter * (2 * this.random() - 1))));
  }
}
