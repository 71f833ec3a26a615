import { EventEmitter } from 'node:events';
import { v2 } from '../../../../protocol/src/index.js';
import { Esp32CamError } from '../../errors.js';
import { logger } from '../../log/index.js';
import type { CameraClient } from '../../devices/camera/camera-client.js';
import type { FlashMode } from '../cameras/index.js';
import type { FsPort } from '../fs-port.js';
import { CameraSettingsStore, type SettingsState } from './settings-store.js';

const serviceLog = logger('service');

export const FLASH_MODES: readonly FlashMode[] = ['off', 'on', 'auto'];

/** The health events this service reacts to; HealthMonitors emits a superset. */
export interface ContactEvent {
  camera: string;
  type: string;
  from?: string;
  to?: string;
}

/** Anything that reports when a camera was (re)reached or rebooted: HealthMonitors. */
export interface ContactSource {
  on(event: 'event', listener: (e: ContactEvent) => void): unknown;
  off(event: 'event', listener: (e: ContactEvent) => void): unknown;
  list(): Array<{ name: string; report(): { state: string } }>;
}

export type CameraSettingsView = SettingsState & { camera: string };

/**
 * What this service needs of the cameras: their names, and each one's client. The service's Cameras is one;
 * the CLI, holding a single camera's bus, hands in its own.
 */
export interface SettingsCameras {
  list(): Array<{ name: string }>;
  /** Throws E_NOT_FOUND naming the cameras there are. */
  get(name: string): { camera: { client: Pick<CameraClient, 'applySettings'> } };
}

type Events = { change: [CameraSettingsView] };

/** States a camera comes back from: reaching it from one of these is a first contact, so it may be fresh. */
const UNREACHED = new Set(['unknown', 'offline', 'recovering']);

/**
 * Every camera's wanted settings. The board cannot be asked what it holds and forgets everything when it
 * reboots, so the wanted settings are applied again whenever the health monitors report the camera reached
 * or rebooted. Work on one camera runs one step at a time, so a change and a re-apply never interleave.
 */
export class CameraSettingsService extends EventEmitter<Events> {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly reapplyQueued = new Set<string>();
  private source: ContactSource | undefined;
  private closed = false;
  private readonly onContact = (e: ContactEvent): void => {
    if (e.type === 'reboot') this.scheduleReapply(e.camera, 'the board rebooted', true);
    else if (e.type === 'state' && e.to === 'online' && (e.from === undefined || UNREACHED.has(e.from))) {
      this.scheduleReapply(e.camera, `the camera is reached (${e.from ?? 'unknown'} → online)`, false);
    }
  };

  private constructor(
    private readonly cameras: SettingsCameras,
    private readonly stores: Map<string, CameraSettingsStore>,
  ) {
    super();
  }

  static async open(opts: { cameras: SettingsCameras; dataDir: string; fs?: FsPort }): Promise<CameraSettingsService> {
    const stores = new Map<string, CameraSettingsStore>();
    for (const camera of opts.cameras.list()) stores.set(camera.name, await CameraSettingsStore.open(opts.dataDir, camera.name, { fs: opts.fs }));
    return new CameraSettingsService(opts.cameras, stores);
  }

  /**
   * Follows the cameras' contacts. The monitors ran their first checks before this service could listen,
   * so a camera already online counts as reached now.
   */
  watch(source: ContactSource): void {
    this.source = source;
    source.on('event', this.onContact);
    for (const monitor of source.list()) {
      if (monitor.report().state === 'online') this.scheduleReapply(monitor.name, 'first contact', false);
    }
  }

  get(name: string): CameraSettingsView {
    return { camera: name, ...this.store(name).state };
  }

  list(): CameraSettingsView[] {
    return [...this.stores.keys()].map((name) => this.get(name));
  }

  /**
   * Applies `change` on top of the wanted settings and keeps them once the board took them. A board that
   * cannot take settings (legacy protocol, older script) gets E_UNSUPPORTED and nothing is kept; one that
   * refuses a value keeps what it had.
   */
  set(name: string, change: v2.CameraSettings): Promise<CameraSettingsView> {
    const store = this.store(name);
    const names = Object.keys(change);
    if (names.length === 0) {
      return Promise.reject(
        new Esp32CamError('E_BAD_INPUT', 'No setting was given', `Send at least one of ${v2.SETTING_NAMES.join(', ')}, e.g. {"framesize": 8, "quality": 12}.`),
      );
    }
    for (const [setting, value] of Object.entries(change)) {
      const problem = v2.settingProblem(setting, value);
      if (problem) return Promise.reject(new Esp32CamError('E_BAD_INPUT', `Bad camera setting: ${problem}`, rangesHint()));
    }
    return this.serially(name, async () => {
      const wanted = { ...store.state.wanted, ...change };
      try {
        const applied = await this.camera(name).applySettings(wanted);
        this.record(name, { wanted, applied, appliedAt: Date.now(), supported: true, lastError: null });
      } catch (err) {
        if (err instanceof Esp32CamError && err.code === 'E_UNSUPPORTED') this.record(name, { supported: false, lastError: errorOf(err) });
        throw err;
      }
      return this.get(name);
    });
  }

  /**
   * Applies `change` when it has any setting, then sets the flash mode when one is given: when the board
   * refuses the settings (a legacy slave), the flash mode stays as it was too.
   */
  async update(name: string, change: v2.CameraSettings, flash?: FlashMode): Promise<CameraSettingsView> {
    let view = flash === undefined || Object.keys(change).length > 0 ? await this.set(name, change) : this.get(name);
    if (flash !== undefined) view = this.setFlash(name, flash);
    return view;
  }

  /**
   * Asks the board what it holds (SETTINGS with no pairs changes nothing) and records that as applied: for
   * when the host does not know, e.g. before anything was wanted or after a reboot. A legacy board gets
   * E_UNSUPPORTED, and is recorded as not taking settings.
   */
  read(name: string): Promise<CameraSettingsView> {
    this.store(name);
    return this.serially(name, async () => {
      try {
        const applied = await this.camera(name).applySettings({});
        this.record(name, { applied, appliedAt: Date.now(), supported: true });
      } catch (err) {
        if (err instanceof Esp32CamError && err.code === 'E_UNSUPPORTED') this.record(name, { supported: false });
        throw err;
      }
      return this.get(name);
    });
  }

  /**
   * What the board holds: what the host knows, or when it does not know (or `ask` says so) what the board
   * answers. A board that cannot say, a legacy slave, is no error here: its view says it takes no settings.
   */
  async held(name: string, opts: { ask?: 'always' | 'when-unknown' } = {}): Promise<CameraSettingsView> {
    const known = this.get(name);
    if (known.applied !== null && opts.ask !== 'always') return known;
    try {
      return await this.read(name);
    } catch (err) {
      if (err instanceof Esp32CamError && err.code === 'E_UNSUPPORTED') return this.get(name);
      throw err;
    }
  }

  /** Sets the camera's flash mode: kept on the host and used by every capture that does not choose its own. */
  setFlash(name: string, mode: FlashMode): CameraSettingsView {
    this.store(name);
    if (!FLASH_MODES.includes(mode)) {
      throw new Esp32CamError('E_BAD_INPUT', `"${String(mode)}" is not a flash mode`, `The flash modes are ${FLASH_MODES.join(', ')}.`);
    }
    this.record(name, { flash: mode });
    return this.get(name);
  }

  /** Stops reacting to contacts and waits for the work under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.source?.off('event', this.onContact);
    await Promise.allSettled([...this.queues.values()]);
    await Promise.all([...this.stores.values()].map((s) => s.flush()));
  }

  private scheduleReapply(name: string, why: string, rebooted: boolean): void {
    const store = this.stores.get(name);
    if (!store || this.closed) return;
    // The board forgot what it held; say so even when nothing is wanted.
    if (rebooted && store.state.applied !== null) this.record(name, { applied: null, appliedAt: null });
    if (Object.keys(store.state.wanted).length === 0) return;
    // A reboot is often seen together with the camera coming back: one re-apply covers both.
    if (this.reapplyQueued.has(name)) return;
    this.reapplyQueued.add(name);
    void this.serially(name, async () => {
      this.reapplyQueued.delete(name);
      if (this.closed) return;
      await this.reapply(name, why);
    });
  }

  /** Never throws: it runs from an event handler, and the outcome is recorded instead. */
  private async reapply(name: string, why: string): Promise<void> {
    const { wanted } = this.store(name).state;
    if (Object.keys(wanted).length === 0) return;
    try {
      const applied = await this.camera(name).applySettings(wanted);
      this.record(name, { applied, appliedAt: Date.now(), supported: true, lastError: null });
      serviceLog.info(`camera "${name}": settings applied again (${why}): ${describe(wanted)}`);
    } catch (err) {
      const error = errorOf(err);
      this.record(name, { applied: null, appliedAt: null, lastError: error, ...(error.code === 'E_UNSUPPORTED' ? { supported: false } : {}) });
      serviceLog.warn(`camera "${name}": could not apply its settings again (${why}): ${error.message}`);
    }
  }

  private record(name: string, change: Partial<SettingsState>): void {
    this.store(name).update(change);
    this.emit('change', this.get(name));
  }

  private serially<T>(name: string, step: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(name) ?? Promise.resolve();
    const next = previous.then(step, step);
    const settled = next.catch(() => undefined);
    this.queues.set(name, settled);
    void settled.then(() => {
      if (this.queues.get(name) === settled) this.queues.delete(name);
    });
    return next;
  }

  private store(name: string): CameraSettingsStore {
    const store = this.stores.get(name);
    if (store) return store;
    this.cameras.get(name); // throws E_NOT_FOUND naming the cameras there are
    throw new Esp32CamError('E_NOT_FOUND', `There is no camera "${name}"`, 'GET /api/cameras lists them.');
  }

  private camera(name: string) {
    return this.cameras.get(name).camera.client;
  }
}

function rangesHint(): string {
  const ranges = v2.SETTING_NAMES.map((name) => `${name} ${v2.SETTINGS[name].min}..${v2.SETTINGS[name].max}`).join(', ');
  return `The settings and their ranges: ${ranges}; framesize is esp32-camera's framesize_t (${v2.FRAME_SIZES.map((f, i) => `${i} ${f.name}`).join(', ')}).`;
}

function errorOf(err: unknown): NonNullable<SettingsState['lastError']> {
  const at = Date.now();
  if (err instanceof Esp32CamError) return { code: err.code, message: err.message, hint: err.hint, at };
  return { code: 'E_UNKNOWN', message: err instanceof Error ? err.message : String(err), hint: '', at };
}

function describe(settings: v2.CameraSettings): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(' ');
}
