import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { BoardStatus, CaptureProgress, PingResult, ProtocolChoice, ProtocolInUse } from '../../devices/camera/types.js';
import { isEsp32CamError, type ErrorCode } from '../../errors.js';
import { errorPayload, type ErrorPayload } from '../error-payload.js';
import type { PhotoRecord } from '../photo-record.js';
import type { PhotoStore } from '../photo-store.js';
import { logger } from '../../log/index.js';
import { AutoFlash } from './auto-flash.js';
import type { CameraHandle } from './camera-handle.js';

const cameraLog = logger('camera');

export interface CameraStatus {
  /** The camera's name, as in its URLs. */
  name: string;
  kind: 'sim' | 'i2c';
  /** `sim` or `i2c:1@0x2c`. */
  spec: string;
  simulated: boolean;
  /** `0x2c`. */
  address: string;
  /** The bus number: /dev/i2c-N for a real camera, the simulated bus's number for a simulated one. */
  bus: number;
  /** The bus clock the client paces itself by: from the config, the system, the Pi's default, or sim.busHz. */
  busClock: { hz: number; origin: string } | null;
  /** The board's USB-serial port, when known. */
  serialPort: string | null;
  /** The protocol setting: `auto` detects, `legacy` forces the original script's protocol. */
  protocolSetting: ProtocolChoice;
  /** The protocol the camera answered in; null until it has answered. */
  protocol: ProtocolInUse | null;
  firmware: string | null;
  /** null until the first ping or capture. */
  online: boolean | null;
  busy: boolean;
  /** The flash LED (GPIO 4), null until set. */
  led: boolean | null;
  lastPingAt: string | null;
  lastRoundTripMs: number | null;
  lastCaptureAt: string | null;
  lastCaptureMs: number | null;
  lastError: (ErrorPayload & { at: string }) | null;
  sim?: unknown;
  /** Photos of this camera in the store. */
  photos: number;
  /** The health monitor's view: state and when the camera last answered (GET /api/health has the rest). */
  health?: { state: string; lastSeenAt: string | null };
}

/** The flash LED for one photo: off, on, or on only when it would come out dark. */
export type FlashMode = 'off' | 'on' | 'auto';

/**
 * How one photo is taken. A request that comes while a photo is being taken gets that photo, taken as the
 * request that started it asked (a still during a live stream gets a stream frame: see CaptureService).
 */
export interface CaptureRequest {
  /** The flash LED for this photo; absent: the camera's own flash mode (its settings). */
  flash?: FlashMode;
  /** Discard the frame the camera held and expose a new one. Stills default to true, stream frames to false. */
  fresh?: boolean;
  /** The schedule that takes this photo; stored with it (stored photos only). */
  schedule?: string;
}

export interface Shot {
  jpeg: Buffer;
  captureMs: number;
  takenAt: Date;
  /** Whether the flash LED lit the photo (flash `on`, or `auto` in a dark scene). */
  flash: boolean;
}

/** Every event names its camera, so one socket carries all of them. */
export type CameraEvents = {
  status: [CameraStatus];
  'capture:start': [{ camera: string; at: string }];
  'capture:progress': [CaptureProgress & { camera: string }];
  /** A photo is stored, with its bytes, so a page can draw it without asking for them. */
  'photo:new': [PhotoRecord, Buffer];
  'capture:error': [ErrorPayload & { camera: string }];
  /** A photo arrived whole; `attempts` above 1 means corrupt or truncated ones were taken again. */
  'capture:done': [{ camera: string; attempts: number; captureMs: number; bytes: number }];
  /** The camera answered a ping or a status request (the metrics' ping latency). */
  answer: [{ camera: string; roundTripMs: number }];
};

/** Errors that mean the board did not answer at all, as opposed to answering badly. */
const OFFLINE_CODES: ReadonlySet<ErrorCode> = new Set(['E_NO_ACK', 'E_TIMEOUT', 'E_CLOSED', 'E_BUS_IO', 'E_NO_I2C_DEVICE', 'E_I2C_PERMISSION']);
const CAMERA_CODES: ReadonlySet<ErrorCode> = new Set([
  ...OFFLINE_CODES,
  'E_BAD_STATUS',
  'E_BAD_REPLY',
  'E_CAMERA_FAILED',
  'E_INVALID_JPEG',
  'E_BUS_BUSY',
  'E_SIM_SCRIPT',
]);

export interface CaptureServiceOptions {
  camera: CameraHandle;
  store: PhotoStore;
  protocolSetting: ProtocolChoice;
  /** Pings the camera this often while idle, to keep `online` honest. 0 turns it off. Default 30 s. */
  healthIntervalMs?: number;
  /** How long flash `auto` trusts a dark verdict before judging the scene again (auto-flash.ts). Default 10 min. */
  autoFlashMemoryMs?: number;
  log?: (line: string) => void;
}

/**
 * Owns one camera: takes photos through its client, stores them, and keeps the camera's status.
 *
 * Each photo is taken as its request says: `flash` (else the camera's flash mode, off until the composition
 * root hands one in with setFlashMode) and `fresh` (default true: a still never returns the frame the camera
 * held since the previous photo). Concurrent requests share the capture in flight, so a burst of clicks is one
 * photo and one record; the request that started the capture chose how it is taken, and the ones that join it
 * get that photo whatever they asked. So a still asked for during a live stream gets the stream's frame: one
 * taken back to back with the previous frame, lit only when the stream is.
 */
export class CaptureService extends EventEmitter<CameraEvents> {
  readonly camera: CameraHandle;
  readonly store: PhotoStore;
  readonly name: string;
  private readonly state: Omit<CameraStatus, 'sim' | 'photos'>;
  private readonly onReboot = (): void => this.changed();
  private shooting: Promise<Shot> | undefined;
  /** Photos being stored, by the schedule that asked ('' for by hand): only requests of one kind share one. */
  private readonly storing = new Map<string, Promise<PhotoRecord>>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly log: (line: string) => void;
  private healthView: (() => CameraStatus['health']) | undefined;
  private flashModeOf: (() => FlashMode) | undefined;
  private readonly autoFlash: AutoFlash;
  private attempts = 1;
  /** Whether the shot in flight is told to the pages as a capture (a still) or not (a live-stream frame). */
  private announcing = true;

  constructor(opts: CaptureServiceOptions) {
    super();
    this.camera = opts.camera;
    this.store = opts.store;
    this.log = opts.log ?? ((line) => cameraLog.warn(line.replace(/^esp32cam: /, '')));
    this.name = opts.camera.name;
    this.autoFlash = new AutoFlash({ memoryMs: opts.autoFlashMemoryMs });
    const { spec } = opts.camera;
    this.state = {
      name: opts.camera.name,
      kind: spec.kind,
      spec: opts.camera.specText,
      simulated: spec.kind === 'sim',
      address: `0x${opts.camera.address.toString(16).padStart(2, '0')}`,
      bus: spec.bus,
      busClock: opts.camera.busClock ?? null,
      serialPort: opts.camera.serialPort ?? null,
      protocolSetting: opts.protocolSetting,
      protocol: null,
      firmware: null,
      online: null,
      busy: false,
      led: null,
      lastPingAt: null,
      lastRoundTripMs: null,
      lastCaptureAt: null,
      lastCaptureMs: null,
      lastError: null,
    };
    this.camera.client.on('progress', (progress: CaptureProgress) => {
      this.attempts = Math.max(this.attempts, progress.attempt);
      if (this.announcing) this.emit('capture:progress', { ...progress, camera: this.name });
    });
    this.camera.client.on('protocol', (protocol) => {
      this.state.protocol = protocol;
      this.changed();
    });
    this.camera.board?.on('reboot', this.onReboot);
    const interval = opts.healthIntervalMs ?? 30_000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        if (!this.shooting) void this.healthPing();
      }, interval);
      this.timer.unref();
    }
  }

  status(): CameraStatus {
    const camera: CameraStatus = { ...this.state, photos: this.store.count(this.name) };
    if (this.camera.board) camera.sim = this.camera.board.info();
    const health = this.healthView?.();
    if (health) camera.health = health;
    return camera;
  }

  /** Whether a photo is being taken now. */
  get isBusy(): boolean {
    return this.shooting !== undefined;
  }

  /** Lets the health monitor add its state to this camera's status. */
  setHealthView(view: () => CameraStatus['health']): void {
    this.healthView = view;
  }

  /** Where the camera's flash mode comes from (its settings); photos that do not choose use it. */
  setFlashMode(mode: () => FlashMode): void {
    this.flashModeOf = mode;
  }

  /** The camera's flash mode: what a photo gets when its request does not say. */
  get flashMode(): FlashMode {
    return this.flashModeOf?.() ?? 'off';
  }

  /**
   * Whether a live stream should keep the flash LED on while it runs, as CameraWebServer's stream does: in
   * flash mode `on`, and in `auto` while the last photo judged found the scene dark. Lighting each frame on its
   * own would blink the LED for every frame.
   */
  get streamNeedsLight(): boolean {
    const mode = this.flashMode;
    return mode === 'on' || (mode === 'auto' && this.autoFlash.remembersDark);
  }

  /** Asks the board how it is (STATUS under protocol 2, a ping under legacy); the keep-alive's request. */
  checkStatus(): Promise<BoardStatus> {
    // Background: on a shared bus, other cameras' captures go first.
    return this.ask(() => this.camera.client.status({ background: true }));
  }

  /** Takes a photo and stores it. A capture already being stored is shared, whatever the request. */
  capture(request: CaptureRequest = {}): Promise<PhotoRecord> {
    // A click while a schedule's photo is stored must not get back that photo, tagged as the schedule's: it
    // gets a record of its own (of the same frame when the shot is still in flight).
    const kind = request.schedule ?? '';
    const pending = this.storing.get(kind);
    if (pending) return pending;
    const storing = (async () => {
      try {
        const shot = await this.shoot(request, true, true);
        try {
          // Announced the moment it is durable and sure to stay: retention and the thumbnail come after.
          return await this.store.save(
            shot.jpeg,
            {
              camera: this.name,
              spec: this.state.spec,
              captureMs: shot.captureMs,
              takenAt: shot.takenAt,
              ...(request.schedule !== undefined ? { schedule: request.schedule } : {}),
            },
            (record) => this.emit('photo:new', record, shot.jpeg),
          );
        } catch (err) {
          this.failed(err);
          throw err;
        }
      } finally {
        this.storing.delete(kind);
        this.changed();
      }
    })();
    this.storing.set(kind, storing);
    return storing;
  }

  /** Takes a photo without storing it (for `GET /capture`, and the live stream's frames with fresh false). */
  captureJpeg(request: CaptureRequest = {}): Promise<Shot> {
    return this.shoot(request, true);
  }

  /**
   * A live-stream frame: taken as a still is, and counted as a capture (`capture:done`, for the health monitor
   * and the metrics), but not announced: no `capture:start` or progress, no busy status, and a status only when
   * the camera's state changed, so a page that is not watching the stream does not flicker "Capturing" at the
   * stream's frame rate.
   */
  streamFrame(request: CaptureRequest = {}): Promise<Shot> {
    return this.shoot(request, false);
  }

  ping(): Promise<PingResult> {
    return this.ask(() => this.camera.client.ping());
  }

  /** A question to the board whose answer says it is online: a ping, or the keep-alive's status. */
  private async ask<T extends PingResult>(question: () => Promise<T>): Promise<T> {
    try {
      const result = await question();
      Object.assign(this.state, {
        online: true,
        protocol: result.protocol,
        firmware: result.firmware ?? this.state.firmware,
        lastPingAt: new Date().toISOString(),
        lastRoundTripMs: Math.round(result.roundTripMs * 10) / 10,
        lastError: null,
      });
      this.emit('answer', { camera: this.name, roundTripMs: result.roundTripMs });
      return result;
    } catch (err) {
      this.noteError(err);
      throw err;
    } finally {
      this.changed();
    }
  }

  /** A ping nobody waits for: camera errors land in the status, anything else is a bug worth a log line. */
  async healthPing(): Promise<void> {
    try {
      await this.ping();
    } catch (err) {
      if (!isEsp32CamError(err))
        this.log(`esp32cam: unexpected error in the health ping of camera "${this.name}": ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }

  /** Switches the flash LED. */
  async setLed(on: boolean): Promise<boolean> {
    try {
      await this.camera.client.setLed(on);
      Object.assign(this.state, { led: on, online: true, lastError: null });
      return on;
    } catch (err) {
      this.noteError(err);
      throw err;
    } finally {
      this.changed();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.camera.board?.off('reboot', this.onReboot);
    await Promise.allSettled([this.shooting, ...this.storing.values()]);
    await this.camera.close();
  }

  /**
   * `stored`: the photo goes to the store, whose caller sends the status once it is there, so none goes
   * between the last byte and the photo's announcement.
   */
  private shoot(request: CaptureRequest, announce: boolean, stored = false): Promise<Shot> {
    if (this.shooting) return this.shooting;
    const flash = request.flash ?? this.flashMode;
    const fresh = request.fresh ?? true;
    const takenAt = new Date();
    const before = this.visibleState();
    this.announcing = announce;
    if (announce) {
      this.state.busy = true;
      this.emit('capture:start', { camera: this.name, at: takenAt.toISOString() });
      this.changed();
    }
    const started = performance.now();
    this.attempts = 1;
    this.shooting = this.take(flash, fresh)
      .then(
        ({ jpeg, flash: lit }) => {
          const captureMs = performance.now() - started;
          Object.assign(this.state, {
            online: true,
            protocol: this.camera.client.protocolInUse ?? this.state.protocol,
            lastCaptureAt: takenAt.toISOString(),
            lastCaptureMs: Math.round(captureMs),
            // The status says how the camera is now; the failure itself went out as `capture:error`.
            lastError: null,
          });
          this.emit('capture:done', { camera: this.name, attempts: this.attempts, captureMs, bytes: jpeg.length });
          return { jpeg, captureMs, takenAt, flash: lit };
        },
        (err: unknown) => {
          this.failed(err);
          throw err;
        },
      )
      .finally(() => {
        this.shooting = undefined;
        this.state.busy = false;
        if (!stored && (announce || this.visibleState() !== before)) this.changed();
      });
    return this.shooting;
  }

  /** What a page shows of the camera besides its last capture: a stream frame that changes it is worth a status. */
  private visibleState(): string {
    const { online, protocol, lastError } = this.state;
    return `${String(online)} ${String(protocol)} ${lastError?.code ?? ''}`;
  }

  private async take(flash: FlashMode, fresh: boolean): Promise<{ jpeg: Buffer; flash: boolean }> {
    const client = this.camera.client;
    if (flash === 'auto') return this.autoFlash.take((options) => client.capture(options), fresh);
    const lit = flash === 'on';
    return { jpeg: await client.capture({ fresh, flash: lit }), flash: lit };
  }

  private failed(err: unknown): void {
    this.noteError(err);
    this.emit('capture:error', { ...errorPayload(err), camera: this.name });
  }

  private noteError(err: unknown): void {
    this.state.lastError = { ...errorPayload(err), at: new Date().toISOString() };
    if (isEsp32CamError(err) && CAMERA_CODES.has(err.code)) this.state.online = !OFFLINE_CODES.has(err.code);
  }

  /** The camera's state changed, or its photos did: pages get the new status. */
  changed(): void {
    if (this.closed) return;
    this.noteTransition();
    this.emit('status', this.status());
  }

  private lastSeen: { online: boolean | null; protocol: ProtocolInUse | null } = { online: null, protocol: null };

  /** Coming online, going offline and a change of protocol are worth a line at info level. */
  private noteTransition(): void {
    const { online, protocol, lastError } = this.state;
    if (online === this.lastSeen.online && protocol === this.lastSeen.protocol) return;
    this.lastSeen = { online, protocol };
    if (online === true) cameraLog.info(`camera "${this.name}" (${this.state.spec}) is online, protocol ${protocol ?? 'unknown'}`);
    else if (online === false) cameraLog.info(`camera "${this.name}" (${this.state.spec}) is offline: ${lastError?.message ?? 'no answer'}`);
  }
}

/** Builds the service, and learns the camera's state with a first ping; a camera that is off is not an error. */
export async function startCaptureService(opts: CaptureServiceOptions): Promise<CaptureService> {
  const service = new CaptureService(opts);
  await service.healthPing();
  return service;
}
