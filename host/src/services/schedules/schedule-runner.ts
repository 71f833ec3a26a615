import { Esp32CamError } from '../../errors.js';
import { logger } from '../../log/index.js';
import { errorPayload } from '../error-payload.js';
import type { PhotoRecord } from '../photo-record.js';
import type { Clock, TimerHandle } from './clock.js';
import { HISTORY_LENGTH, type ScheduleState, type SlotRecord } from './schedule-file.js';
import { slotsOf, type ScheduleSpec } from './schedule-spec.js';
import type { Slots } from './slots.js';

const serviceLog = logger('service');

/** Timers wake at least this often, so a wall clock that jumped is noticed within a minute. */
const MAX_TIMER_MS = 60_000;
/** A timer that fires this much before the wall clock says it should means the clock was set back. */
const BACKWARD_TOLERANCE_MS = 2_000;
/** Slots missed together are counted up to this many. */
const COUNT_CAP = 1_000_000;

export interface RunnerDeps {
  clock: Clock;
  /** Takes and stores the schedule's photo. */
  capture(spec: ScheduleSpec): Promise<PhotoRecord>;
  /** Why the camera cannot take a photo now (offline, recovering), or undefined when it may be asked. */
  unavailable(camera: string): string | undefined;
  /** The runner's state changed: keep it and tell the pages. */
  changed(runner: ScheduleRunner): void;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * One schedule's timer and what became of each slot. A slot is taken when it comes, or recorded as missed
 * (the camera is offline or recovering, or the previous photo still runs) or failed (the capture failed),
 * and never taken late: slots that passed unseen (the service stopped, the clock jumped, the process was
 * held up) are recorded once, together, and the schedule goes on from the next slot.
 */
export class ScheduleRunner {
  /** The slot the timer waits for; null while disabled. */
  nextAt: number | null = null;
  private slots: Slots;
  private timer: TimerHandle | undefined;
  private armedAt = 0;
  private armedFor = 0;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    public spec: ScheduleSpec,
    readonly state: ScheduleState,
    private readonly deps: RunnerDeps,
  ) {
    this.slots = slotsOf(spec);
  }

  /**
   * Starts the timer. Slots that came since the state was last kept (the service was not running) are
   * recorded as one missed entry; none is taken late.
   */
  start(): void {
    this.clearTimer();
    const now = this.deps.clock.now();
    const since = this.state.checkedUntil;
    if (this.spec.enabled && since !== null && since < now) {
      const count = this.slots.count(since, now, COUNT_CAP);
      if (count > 0) {
        this.record({
          at: iso(this.slots.next(since)!),
          outcome: 'missed',
          reason: 'the service was not running',
          ...(count > 1 ? { slots: count, until: iso(this.slots.previous(now)!) } : {}),
        });
      }
    }
    this.plan(now);
  }

  /** Takes a changed spec. A new timing, or a schedule enabled again, starts afresh from now: nothing is owed. */
  change(spec: ScheduleSpec): void {
    const retimed = spec.every !== this.spec.every || spec.cron !== this.spec.cron || spec.enabled !== this.spec.enabled;
    this.spec = spec;
    if (!retimed) return;
    this.slots = slotsOf(spec);
    this.clearTimer();
    this.plan(this.deps.clock.now());
  }

  /** Stops the timer; resolves once a photo under way is recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    this.nextAt = null;
    await this.running;
  }

  /** The newest slot recorded: `until` for a run of missed ones. */
  get last(): SlotRecord | undefined {
    return this.state.history.at(-1);
  }

  private plan(now: number): void {
    this.state.checkedUntil = now;
    this.nextAt = this.spec.enabled && !this.stopped ? this.slots.next(now) : null;
    this.arm();
    this.deps.changed(this);
  }

  private arm(): void {
    if (this.nextAt === null || this.stopped) return;
    const now = this.deps.clock.now();
    this.armedAt = now;
    this.armedFor = Math.min(MAX_TIMER_MS, Math.max(0, this.nextAt - now));
    this.timer = this.deps.clock.setTimer(() => this.wake(), this.armedFor);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private wake(): void {
    this.timer = undefined;
    if (this.stopped || this.nextAt === null) return;
    const now = this.deps.clock.now();
    if (now < this.armedAt + this.armedFor - BACKWARD_TOLERANCE_MS) {
      serviceLog.info(`schedule "${this.spec.id}": the clock went back; going on from the next slot after ${iso(now)}`);
      this.plan(now);
      return;
    }
    if (now < this.nextAt) {
      this.arm();
      return;
    }
    const due = this.nextAt;
    const latest = this.slots.previous(now) ?? due;
    const following = this.slots.next(latest);
    const period = following === null ? MAX_TIMER_MS : following - latest;
    // A slot is taken a little late (a busy event loop), never long after: then it is missed like the others.
    const grace = Math.min(MAX_TIMER_MS, Math.max(1000, period / 2));
    const takeLatest = now - latest <= grace;
    const passed = 1 + this.slots.count(due, latest, COUNT_CAP);
    const missed = takeLatest ? passed - 1 : passed;
    if (missed > 0) {
      const until = takeLatest ? this.slots.previous(latest - 1)! : latest;
      serviceLog.info(`schedule "${this.spec.id}": ${missed} slot(s) from ${iso(due)} passed unseen (the clock jumped ahead, or the service was held up)`);
      this.record({
        at: iso(due),
        outcome: 'missed',
        reason: 'the slot passed unseen: the clock jumped ahead, or the service was held up',
        ...(missed > 1 ? { slots: missed, until: iso(until) } : {}),
      });
    }
    this.state.checkedUntil = latest;
    this.nextAt = following;
    this.arm();
    if (takeLatest) this.take(latest);
    else this.deps.changed(this);
  }

  private take(at: number): void {
    if (this.running) {
      this.record({ at: iso(at), outcome: 'missed', reason: 'the previous photo of this schedule was still being taken' });
      return;
    }
    const why = this.deps.unavailable(this.spec.camera);
    if (why !== undefined) {
      this.record({ at: iso(at), outcome: 'missed', reason: why });
      return;
    }
    const spec = this.spec;
    this.running = this.deps
      .capture(spec)
      .then(
        (photo) => this.record({ at: iso(at), outcome: 'taken', photo: photo.id }),
        (err: unknown) => {
          const e = errorPayload(err);
          const detail = err instanceof Esp32CamError ? `${e.message} (${e.code})` : err instanceof Error ? (err.stack ?? err.message) : String(err);
          serviceLog.warn(`schedule "${spec.id}": the photo due at ${iso(at)} failed: ${detail}`);
          this.record({ at: iso(at), outcome: 'failed', reason: `${e.message} (${e.code})` });
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    this.deps.changed(this);
  }

  private record(entry: SlotRecord): void {
    const { history, counts } = this.state;
    counts[entry.outcome] += entry.slots ?? 1;
    // Outcomes arrive as photos finish: a slot missed meanwhile may be recorded before an earlier one taken.
    let i = history.length;
    while (i > 0 && history[i - 1].at > entry.at) i--;
    history.splice(i, 0, entry);
    if (history.length > HISTORY_LENGTH) history.splice(0, history.length - HISTORY_LENGTH);
    this.deps.changed(this);
  }
}
