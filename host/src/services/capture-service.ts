import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { CaptureProgress, PingResult, ProtocolChoice, ProtocolInUse } from '../devices/camera/types.js';
import { isEsp32CamError, type ErrorCode } from '../errors.js';
import type { CameraHandle } from './camera-factory.js';
import { errorPayload, type ErrorPayload } from './error-payload.js';
import type { PhotoRecord } from './photo-record.js';
import type { PhotoStore, StoreStats } from './photo-store.js';
import { packageVersion } from './version.js';

export interface CameraStatus {
  kind: 'sim' | 'i2c';
  /** `sim` or `i2c:1@0x2c`. */
  spec: string;
  simulated: boolean;
  /** `0x2c`. */
  address: string;
  bus: number | null;
  /** The protocol setting: `auto` detects, `legacy` forces the original script's protocol. */
  protocolSetting: ProtocolChoice;
  /** The protocol the camera answered in; null until it has answered. */
  protocol: ProtocolInUse | null;
  firmware: string | null;
  /** null until the first ping or capture. */
  online: boolean | null;
  busy: boolean;
  flash: boolean | null;
  lastPingAt: string | null;
  lastRoundTripMs: number | null;
  lastCaptureAt: string | null;
  lastCaptureMs: number | null;
  lastError: (ErrorPayload & { at: string }) | null;
  sim?: unknown;
}

export interface ServiceStatus {
  version: string;
  camera: CameraStatus;
  store: StoreStats;
  uptimeS: number;
}

export interface Shot {
  jpeg: Buffer;
  captureMs: number;
  takenAt: Date;
}

type ServiceEvents = {
  status: [ServiceStatus];
  'capture:start': [{ at: string }];
  'capture:progress': [CaptureProgress];
  'photo:new': [PhotoRecord];
  'photo:deleted': [{ id: string }];
  'capture:error': [ErrorPayload];
};

/** Errors that mean the board did not answer at all, as opposed to answering badly. */
const OFFLINE_CODES: ReadonlySet<ErrorCode> = new Set(['E_NO_ACK', 'E_TIMEOUT', 'E_CLOSED', 'E_BUS_IO', 'E_NO_I2C_DEVICE', 'E_I2C_PERMISSION']);
const CAMERA_CODES: ReadonlySet<ErrorCode> = new Set([...OFFLINE_CODES, 'E_BAD_STATUS', 'E_BAD_REPLY', 'E_CAMERA_FAILED', 'E_INVALID_JPEG', 'E_BUS_BUSY', 'E_SIM_SCRIPT']);

export interface CaptureServiceOptions {
  camera: CameraHandle;
  store: PhotoStore;
  protocolSetting: ProtocolChoice;
  /** Pings the camera this often while idle, to keep `online` honest. 0 turns it off. Default 30 s. */
  healthIntervalMs?: number;
  log?: (line: string) => void;
}

/**
 * Owns the camera: takes photos through its client, stores them, and keeps the camera's status. Concurrent
 * requests share the capture in flight, so a burst of clicks is one photo and one record.
 */
export class CaptureService extends EventEmitter<ServiceEvents> {
  readonly camera: CameraHandle;
  readonly store: PhotoStore;
  private readonly startedAt = performance.now();
  private readonly state: Omit<CameraStatus, 'sim'>;
  private shooting: Promise<Shot> | undefined;
  private storing: Promise<PhotoRecord> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly log: (line: string) => void;

  constructor(opts: CaptureServiceOptions) {
    super();
    this.camera = opts.camera;
    this.store = opts.store;
    this.log = opts.log ?? ((line) => console.warn(line));
    const { spec } = opts.camera;
    this.state = {
      kind: spec.kind,
      spec: opts.camera.specText,
      simulated: spec.kind === 'sim',
      address: `0x${opts.camera.address.toString(16).padStart(2, '0')}`,
      bus: spec.kind === 'i2c' ? spec.bus : null,
      protocolSetting: opts.protocolSetting,
      protocol: null,
      firmware: null,
      online: null,
      busy: false,
      flash: null,
      lastPingAt: null,
      lastRoundTripMs: null,
      lastCaptureAt: null,
      lastCaptureMs: null,
      lastError: null,
    };
    this.camera.client.on('progress', (progress: CaptureProgress) => this.emit('capture:progress', progress));
    this.camera.client.on('protocol', (protocol) => {
      this.state.protocol = protocol;
      this.changed();
    });
    this.store.on('deleted', (event) => {
      this.emit('photo:deleted', event);
      this.changed();
    });
    this.camera.sim?.on('reboot', () => this.changed());
    const interval = opts.healthIntervalMs ?? 30_000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        if (!this.shooting) void this.healthPing();
      }, interval);
      this.timer.unref();
    }
  }

  status(): ServiceStatus {
    const camera: CameraStatus = { ...this.state };
    if (this.camera.sim) camera.sim = this.camera.sim.info();
    return {
      version: packageVersion(),
      camera,
      store: this.store.stats(),
      uptimeS: Math.round((performance.now() - this.startedAt) / 1000),
    };
  }

  /** Takes a photo and stores it. */
  capture(): Promise<PhotoRecord> {
    this.storing ??= (async () => {
      try {
        const shot = await this.shoot();
        try {
          const record = await this.store.save(shot.jpeg, { camera: this.state.spec, captureMs: shot.captureMs, takenAt: shot.takenAt });
          this.emit('photo:new', record);
          return record;
        } catch (err) {
          this.failed(err);
          throw err;
        }
      } finally {
        this.storing = undefined;
        this.changed();
      }
    })();
    return this.storing;
  }

  /** Takes a photo without storing it (for `GET /capture`). */
  captureJpeg(): Promise<Shot> {
    return this.shoot();
  }

  async ping(): Promise<PingResult> {
    try {
      const result = await this.camera.client.ping();
      Object.assign(this.state, {
        online: true,
        protocol: result.protocol,
        firmware: result.firmware ?? this.state.firmware,
        lastPingAt: new Date().toISOString(),
        lastRoundTripMs: Math.round(result.roundTripMs * 10) / 10,
        lastError: null,
      });
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
      if (!isEsp32CamError(err)) this.log(`esp32cam: unexpected error in the health ping: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
  }

  async setFlash(on: boolean): Promise<boolean> {
    try {
      await this.camera.client.setFlash(on);
      Object.assign(this.state, { flash: on, online: true, lastError: null });
      return on;
    } catch (err) {
      this.noteError(err);
      throw err;
    } finally {
      this.changed();
    }
  }

  /** Deletes a stored photo; `photo:deleted` follows from the store. */
  deletePhoto(id: string): Promise<void> {
    return this.store.delete(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await Promise.allSettled([this.shooting, this.storing]);
    await this.camera.close();
  }

  private shoot(): Promise<Shot> {
    if (this.shooting) return this.shooting;
    this.state.busy = true;
    const takenAt = new Date();
    this.emit('capture:start', { at: takenAt.toISOString() });
    this.changed();
    const started = performance.now();
    this.shooting = this.camera.client.capture().then(
      (jpeg) => {
        const captureMs = performance.now() - started;
        Object.assign(this.state, {
          online: true,
          protocol: this.camera.client.protocolInUse ?? this.state.protocol,
          lastCaptureAt: takenAt.toISOString(),
          lastCaptureMs: Math.round(captureMs),
          // The status says how the camera is now; the failure itself went out as `capture:error`.
          lastError: null,
        });
        return { jpeg, captureMs, takenAt };
      },
      (err: unknown) => {
        this.failed(err);
        throw err;
      },
    ).finally(() => {
      this.shooting = undefined;
      this.state.busy = false;
      this.changed();
    });
    return this.shooting;
  }

  private failed(err: unknown): void {
    this.noteError(err);
    this.emit('capture:error', errorPayload(err));
  }

  private noteError(err: unknown): void {
    this.state.lastError = { ...errorPayload(err), at: new Date().toISOString() };
    if (isEsp32CamError(err) && CAMERA_CODES.has(err.code)) this.state.online = !OFFLINE_CODES.has(err.code);
  }

  private changed(): void {
    if (!this.closed) this.emit('status', this.status());
  }
}

/** Builds the service, and learns the camera's state with a first ping; a camera that is off is not an error. */
export async function startCaptureService(opts: CaptureServiceOptions): Promise<CaptureService> {
  const service = new CaptureService(opts);
  await service.healthPing();
  return service;
}
