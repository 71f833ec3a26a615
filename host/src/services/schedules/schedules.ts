import { EventEmitter } from 'node:events';
import { Esp32CamError } from '../../errors.js';
import { logger } from '../../log/index.js';
import type { Cameras } from '../cameras/index.js';
import type { FsPort } from '../fs-port.js';
import type { PhotoRecord } from '../photo-record.js';
import type { PhotoStore } from '../photo-store.js';
import { systemClock, type Clock } from './clock.js';
import { ScheduleFile, freshState, type KeptSchedule, type SlotOutcome, type SlotRecord } from './schedule-file.js';
import { ScheduleRunner } from './schedule-runner.js';
import { MAX_PER_CAMERA, MAX_SCHEDULES, changedSpecInput, checkSpec, draftId, newSpecInput, type ScheduleSpec } from './schedule-spec.js';

const serviceLog = logger('service');

/** A schedule as the API shows it: what it is, what comes next, and what became of its slots. */
export type ScheduleView = ScheduleSpec & {
  nextAt: string | null;
  lastAt: string | null;
  lastOutcome: SlotOutcome | null;
  counts: Record<SlotOutcome, number>;
  /** The last slots, oldest first. */
  history: SlotRecord[];
  /** Photos of this schedule kept, and their bytes. */
  photos: number;
  bytes: number;
};

/** Whether each camera may be asked for a photo: HealthMonitors, seen through what the schedules need. */
export interface CameraAvailability {
  /** Why `camera` cannot take a photo now, or undefined when it may be asked. */
  unavailable(camera: string): string | undefined;
}

export interface SchedulesOptions {
  cameras: Cameras;
  store: PhotoStore;
  dataDir: string;
  availability: CameraAvailability;
  /** Wall clock and timers; tests fake them. */
  clock?: Clock;
  fs?: FsPort;
}

type Events = { change: [ScheduleView]; delete: [{ camera: string; id: string }] };

/**
 * Every camera's schedules: kept in dataDir/schedules, each with its own timer, retention and history.
 * Scheduled photos of one camera are taken one after another, and never by sharing a photo taken by hand.
 */
export class Schedules extends EventEmitter<Events> {
  private readonly runners = new Map<string, ScheduleRunner>();
  private readonly lanes = new Map<string, Promise<unknown>>();
  private closed = false;
  private readonly onDeleted = (e: { schedule?: string }): void => {
    const runner = e.schedule === undefined ? undefined : this.runners.get(e.schedule);
    if (runner && !this.closed) this.emit('change', this.view(runner));
  };

  private constructor(
    private readonly opts: SchedulesOptions & { clock: Clock },
    private readonly files: Map<string, ScheduleFile>,
  ) {
    super();
  }

  /** Reads every camera's schedules, sets their retention in the store, and starts their timers. */
  static async open(options: SchedulesOptions): Promise<Schedules> {
    const opts = { ...options, clock: options.clock ?? systemClock };
    const files = new Map<string, ScheduleFile>();
    const kept: KeptSchedule[] = [];
    for (const camera of opts.cameras.names()) {
      const opened = await ScheduleFile.open(opts.dataDir, camera, opts.fs);
      files.set(camera, opened.file);
      kept.push(...opened.kept);
    }
    const schedules = new Schedules(opts, files);
    for (const { spec, state } of kept) {
      if (schedules.runners.has(spec.id)) {
        serviceLog.warn(`schedule id "${spec.id}" is kept for two cameras; the one of camera "${spec.camera}" is ignored`);
        continue;
      }
      schedules.runners.set(spec.id, schedules.runner(spec, state));
      await opts.store.setScheduleRetention(spec.id, spec.retention);
    }
    for (const runner of schedules.runners.values()) runner.start();
    opts.store.on('deleted', schedules.onDeleted);
    return schedules;
  }

  /** Every schedule, or one camera's (E_NOT_FOUND for a camera there is not). */
  list(camera?: string): ScheduleView[] {
    if (camera !== undefined) this.opts.cameras.get(camera);
    return [...this.runners.values()].filter((r) => camera === undefined || r.spec.camera === camera).map((r) => this.view(r));
  }

  get(camera: string, id: string): ScheduleView {
    return this.view(this.find(camera, id));
  }

  /** Adds a schedule to `camera`; it is kept on disk before this resolves. */
  async add(camera: string, body: unknown): Promise<ScheduleView> {
    if (!this.opts.cameras.names().includes(camera)) {
      throw new Esp32CamError('E_BAD_INPUT', `camera: there is no camera "${camera}"`, `The cameras are ${this.opts.cameras.names().join(', ')}.`);
    }
    const spec = checkSpec(
      newSpecInput(body, camera, (draft) => this.freeId(draftId(draft), camera)),
      this.opts.clock.now(),
    );
    this.checkRoom(spec);
    const runner = this.runner(spec, freshState());
    this.runners.set(spec.id, runner);
    try {
      await this.save(camera);
    } catch (err) {
      this.runners.delete(spec.id);
      throw err;
    }
    await this.opts.store.setScheduleRetention(spec.id, spec.retention);
    runner.start();
    serviceLog.info(`schedule "${spec.id}" added to camera "${camera}": ${describe(spec)}`);
    return this.view(runner);
  }

  /** Changes the fields given; a change of timing starts afresh from now. */
  async update(camera: string, id: string, body: unknown): Promise<ScheduleView> {
    const runner = this.find(camera, id);
    const before = runner.spec;
    const spec = checkSpec(changedSpecInput(before, body), this.opts.clock.now());
    runner.spec = spec;
    try {
      await this.save(camera);
    } catch (err) {
      runner.spec = before;
      throw err;
    }
    runner.spec = before;
    runner.change(spec);
    await this.opts.store.setScheduleRetention(id, spec.retention);
    this.emit('change', this.view(runner));
    return this.view(runner);
  }

  /** Deletes a schedule. Its photos stay, under the overall limits only (scheduled photos go first there). */
  async remove(camera: string, id: string): Promise<void> {
    const runner = this.find(camera, id);
    this.runners.delete(id);
    await runner.stop();
    await this.save(camera);
    await this.opts.store.setScheduleRetention(id, undefined);
    serviceLog.info(`schedule "${id}" of camera "${camera}" deleted; its ${this.opts.store.scheduleStats(id).photos} photo(s) stay`);
    this.emit('delete', { camera, id });
  }

  /** Stops every timer, waits for the photos under way and for the files to be written. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.opts.store.off('deleted', this.onDeleted);
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    await Promise.allSettled([...this.files.keys()].map((camera) => this.save(camera)));
    await Promise.all([...this.files.values()].map((f) => f.flush()));
  }

  private runner(spec: ScheduleSpec, state: KeptSchedule['state']): ScheduleRunner {
    return new ScheduleRunner(spec, state, {
      clock: this.opts.clock,
      capture: (s) => this.shoot(s),
      unavailable: (camera) => this.opts.availability.unavailable(camera),
      changed: (runner) => this.changed(runner),
    });
  }

  /** A slot's outcome or a new plan: kept (without waiting) and sent to the pages. */
  private changed(runner: ScheduleRunner): void {
    if (this.closed || this.runners.get(runner.spec.id) !== runner) return;
    this.save(runner.spec.camera).catch((err: unknown) => {
      serviceLog.warn(`could not keep the state of schedule "${runner.spec.id}": ${err instanceof Error ? err.message : String(err)}`);
    });
    this.emit('change', this.view(runner));
  }

  /** One scheduled photo, after the camera's other scheduled photos (a capture shares a photo only within one schedule). */
  private shoot(spec: ScheduleSpec): Promise<PhotoRecord> {
    const previous = this.lanes.get(spec.camera) ?? Promise.resolve();
    const run = previous.then(() => {
      const camera = this.opts.cameras.get(spec.camera);
      return camera.capture({ schedule: spec.id, ...(spec.flash !== undefined ? { flash: spec.flash } : {}) });
    });
    const settled = run.catch(() => undefined);
    this.lanes.set(spec.camera, settled);
    void settled.then(() => {
      if (this.lanes.get(spec.camera) === settled) this.lanes.delete(spec.camera);
    });
    return run;
  }

  private save(camera: string): Promise<void> {
    const file = this.files.get(camera);
    if (!file) return Promise.resolve();
    const kept = [...this.runners.values()].filter((r) => r.spec.camera === camera).map((r) => ({ spec: r.spec, state: r.state }));
    return file.save(kept);
  }

  private find(camera: string, id: string): ScheduleRunner {
    this.opts.cameras.get(camera);
    const runner = this.runners.get(id);
    if (!runner || runner.spec.camera !== camera) {
      throw new Esp32CamError('E_NOT_FOUND', `Camera "${camera}" has no schedule "${id}"`, `GET /api/cameras/${camera}/schedules lists its schedules.`);
    }
    return runner;
  }

  private checkRoom(spec: ScheduleSpec): void {
    if (this.runners.has(spec.id)) {
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `id: "${spec.id}" is taken by a schedule of camera "${this.runners.get(spec.id)!.spec.camera}"`,
        'Choose another id, or leave it out to have one made.',
      );
    }
    const { store } = this.opts;
    const own = store.list({ schedule: spec.id, camera: spec.camera, limit: 1 }).total;
    if (store.scheduleStats(spec.id).photos > own) {
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `id: photos of another camera's deleted schedule "${spec.id}" are kept under this id`,
        'Choose another id, or leave it out to have one made.',
      );
    }
    const onCamera = [...this.runners.values()].filter((r) => r.spec.camera === spec.camera).length;
    if (onCamera >= MAX_PER_CAMERA) {
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `camera: "${spec.camera}" has ${onCamera} schedules, the most a camera may have`,
        'Delete one, or change one instead of adding another.',
      );
    }
    if (this.runners.size >= MAX_SCHEDULES) {
      throw new Esp32CamError('E_BAD_INPUT', `The service has ${this.runners.size} schedules, the most it takes`, 'Delete a schedule before adding another.');
    }
  }

  /** `base`, or `base-2`, `base-3`…: an id no schedule has, under which no photos are kept. */
  private freeId(base: string, camera: string): string {
    const taken = (id: string): boolean =>
      this.runners.has(id) || this.opts.store.scheduleStats(id).photos > this.opts.store.list({ schedule: id, camera, limit: 1 }).total;
    if (!taken(base)) return base;
    for (let n = 2; ; n++) {
      const id = `${base.slice(0, 36)}-${n}`;
      if (!taken(id)) return id;
    }
  }

  private view(runner: ScheduleRunner): ScheduleView {
    const { spec, state, last } = runner;
    return {
      ...structuredClone(spec),
      nextAt: runner.nextAt === null ? null : new Date(runner.nextAt).toISOString(),
      lastAt: last ? (last.until ?? last.at) : null,
      lastOutcome: last?.outcome ?? null,
      counts: { ...state.counts },
      history: structuredClone(state.history),
      ...this.opts.store.scheduleStats(spec.id),
    };
  }
}

function describe(spec: ScheduleSpec): string {
  const timing = spec.every !== undefined ? `every ${spec.every} s` : `cron "${spec.cron}"`;
  return `${timing}${spec.enabled ? '' : ' (disabled)'}, keeping ${JSON.stringify(spec.retention)}`;
}
