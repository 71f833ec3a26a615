import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Esp32CamError } from '../errors.js';
import { errorPayload, type ErrorPayload } from './error-payload.js';
import type { PortClaims } from './serial/port-claims.js';
import { logger } from '../log/index.js';

export type JobState = 'running' | 'done' | 'failed';

/** What a job does: write firmware, or push scripts. Every job and every job event says which. */
export type JobKind = 'flash' | 'push';

/** A job as GET …/jobs/:id returns it; `X` adds the kind's own facts (a flash job's image size). */
export type JobSnapshot<P, R, X extends object = object> = {
  id: string;
  kind: JobKind;
  port: string;
  state: JobState;
  startedAt: string;
  finishedAt?: string;
  progress?: P;
  result?: R;
  error?: ErrorPayload;
  log: string[];
} & X;

/** The events a runner emits, which socket.io forwards to every page as they are; each names its job's kind. */
export interface JobEvents<P, R, S> {
  'job:started': [{ kind: JobKind; job: S }];
  'job:progress': [{ id: string; kind: JobKind } & P];
  'job:log': [{ id: string; kind: JobKind; line: string }];
  'job:done': [{ id: string; kind: JobKind; result: R }];
  'job:failed': [{ id: string; kind: JobKind; error: ErrorPayload }];
}

/** What a job's work reports through. */
export interface JobContext<P> {
  readonly id: string;
  readonly port: string;
  /** Records the progress; sent to the pages when the phase changes, when `last`, or at most every 100 ms. */
  progress(progress: P, last?: boolean): void;
  line(text: string): void;
}

export interface JobRunnerOptions<P, R, S> {
  /** Where the job events go: the owner (FlashJobs, PushJobs) is the EventEmitter the service relays. */
  events: EventEmitter<JobEvents<P, R, S>>;
  kind: JobKind;
  /** "flash job", "push job": named in errors and in the service log. */
  noun: string;
  /** Where an id comes from, for the "not an id" hint: "the id that POST /api/firmware returned". */
  idSource: string;
  claims: PortClaims;
  /** The refusal a second job for a busy port gets. */
  busyMessage: (path: string, id: string) => string;
  busyHint: string;
  log?: (line: string) => void;
}

/** Finished jobs kept for GET …/jobs/:id. */
const KEEP_FINISHED = 20;
/** Keeps a few hundred lines: a manual reset counts down once per connect attempt. */
const MAX_LOG_LINES = 300;
const PROGRESS_EVERY_MS = 100;
const JOB_ID = /^[0-9a-f]{16}$/;

class JobRecord<P, R, X extends object> {
  readonly startedAt = new Date();
  state: JobState = 'running';
  finishedAt: Date | undefined;
  progress: P | undefined;
  result: R | undefined;
  error: ErrorPayload | undefined;
  readonly lines: string[] = [];

  constructor(
    readonly id: string,
    readonly kind: JobKind,
    readonly port: string,
    readonly extra: X,
  ) {}

  addLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > MAX_LOG_LINES) this.lines.splice(0, this.lines.length - MAX_LOG_LINES);
  }

  snapshot(): JobSnapshot<P, R, X> {
    return {
      id: this.id,
      kind: this.kind,
      port: this.port,
      ...this.extra,
      state: this.state,
      startedAt: this.startedAt.toISOString(),
      ...(this.finishedAt ? { finishedAt: this.finishedAt.toISOString() } : {}),
      ...(this.progress ? { progress: { ...this.progress } } : {}),
      ...(this.result ? { result: this.result } : {}),
      ...(this.error ? { error: this.error } : {}),
      log: [...this.lines],
    } as JobSnapshot<P, R, X>;
  }
}

/**
 * Background work on a board while pages watch: one job per port (claimed for the job's whole run), an id
 * to ask about it later, progress throttled for the pages, log lines, and the result or the error as events.
 * Flash jobs and script-push jobs are both run by one of these.
 */
export class JobRunner<P extends object, R, X extends object = object> {
  private readonly jobs = new Map<string, JobRecord<P, R, X>>();
  private readonly running = new Set<Promise<void>>();
  private readonly opts: JobRunnerOptions<P, R, JobSnapshot<P, R, X>>;
  private closed = false;

  constructor(opts: JobRunnerOptions<P, R, JobSnapshot<P, R, X>>) {
    this.opts = opts;
  }

  private emit<K extends keyof JobEvents<P, R, JobSnapshot<P, R, X>>>(name: K, ...event: JobEvents<P, R, JobSnapshot<P, R, X>>[K]): void {
    (this.opts.events.emit as (name: K, ...args: unknown[]) => boolean)(name, ...event);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Claims `path` (E_PORT_BUSY when another job or the console has it), starts `work` in the background and
   * returns the job's first snapshot. `firstLine` and `doneLine` frame the job's log.
   */
  start(path: string, extra: X, work: (ctx: JobContext<P>) => Promise<R>, lines: { first?: string; done?: (result: R) => string } = {}): JobSnapshot<P, R, X> {
    if (this.closed) throw new Esp32CamError('E_CLOSED', 'The service is shutting down', `Start the ${this.opts.noun} again once the service is back.`);
    const id = this.newId();
    const release = this.opts.claims.claim(path, {
      name: `${this.opts.noun} ${id}`,
      busyMessage: (p) => this.opts.busyMessage(p, id),
      busyHint: this.opts.busyHint,
    });
    const job = new JobRecord<P, R, X>(id, this.opts.kind, path, extra);
    this.jobs.set(id, job);
    this.forgetOldJobs();
    this.emit('job:started', { kind: this.opts.kind, job: job.snapshot() });
    if (lines.first) this.line(job, lines.first);
    // A boot-log listener on the port steps aside before the job opens it.
    const claimed = async (ctx: JobContext<P>): Promise<R> => {
      await this.opts.claims.ready(path);
      return work(ctx);
    };
    const done = this.run(job, claimed, lines.done).finally(() => {
      release();
      this.running.delete(done);
    });
    this.running.add(done);
    return job.snapshot();
  }

  get(id: string): JobSnapshot<P, R, X> {
    if (!JOB_ID.test(id)) throw new Esp32CamError('E_BAD_ID', `"${id}" is not a ${this.opts.noun} id`, `Use ${this.opts.idSource}.`);
    const job = this.jobs.get(id);
    if (!job)
      throw new Esp32CamError(
        'E_NOT_FOUND',
        `There is no ${this.opts.noun} ${id}`,
        `Jobs are kept until the service restarts, the last ${KEEP_FINISHED} finished ones only.`,
      );
    return job.snapshot();
  }

  /** Every job kept, newest first. */
  list(): Array<JobSnapshot<P, R, X>> {
    return [...this.jobs.values()].reverse().map((job) => job.snapshot());
  }

  /** Refuses new jobs from now on. */
  stop(): void {
    this.closed = true;
  }

  /** Waits, at most `timeoutMs`, for the running jobs to end. */
  async settled(timeoutMs: number): Promise<void> {
    if (this.running.size === 0) return;
    const timeout = new AbortController();
    await Promise.race([Promise.allSettled([...this.running]), sleep(timeoutMs, undefined, { signal: timeout.signal }).catch(() => undefined)]);
    timeout.abort();
  }

  private async run(job: JobRecord<P, R, X>, work: (ctx: JobContext<P>) => Promise<R>, doneLine?: (result: R) => string): Promise<void> {
    // Jobs log in their kind's namespace: `flash` or `push`.
    const jobLog = logger(this.opts.kind);
    jobLog.info(`${this.opts.noun} ${job.id} started on ${job.port}`);
    let lastSent = 0;
    let lastPhase: unknown;
    const ctx: JobContext<P> = {
      id: job.id,
      port: job.port,
      progress: (progress, last = false) => {
        job.progress = progress;
        const phase = (progress as { phase?: unknown }).phase;
        const now = performance.now();
        if (phase !== lastPhase || last || now - lastSent >= PROGRESS_EVERY_MS) {
          lastSent = now;
          lastPhase = phase;
          this.emit('job:progress', { id: job.id, kind: this.opts.kind, ...progress });
        }
      },
      line: (text) => this.line(job, text),
    };
    try {
      const result = await work(ctx);
      job.result = result;
      job.state = 'done';
      job.finishedAt = new Date();
      if (doneLine) this.line(job, doneLine(result));
      jobLog.info(`${this.opts.noun} ${job.id} on ${job.port} done`);
      this.emit('job:done', { id: job.id, kind: this.opts.kind, result });
    } catch (err) {
      const error = errorPayload(err);
      if (!(err instanceof Esp32CamError)) {
        if (this.opts.log)
          this.opts.log(`esp32cam: ${this.opts.noun} ${job.id} failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        else jobLog.error(`${this.opts.noun} ${job.id} failed unexpectedly`, err);
      }
      jobLog.info(`${this.opts.noun} ${job.id} on ${job.port} failed: ${error.message} (${error.code})`);
      job.error = error;
      job.state = 'failed';
      job.finishedAt = new Date();
      this.emit('job:failed', { id: job.id, kind: this.opts.kind, error });
    }
  }

  private line(job: JobRecord<P, R, X>, line: string): void {
    job.addLine(line);
    logger(this.opts.kind).debug(() => `${this.opts.noun} ${job.id}: ${line}`);
    this.emit('job:log', { id: job.id, kind: this.opts.kind, line });
  }

  private newId(): string {
    for (;;) {
      const id = randomBytes(8).toString('hex');
      if (!this.jobs.has(id)) return id;
    }
  }

  private forgetOldJobs(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(job.id);
  }
}
