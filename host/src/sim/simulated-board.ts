import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Esp32CamError } from '../errors.js';
import { deviceScriptsDir, packageRoot } from '../paths.js';
import type { I2cTransport } from '../transports/i2c-transport.js';
import { SimCamera, type FrameSource } from './camera-model.js';
import { FaultCounters, validateFaults, type SimFaults } from './faults.js';
import { SeededRandom } from './rng.js';
import { CTL, WDT } from './shared-layout.js';
import { SlaveBus } from './slave-bus.js';
import { TxRingReader } from './tx-ring.js';

export interface SimOptions {
  /** Slave script run as __main__; default <packageRoot>/device-scripts/main.py. Its folder is on sys.path. */
  script?: string;
  /** Bus clock for wire-time pacing, default 100 000 Hz. */
  busHz?: number;
  /** Window of the delay from a master write to the script's callback, default [10, 20] ms. */
  latencyMs?: [number, number];
  /** Time from reset until the script starts, default 300 ms. */
  bootMs?: number;
  /** Seeds the latency, fault and capture-timing RNG so runs repeat. */
  seed?: number;
  /** setattr on the script's `camconfig` module before main runs, e.g. { FRAME_SIZE: 'VGA' }. */
  configOverrides?: Record<string, string | number | boolean>;
  /** Replaces the test card (tests use it to force exact photo sizes). */
  frameSource?: FrameSource;
  faults?: SimFaults;
}

/** MicroPython's machine.reset_cause() values (freshev ports/esp32/modmachine.c). */
export const RESET_CAUSES = { PWRON_RESET: 1, HARD_RESET: 2, WDT_RESET: 3, DEEPSLEEP_RESET: 4, SOFT_RESET: 5 } as const;
export type ResetCause = keyof typeof RESET_CAUSES;

export interface SimInfo {
  simulated: true;
  script: string;
  busHz: number;
  /** The address the script's slave answers on, null while there is none. */
  address: number | null;
  resetCause: ResetCause;
  uptimeMs: number;
  frames: number;
  flashLed: boolean;
  redLed: boolean;
  /** The script is running (or sat at the REPL after it ended), as opposed to resetting/booting. */
  booted: boolean;
}

const FLASH_LED_PIN = 4;
const RED_LED_PIN = 33; // active-low
/** How long start() waits for a script that neither creates a slave nor ends. */
const READY_GRACE_MS = 3000;
const WDT_POLL_MS = 10;

const absNow = (): number => performance.timeOrigin + performance.now();

function workerPath(): string {
  return join(packageRoot(), 'host', 'src', 'sim', 'board', 'worker.mjs');
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
  settled: boolean;
}

function deferred(): Deferred {
  let resolveFn!: () => void;
  let rejectFn!: (e: Error) => void;
  const d: Deferred = {
    promise: new Promise<void>((res, rej) => {
      resolveFn = res;
      rejectFn = rej;
    }),
    resolve: () => {
      if (!d.settled) {
        d.settled = true;
        resolveFn();
      }
    },
    reject: (e) => {
      if (!d.settled) {
        d.settled = true;
        rejectFn(e);
      }
    },
    settled: false,
  };
  d.promise.catch(() => undefined); // a boot nobody awaits must not crash the process
  return d;
}

/**
 * A simulated AI-Thinker ESP32-CAM on an I2C bus: freshev's MicroPython firmware is modelled by fake
 * `machine`, `camera` and `utime` modules, and the real slave script runs in MicroPython-WASM in a
 * worker thread (one per boot). It is an I2cTransport, so it plugs in where the Pi's bus would.
 *
 * Events: 'console' (line), 'reboot' ({ cause }), 'pin' ({ pin, value }), 'error' (traceback text; only
 * emitted while someone listens, so an unwatched script error cannot crash the host).
 */
export class SimulatedEsp32Cam extends EventEmitter implements I2cTransport {
  private readonly script: string;
  private readonly busHz: number;
  private readonly bootMs: number;
  private readonly seed: number;
  private readonly opts: SimOptions;
  private readonly faults = new FaultCounters();
  private readonly rng: SeededRandom;
  private readonly bus: SlaveBus;
  private readonly camera: SimCamera;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(CTL.SLOTS * 4));
  private readonly powerOnAt = absNow();
  private readonly wdtTimer: NodeJS.Timeout;

  private worker: Worker | null = null;
  private inbox: MessagePort | null = null;
  private wdt = new Float64Array(new SharedArrayBuffer(WDT.SLOTS * 8));
  private generation = 0;
  private bootCount = 0;
  private resetAt = absNow();
  private resetCause: ResetCause = 'PWRON_RESET';
  private booted = false;
  private closed = false;
  private ready: Deferred = deferred();
  private pins = new Map<number, number>();

  static async start(opts: SimOptions = {}): Promise<SimulatedEsp32Cam> {
    const board = new SimulatedEsp32Cam(opts);
    try {
      await board.boot('PWRON_RESET');
    } catch (err) {
      await board.close();
      throw err;
    }
    return board;
  }

  private constructor(opts: SimOptions) {
    super();
    this.opts = opts;
    this.script = resolve(opts.script ?? join(deviceScriptsDir(), 'main.py'));
    this.busHz = checkNumber('busHz', opts.busHz ?? 100_000, 1_000, 5_000_000);
    this.bootMs = checkNumber('bootMs', opts.bootMs ?? 300, 0, 60_000);
    const latency = opts.latencyMs ?? [10, 20];
    if (!Array.isArray(latency) || latency.length !== 2) {
      throw new Esp32CamError('E_BAD_INPUT', 'latencyMs must be [min, max]', 'Pass two numbers of milliseconds, e.g. [10, 20].');
    }
    const lo = checkNumber('latencyMs[0]', latency[0], 0, 10_000);
    const hi = checkNumber('latencyMs[1]', latency[1], lo, 10_000);
    this.seed = (opts.seed ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;
    this.rng = new SeededRandom(this.seed);
    if (opts.configOverrides !== undefined && (opts.configOverrides === null || typeof opts.configOverrides !== 'object')) {
      throw new Esp32CamError('E_BAD_INPUT', 'configOverrides must be an object', 'Pass names and values, e.g. { FRAME_SIZE: "VGA" }.');
    }
    if (!existsSync(this.script)) {
      throw new Esp32CamError('E_SIM_SCRIPT', `The slave script ${this.script} does not exist`, 'Give the path of a MicroPython slave script (--sim-script PATH, or "sim": {"script": PATH} in the config file).');
    }
    if (opts.faults) this.inject(opts.faults);
    this.bus = new SlaveBus({
      busHz: this.busHz,
      latencyMs: [lo, hi],
      rng: this.rng,
      faults: this.faults,
      deliver: (address, bytes) => this.toWorker({ t: 'rx', addr: address, hex: bytes.toString('hex') }),
    });
    this.camera = new SimCamera({ frameSource: opts.frameSource, rng: this.rng, faults: this.faults, seed: this.seed });
    // The watchdog is checked from here too, so a script spinning without sleeping still gets bitten.
    this.wdtTimer = setInterval(() => this.checkWatchdog(), WDT_POLL_MS);
    this.wdtTimer.unref();
  }

  // ---- I2cTransport ---------------------------------------------------------------------------------

  i2cWrite(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }> {
    return this.bus.write(address, length, buffer);
  }

  i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }> {
    return this.bus.read(address, length, buffer);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.wdtTimer);
    this.bus.close();
    this.generation++;
    this.ready.reject(new Esp32CamError('E_CLOSED', 'The simulated camera was closed while booting', 'Start a new simulated board.'));
    await this.stopWorker();
  }

  // ---- controls -------------------------------------------------------------------------------------

  inject(faults: SimFaults): void {
    const f = validateFaults(faults);
    this.faults.add('cameraFailures', f.cameraFailures);
    this.faults.add('truncatedFrames', f.truncatedFrames);
    this.faults.add('corruptReads', f.corruptReads);
    this.faults.add('nacks', f.nacks);
    Atomics.add(this.ctl, CTL.CAM_INIT_FAULTS, f.cameraInitFailures);
  }

  /**
   * Presses RST. On the ESP32 the EN pin is a chip reset that the ROM reports as POWERON_RESET
   * (esp_reset_reason() never returns ESP_RST_EXT there), so machine.reset_cause() says PWRON_RESET.
   */
  async reset(): Promise<void> {
    this.checkOpen();
    await this.reboot('PWRON_RESET');
  }

  info(): SimInfo {
    return {
      simulated: true,
      script: this.script,
      busHz: this.busHz,
      address: this.bus.address(),
      resetCause: this.resetCause,
      uptimeMs: Math.round(absNow() - this.resetAt),
      frames: this.camera.frames,
      flashLed: this.pins.get(FLASH_LED_PIN) === 1,
      redLed: this.pins.get(RED_LED_PIN) === 0,
      booted: this.booted,
    };
  }

  // ---- boot and reboot ------------------------------------------------------------------------------

  private async reboot(cause: ResetCause, offMs = 0): Promise<void> {
    await this.stopWorker();
    if (this.closed) return;
    this.emit('reboot', { cause });
    await this.boot(cause, offMs);
  }

  private async boot(cause: ResetCause, offMs = 0): Promise<void> {
    const gen = ++this.generation;
    const previous = this.ready;
    const ready = (this.ready = deferred());
    // Whoever waited on an interrupted boot now waits on this one.
    ready.promise.then(previous.resolve, previous.reject);
    this.bus.powerCycle();
    this.booted = false;
    this.pins = new Map();
    if (offMs > 0) await new Promise((r) => setTimeout(r, offMs)); // deep sleep: the chip is off
    if (gen !== this.generation || this.closed) return ready.promise;
    this.bootCount++;
    this.resetAt = absNow();
    this.resetCause = cause;
    this.wdt = new Float64Array(new SharedArrayBuffer(WDT.SLOTS * 8));
    Atomics.store(this.ctl, CTL.HALT, 0);
    Atomics.store(this.ctl, CTL.DOORBELL, 0); // counts the messages posted to this boot's worker
    const { port1, port2 } = new MessageChannel();
    this.inbox = port1;
    const worker = new Worker(workerPath(), {
      workerData: {
        scriptPath: this.script,
        resetAt: this.resetAt,
        powerOnAt: this.powerOnAt,
        bootMs: this.bootMs,
        resetCause: RESET_CAUSES[cause],
        seed: this.seed,
        bootCount: this.bootCount,
        configOverrides: this.opts.configOverrides ?? {},
        ctl: this.ctl.buffer,
        wdt: this.wdt.buffer,
        inbox: port2,
      },
      transferList: [port2],
    });
    this.worker = worker;
    worker.on('message', (m: WorkerMessage) => {
      if (gen === this.generation) this.onWorkerMessage(m, ready);
    });
    worker.on('error', (err) => {
      if (gen !== this.generation) return;
      ready.reject(new Esp32CamError('E_SIM_SCRIPT', `The simulated board crashed: ${err.message}`, 'This is a simulator bug; please report it with the script.'));
      this.reportError(err.stack ?? err.message);
    });
    return ready.promise;
  }

  private onWorkerMessage(m: WorkerMessage, ready: Deferred): void {
    switch (m.t) {
      case 'console':
        this.emit('console', m.line);
        break;
      case 'started':
        this.booted = true;
        setTimeout(ready.resolve, READY_GRACE_MS).unref();
        break;
      case 'load-error': {
        this.booted = true;
        const where = m.line ? `${m.file}:${m.line}` : m.file;
        const err = new Esp32CamError('E_SIM_SCRIPT', `The slave script failed to load: ${where}: ${m.message}`, 'Fix the script and reset the simulated board.');
        this.reportError(err.message);
        ready.reject(err);
        break;
      }
      case 'script-error':
        this.reportError(m.text);
        ready.resolve();
        break;
      case 'main-ended':
        ready.resolve();
        break;
      case 'worker-error':
        this.reportError(m.text);
        ready.reject(new Esp32CamError('E_SIM_SCRIPT', `The simulated board failed: ${m.text.split('\n')[0]}`, 'This is a simulator bug; please report it with the script.'));
        break;
      case 'slave-up':
        this.bus.attach({ bus: m.bus, address: m.addr, rbuflen: m.rbuflen, ring: m.ring ? new TxRingReader(m.ring) : null });
        break;
      case 'slave-task':
        // The slave answers from here on: its callback is registered and the polling task runs.
        ready.resolve();
        break;
      case 'slave-down':
        this.bus.detach(m.bus);
        break;
      case 'pin':
        this.pins.set(m.pin, m.value);
        this.emit('pin', { pin: m.pin, value: m.value });
        break;
      case 'reboot':
        void this.reboot(m.cause, m.ms).catch(() => undefined);
        break;
      case 'capture': {
        const inbox = this.inbox;
        void this.camera.capture(m).then((out) => {
          if (this.inbox !== inbox) return; // that boot is gone
          if (out.outcome === 'fault') this.emit('console', `E (camera) Camera Capture Failed (${out.reason})`);
          if (out.outcome === 'overflow') this.emit('console', `W (cam_hal) FB-OVF: a ${out.size}-byte JPEG does not fit the ${m.fbLen}-byte frame buffer`);
          this.toWorker({ t: 'frame', id: m.id, outcome: out.outcome, hex: out.outcome === 'frame' ? out.data.toString('hex') : null });
        });
        break;
      }
      case 'loaded':
        break;
    }
  }

  private toWorker(msg: Record<string, unknown>): void {
    if (!this.inbox) return;
    this.inbox.postMessage(msg);
    Atomics.add(this.ctl, CTL.DOORBELL, 1);
    Atomics.notify(this.ctl, CTL.DOORBELL);
  }

  private checkWatchdog(): void {
    if (!this.worker || this.closed) return;
    const timeout = this.wdt[WDT.TIMEOUT];
    if (timeout > 0 && absNow() - this.wdt[WDT.LAST_FEED] > timeout) {
      this.wdt[WDT.TIMEOUT] = 0;
      this.emit('console', 'E (task_wdt) Task watchdog got triggered.');
      void this.reboot('WDT_RESET').catch(() => undefined);
    }
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.inbox?.close();
    this.inbox = null;
    this.booted = false;
    this.generation++;
    this.bus.powerCycle();
    if (worker) await worker.terminate();
  }

  private reportError(text: string): void {
    if (this.listenerCount('error') > 0) this.emit('error', text);
  }

  private checkOpen(): void {
    if (this.closed) throw new Esp32CamError('E_CLOSED', 'The simulated camera is closed', 'Start a new simulated board.');
  }
}

type WorkerMessage =
  | { t: 'console'; line: string }
  | { t: 'loaded'; ms: number }
  | { t: 'started' }
  | { t: 'load-error'; file: string; line: number; message: string }
  | { t: 'script-error'; text: string }
  | { t: 'main-ended' }
  | { t: 'worker-error'; text: string }
  | { t: 'slave-up'; bus: number; addr: number; rbuflen: number; wbuflen: number; ring: SharedArrayBuffer | null }
  | { t: 'slave-down'; bus: number }
  | { t: 'slave-task'; bus: number }
  | { t: 'pin'; pin: number; value: number }
  | { t: 'reboot'; cause: ResetCause; ms: number }
  | { t: 'capture'; id: number; width: number; height: number; quality: number; format: number; fbLen: number };

function checkNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Esp32CamError('E_BAD_INPUT', `Simulator option ${name}=${String(value)} is out of range`, `Use a number from ${min} to ${max}.`);
  }
  return value;
}

/** Alias of SimulatedEsp32Cam.start. */
export const openSimBus = (opts?: SimOptions): Promise<SimulatedEsp32Cam> => SimulatedEsp32Cam.start(opts);
