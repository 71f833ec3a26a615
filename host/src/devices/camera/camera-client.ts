import { EventEmitter } from 'node:events';
import { Esp32CamError } from '../../errors.js';
import { BusLink } from './bus-link.js';
import { DEFAULT_BUS_HZ, isBusHz } from './bus-pacing.js';
import { LegacySession } from './legacy-session.js';
import { SerialQueue } from './serial-queue.js';
import { v2 } from '../../../../protocol/src/index.js';
import type {
  AppliedSettings,
  BoardStatus,
  CameraClientOptions,
  CameraSettings,
  CaptureOptions,
  CaptureProgress,
  PingResult,
  ProtocolChoice,
  ProtocolInUse,
} from './types.js';
import { settingsUnsupported, V2Session } from './v2-session.js';

type Session = LegacySession | V2Session;

const DEFAULTS = {
  address: 0x2c,
  protocol: 'auto' as ProtocolChoice,
  commandTimeoutMs: 3000,
  captureTimeoutMs: 8000,
  captureRetries: 2,
  /** How long a protocol-2 slave may take to answer HELLO before the client settles for legacy. */
  probeTimeoutMs: 400,
};

export interface CameraClientEvents {
  progress: [CaptureProgress];
  protocol: [ProtocolInUse];
}

/**
 * Talks to one ESP32-CAM slave over an injected I2C transport. Every transaction goes through one queue;
 * concurrent `capture()` calls share the photo being taken. With `protocol: 'auto'` the first command probes
 * for protocol 2 and falls back to the legacy protocol when the slave answers 100.
 */
export class CameraClient extends EventEmitter<CameraClientEvents> {
  readonly address: number;
  private readonly link: BusLink;
  private readonly queue = new SerialQueue();
  private readonly options: Required<Omit<CameraClientOptions, 'bus' | 'address'>> & { probeTimeoutMs: number };
  private session: Session | undefined;
  private inflight: Promise<Buffer> | undefined;
  private closed = false;

  constructor(options: CameraClientOptions) {
    super();
    const address = options.address ?? DEFAULTS.address;
    if (!Number.isInteger(address) || address < 0x03 || address > 0x77) {
      throw new Esp32CamError('E_CONFIG', `I2C address ${address} is outside 0x03..0x77`, "Use the slave script's slave_addr; freshev's default is 0x2c (44).");
    }
    const busHz = options.busHz ?? DEFAULT_BUS_HZ;
    if (!isBusHz(busHz)) {
      throw new Esp32CamError('E_CONFIG', `I2C clock ${String(busHz)} is not a clock in Hz`, 'Use a whole number of Hz such as 100000 or 400000.');
    }
    this.address = address;
    this.link = new BusLink(options.bus, address);
    this.options = {
      protocol: options.protocol ?? DEFAULTS.protocol,
      commandTimeoutMs: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
      captureRetries: options.captureRetries ?? DEFAULTS.captureRetries,
      captureTimeoutMs: options.captureTimeoutMs ?? DEFAULTS.captureTimeoutMs,
      busHz,
      probeTimeoutMs: DEFAULTS.probeTimeoutMs,
    };
  }

  /** The bus clock this client paces itself by, in Hz. */
  get busHz(): number {
    return this.options.busHz;
  }

  /** The protocol found by the last probe, or undefined before the first command. */
  get protocolInUse(): ProtocolInUse | undefined {
    return this.session?.protocol;
  }

  /** Bytes and transactions this client has put on the bus. */
  get busCounters(): Readonly<BusLink['counters']> {
    return this.link.counters;
  }

  ping(): Promise<PingResult> {
    return this.exclusive(async (session) => {
      const started = performance.now();
      await session.ping();
      const roundTripMs = performance.now() - started;
      return {
        protocol: session.protocol,
        roundTripMs,
        ...(session instanceof V2Session && session.firmware ? { firmware: session.firmware } : {}),
      };
    });
  }

  /**
   * The board's health as it reports it: protocol 2's STATUS (uptime, counters, reset cause, watchdog, and from
   * this version's script on, boot count, free heap, camera state and last error). A legacy slave has nothing of
   * the kind, so it is pinged and only the round trip comes back.
   */
  status(opts: { background?: boolean } = {}): Promise<BoardStatus> {
    return this.exclusive(async (session) => {
      // A background check (the keep-alive) lets every other camera's message on a shared bus go first.
      if (opts.background) return this.link.withPriority('background', () => this.statusOf(session));
      return this.statusOf(session);
    });
  }

  private async statusOf(session: Session): Promise<BoardStatus> {
    const started = performance.now();
    if (!(session instanceof V2Session)) {
      await session.ping();
      return { protocol: session.protocol, roundTripMs: performance.now() - started };
    }
    const s = await session.status();
    const roundTripMs = performance.now() - started;
    return {
      protocol: session.protocol,
      roundTripMs,
      uptimeMs: s.uptimeMs,
      captures: s.captures,
      errors: s.errors,
      resetCause: v2.resetCauseName(s.resetCause),
      wdtTimeoutMs: s.wdtTimeoutMs,
      // An older script's STATUS has no health fields: they stay absent rather than undefined.
      ...definedOnly({ firmware: session.firmware, bootCount: s.bootCount, freeHeap: s.freeHeap, cameraOk: s.cameraOk, lastError: s.lastError }),
    };
  }

  /**
   * Makes a protocol-2 slave rebuild its I2C slave, which empties its TX ring: the cure for a ring that holds
   * bytes nobody will read (a desync). The session stays valid. A legacy slave cannot do this: only a reset
   * of the board empties its ring.
   */
  resync(): Promise<void> {
    if (this.options.protocol === 'legacy') return Promise.reject(resyncUnsupported());
    return this.exclusive(async (session) => {
      if (!(session instanceof V2Session)) throw resyncUnsupported();
      await session.resync();
    });
  }

  /**
   * Sets the camera's settings and resolves every setting the board now holds; `{}` only reads them back.
   * The board cannot be asked what its sensor has, so these are what the slave script set since it started.
   * The first photo after a change may still be the frame the camera held before it.
   */
  applySettings(settings: CameraSettings): Promise<AppliedSettings> {
    let args: Uint8Array;
    try {
      args = v2.encodeSettingsArgs(settings);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return Promise.reject(
        new Esp32CamError('E_BAD_INPUT', `Bad camera setting: ${message}`, 'See protocol/README.md (SETTINGS) for the settings and their ranges.'),
      );
    }
    if (this.options.protocol === 'legacy') return Promise.reject(settingsUnsupported('it speaks the legacy protocol'));
    return this.exclusive(async (session) => {
      if (!(session instanceof V2Session)) throw settingsUnsupported('it speaks the legacy protocol');
      const held = await session.settings(args);
      const missing = v2.SETTING_NAMES.filter((name) => held[name] === undefined);
      if (missing.length) {
        throw new Esp32CamError('E_BAD_REPLY', `The camera's SETTINGS reply lacks ${missing.join(', ')}`, 'Reinstall the slave script with `esp32cam push`.');
      }
      return held as AppliedSettings;
    });
  }

  setLed(on: boolean): Promise<void> {
    return this.exclusive((session) => session.setLed(on));
  }

  /**
   * Resolves a complete JPEG that passed every check; corrupt photos are retried, never returned. `options`
   * choose a fresh frame and the flash (types.ts); a call made while a photo is being taken gets that photo,
   * taken as its first caller asked.
   */
  capture(options: CaptureOptions = {}): Promise<Buffer> {
    if (this.inflight) return this.inflight;
    const photo = this.exclusive((session) => this.captureWithRetries(session, options));
    this.inflight = photo;
    const clear = () => {
      if (this.inflight === photo) this.inflight = undefined;
    };
    photo.then(clear, clear);
    return photo;
  }

  /** Forgets the probed protocol, e.g. after the board was reflashed or rebooted. */
  resetSession(): void {
    this.session = undefined;
  }

  close(): void {
    this.closed = true;
  }

  private async captureWithRetries(session: Session, options: CaptureOptions): Promise<Buffer> {
    const attempts = 1 + this.options.captureRetries;
    for (let attempt = 1; ; attempt++) {
      try {
        const photo = await session.capture(attempt, (p) => this.emit('progress', p), options);
        this.emit('progress', { phase: 'done', bytes: photo.length, total: photo.length, attempt });
        return photo;
      } catch (err) {
        // A refusal mid-photo is worth a new photo too: on a noisy wire a damaged request can pass the slave's
        // CRC-8 (one in 256) as another request, and a READ after it finds its photo gone.
        const retry =
          err instanceof Esp32CamError &&
          (err.code === 'E_INVALID_JPEG' ||
            err.code === 'E_BAD_REPLY' ||
            err.code === 'E_BAD_STATUS' ||
            err.code === 'E_CAMERA_FAILED' ||
            err.code === 'E_TIMEOUT');
        if (!retry || attempt >= attempts) throw err;
      }
    }
  }

  private exclusive<T>(job: (session: Session) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    return this.queue.run(async () => {
      if (this.closed) throw closedError();
      const session = this.session ?? (await this.openSession());
      try {
        return await job(session);
      } catch (err) {
        // A board that stopped acknowledging may come back after a reboot running another script: probe again.
        if (err instanceof Esp32CamError && err.code === 'E_NO_ACK') this.session = undefined;
        throw err;
      }
    });
  }

  private async openSession(): Promise<Session> {
    const timeouts = { commandTimeoutMs: this.options.commandTimeoutMs, captureTimeoutMs: this.options.captureTimeoutMs, busHz: this.options.busHz };
    const legacy = new LegacySession(this.link, timeouts);
    // Empties whatever an earlier master left in the ring, then a ping proves the slave is there and leaves a
    // known byte (200) as the idle garbage, so the probe's answer cannot be mistaken for it.
    await legacy.ping();
    let session: Session = legacy;
    if (this.options.protocol === 'auto') {
      const v2 = new V2Session(this.link, timeouts);
      const probe = await v2.probe(this.options.probeTimeoutMs);
      if (typeof probe === 'object' && probe.proto >= 2) session = v2;
      else if (probe === 'silent') await legacy.drain();
    }
    this.session = session;
    this.emit('protocol', session.protocol);
    return session;
  }
}

function definedOnly<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function resyncUnsupported(): Esp32CamError {
  return new Esp32CamError(
    'E_UNSUPPORTED',
    "The camera speaks the legacy protocol, which has no RESYNC: only a reset of the board empties its slave's TX ring",
    'Reset the board (EN, or its serial port), or install the protocol-2 slave script with `esp32cam push`.',
  );
}

function closedError(): Esp32CamError {
  return new Esp32CamError('E_CLOSED', 'The camera client is closed', 'Create a new CameraClient.');
}
