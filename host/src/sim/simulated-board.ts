import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { logger } from '../log/index.js';
import { Esp32CamError } from '../errors.js';
import type { I2cTransport } from '../transports/i2c-transport.js';
import { SimCamera } from './camera-model.js';
import { ChipWorker, type NvsData, type WorkerMessage } from './chip-worker.js';
import { deferred, type Deferred } from './deferred.js';
import { FaultCounters, validateFaults, type SimFaults } from './faults.js';
import { openFlash, prepareFlash } from './flash-setup.js';
import { LineNoise, type LineNoiseOptions, type NoiseCounts } from './line-noise.js';
import { LineSplitter } from './line-splitter.js';
import { SeededRandom } from './rng.js';
import { CTL } from './shared-layout.js';
import { absNow } from './sim-clock.js';
import { SimFs } from './sim-fs.js';
import { checkAmbientLight, checkSimOptions, type SimOptions } from './sim-options.js';
import { I2cSlaves } from './i2c-slaves.js';
import { checkRuntimeFault, type RuntimeFault, type RuntimeFaultRequest } from './runtime-faults.js';
import { SimI2cBus } from './sim-i2c-bus.js';
import { TaskWatchdog } from './task-watchdog.js';
import { fifoTiming } from './tx-fifo.js';
import { TxRingReader } from './tx-ring.js';
import { BROWNOUT_TEXT, guruMeditationPanic, MICROPYTHON_BANNER, psramMissingLine, taskWatchdogPanic } from './uart/boot-log.js';
import { RESET_CAUSES, type ChipHandle, type ChipRuntime, type ResetCause } from './uart/chip-runtime.js';
import { SimSerialBoard } from './uart/sim-serial-board.js';

export type { SimOptions, RuntimeFault };

/** A 'fault' event: a run-time fault was injected, fired (one trip of a brownout loop), or ended. */
export type FaultEvent = RuntimeFault & { phase: 'injected' | 'tripped' | 'ended' };
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
  /** The scene's light, 0 (dark) to 1; the flash LED adds to it for the frames exposed while it is on. */
  ambientLight: number;
  redLed: boolean;
  /** The script is running (or sat at the REPL after it ended), as opposed to resetting/booting. */
  booted: boolean;
  /** The task watchdog machine.WDT started in this boot (it outlives soft resets), or null while none runs. */
  watchdog: { timeoutMs: number; msSinceFeed: number } | null;
  /**
   * The WASM memory of this boot's MicroPython, in bytes, as of its last capture (0 before one). It only grows:
   * the webassembly port collects garbage only when control returns to JS, which a script that loops forever
   * never does, so what the simulated board's script allocates stays until the board reboots. A real board
   * collects as it goes; this is the simulator's memory, not the host's.
   */
  vmMemoryBytes: number;
}

const FLASH_LED_PIN = 4;
const RED_LED_PIN = 33; // active-low
/** How long start() waits for a script that neither creates a slave nor ends. */
const READY_GRACE_MS = 3000;
const WDT_POLL_MS = 10;
/** From main.py starting to the brownout: the load rises as the script brings up the camera and LEDs. */
const BROWNOUT_AFTER_START_MS = 40;
/** ESP-IDF's log timestamp of the PSRAM probe, early in start-up. */
const PSRAM_PROBE_LOG_MS = 292;
/** Faults that act through the next boot, so fault() resets the board to apply them. */
const RESET_TO_APPLY: ReadonlySet<RuntimeFault['kind']> = new Set(['camera-init', 'lost-script', 'invalid-header', 'no-psram']);
const simLog = logger('sim');

/**
 * A simulated AI-Thinker ESP32-CAM: one board with its USB-serial side (`serial`: ROM, flash, auto-reset,
 * UART) and its I2C side (an I2cTransport, so it plugs in where the Pi's bus would). When the bootloader
 * starts MicroPython from the flash, a worker thread runs MicroPython-WASM with freshev's start-up: the
 * filesystem from the flash's vfs partition, boot.py, main.py (the slave script, driving the simulated I2C
 * slave through fake `machine`, `camera` and `utime` modules), then the REPL on the UART. Every chip reset
 * ends that worker; a soft reset replaces it.
 *
 * Events: 'console' (each line MicroPython prints), 'frame' ({ sha256, size }: a frame the sensor delivered), 'reboot' ({ cause }: a chip reset's boot), 'soft-reboot'
 * ({ raw }), 'fault' (FaultEvent), 'pin' ({ pin, value }), 'watchdog' ({ timeoutMs }: the script started its WDT), 'repl' (the REPL is up), 'repl-exec' ({ code, how }: code the raw REPL
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
  private readonly bus: I2cSlaves;
  /** The wire this board's slave is on: its own, or one shared with other boards (opts.i2cBus). */
  private readonly wire: SimI2cBus;
  private readonly unplug: () => void;
  private readonly ownsWire: boolean;
  private readonly camera: SimCamera;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(CTL.SLOTS * 4));
  private readonly powerOnAt = absNow();
  private readonly wdtTimer: NodeJS.Timeout;
  private readonly console = new LineSplitter((line) => this.emit('console', line));
  private serialBoard: SimSerialBoard | undefined;

  private chip: ChipHandle | undefined;
  private fs: SimFs | undefined;
  /** The current boot's worker; a worker that is no longer this one is ignored, whatever it still posts. */
  private worker: ChipWorker | null = null;
  private exiting: Promise<unknown> = Promise.resolve();
  private wdt = new TaskWatchdog();
  private i2cUsed = [-1, -1];
  /** The nvs partition: what the script's NVS commit()s left, kept across chip and soft resets. */
  private nvs: NvsData = {};
  private bootCount = 0;
  private vmMemoryBytes = 0;
  private resetAt = absNow();
  private resetCause: ResetCause = 'PWRON_RESET';
  private booted = false;
  private closed = false;
  private ready: Deferred = deferred();
  private pins = new Map<number, number>();
  // Run-time faults (fault()): what later boots will meet, and what holds now.
  private brownoutsLeft = 0;
  private deadSensorBoots = 0;
  private psramMissingNext = false;
  /** This chip boot's hardware faults; its soft resets keep them. */
  private hardware = { sensorDead: false, noPsram: false };
  private brownoutArmed = false;
  private hang: { fault: RuntimeFault; timer: NodeJS.Timeout } | undefined;
  private stuck: { fault: RuntimeFault; timer: NodeJS.Timeout | undefined } | undefined;
  /** Raw-paste windows a host overran, since power-on (must stay 0 for a well-behaved client). */
  pasteOverruns = 0;

  static async start(opts: SimOptions = {}): Promise<SimulatedEsp32Cam> {
    const board = new SimulatedEsp32Cam(opts);
    try {
      const flash = openFlash(opts.flashFile);
      try {
        prepareFlash(flash.flash, opts.flashFile === undefined || !flash.existed, board.script);
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
    const checked = checkSimOptions(opts);
    this.script = checked.script;
    this.busHz = opts.i2cBus?.busHz ?? checked.busHz;
    this.bootMs = checked.bootMs;
    this.seed = checked.seed;
    this.rng = new SeededRandom(this.seed);
    this.setAmbientLight(checked.ambientLight);
    if (opts.faults) this.inject(opts.faults);
    this.bus = new I2cSlaves({
      latencyMs: checked.latencyMs,
      rng: this.rng,
      faults: this.faults,
      deliver: (address, bytes) => this.worker?.post({ t: 'rx', addr: address, hex: bytes.toString('hex') }),
    });
    this.ownsWire = opts.i2cBus === undefined;
    this.wire = opts.i2cBus ?? new SimI2cBus(this.busHz);
    this.unplug = this.wire.plug(this.bus);
    if (opts.lineNoise) this.setLineNoise(opts.lineNoise);
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

  async i2cWrite(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }> {
    this.checkOpen();
    return this.wire.i2cWrite(address, length, buffer);
  }

  async i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }> {
    this.checkOpen();
    return this.wire.i2cRead(address, length, buffer);
  }

  /**
   * Bytes the slave at `address` has queued for the master (its TX ring). A test rig's view: a real master
   * cannot see it, which is why the legacy protocol's masters wait a fixed time instead.
   */
  txQueued(address: number): number {
    return this.bus.queued(address);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.wdtTimer);
    this.releaseSda();
    this.endHang();
    this.bus.close();
    this.unplug();
    if (this.ownsWire) await this.wire.close();
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
   * Garbles bytes on this board's side of the wire from now on, at `noise.rate` per byte in both directions;
   * undefined makes the wire clean again. Counts start again from zero.
   */
  setLineNoise(noise: LineNoiseOptions | undefined): void {
    this.bus.noise = noise === undefined ? undefined : new LineNoise(noise, this.seed);
  }

  /** The bytes the line noise has seen, and how many it flipped, dropped and duplicated (undefined: no noise). */
  lineNoiseCounts(): NoiseCounts | undefined {
    const counts = this.bus.noise?.counts;
    return counts && { ...counts };
  }

  /**
   * Injects a fault at run time (runtime-faults.ts lists the kinds, parseRuntimeFault reads them from user
   * input). Each is what a real board does, and shows both on the I2C side and in what the UART prints.
   * Emits 'fault' ({ ...fault, phase: 'injected' }); resets that a fault causes emit 'reboot' as any reset does.
   */
  fault(input: RuntimeFault | RuntimeFaultRequest): void {
    this.checkOpen();
    const fault = checkRuntimeFault(input);
    switch (fault.kind) {
      case 'reboot': {
        if (fault.cause === 'power') break;
        const chip = this.runningChip(fault.kind);
        // ESP_RST_TASK_WDT is WDT_RESET to MicroPython, ESP_RST_PANIC is HARD_RESET (modmachine.c); both
        // restart through esp_restart_noos, which the ROM reports as SW_CPU_RESET.
        const text = fault.cause === 'watchdog' ? taskWatchdogPanic(Math.round(absNow() - this.resetAt)) : guruMeditationPanic();
        this.emitFault(fault, 'injected');
        this.console.push(Buffer.from(text, 'latin1'));
        chip.restart({ reason: 'SW_CPU', cause: fault.cause === 'watchdog' ? 'WDT_RESET' : 'HARD_RESET', text });
        return;
      }
      case 'hang': {
        const worker = this.runningWorker(fault.kind);
        this.endHang();
        const ms = fault.seconds * 1000;
        worker.post({ t: 'hang', until: absNow() + ms });
        this.hang = { fault, timer: setTimeout(() => this.endHang(), ms) };
        this.hang.timer.unref();
        break;
      }
      case 'brownout':
        this.brownoutsLeft += fault.count;
        // The loop starts with the running boot, if its script is up: the next load step trips it.
        if (this.chip?.alive && this.booted && this.worker) {
          this.brownoutArmed = true;
          this.armBrownout(this.worker, this.chip);
        }
        break;
      case 'camera-init':
        this.deadSensorBoots += fault.count;
        break;
      case 'lost-script': {
        // A real delete: the file leaves the filesystem in the flash, so every later boot misses it too.
        const fs = this.fs ?? SimFs.load(this.serial.flash);
        if (fs.files.has('/main.py')) fs.apply({ op: 'remove', path: '/main.py' });
        break;
      }
      case 'bus-stuck': {
        this.runningChip(fault.kind);
        this.releaseSda();
        this.wire.holdSda(this);
        const timer = fault.seconds === null ? undefined : setTimeout(() => this.releaseSda(), fault.seconds * 1000);
        timer?.unref();
        this.stuck = { fault, timer };
        break;
      }
      case 'desync':
        this.runningChip(fault.kind);
        if (this.bus.desync() === 0) {
          throw new Esp32CamError(
            'E_BAD_INPUT',
            'The simulated board has no I2C slave to desync',
            'Wait until its script has created the slave (info().address is set), then inject the fault.',
          );
        }
        break;
      case 'invalid-header':
        this.serial.holdGpio12High(fault.count);
        break;
      case 'no-psram':
        this.psramMissingNext = true;
        break;
    }
    this.emitFault(fault, 'injected');
    // These take effect at a reset (the straps latch, the sensor and the PSRAM are probed, main.py is looked
    // for), so the board is reset now through EN, which the ESP32 reports as a power-on reset.
    if (RESET_TO_APPLY.has(fault.kind) || (fault.kind === 'reboot' && fault.cause === 'power')) this.serial.pressReset();
  }

  /**
   * Sets the scene's light, 0 (dark) to 1 (the test card as drawn): frames exposed from now on get it. A frame
   * the camera already holds keeps the light it was exposed in. The flash LED (GPIO4) adds to it.
   */
  setAmbientLight(level: number): void {
    Atomics.store(this.ctl, CTL.AMBIENT_PERMILLE, Math.round(checkAmbientLight(level) * 1000));
  }

  /** Drops every run-time fault that is pending or holding (a deleted main.py stays deleted). */
  clearFaults(): void {
    this.brownoutsLeft = 0;
    this.brownoutArmed = false;
    this.deadSensorBoots = 0;
    this.psramMissingNext = false;
    this.endHang();
    this.releaseSda();
    this.bus.resync();
    this.serialBoard?.releaseGpio12();
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
      ambientLight: Atomics.load(this.ctl, CTL.AMBIENT_PERMILLE) / 1000,
      redLed: this.pins.get(RED_LED_PIN) === 0,
      booted: this.booted,
      watchdog: this.wdt.view(),
      vmMemoryBytes: this.vmMemoryBytes,
    };
  }

  // ---- ChipRuntime: what the serial side's bootloader starts and every chip reset stops -------------

  boot(chip: ChipHandle, cause: ResetCause): void {
    if (this.closed) return;
    this.chip = chip;
    this.console.endLine();
    this.bootCount++;
    this.hardware = { sensorDead: this.deadSensorBoots > 0, noPsram: this.psramMissingNext };
    if (this.deadSensorBoots > 0) this.deadSensorBoots--;
    this.psramMissingNext = false;
    this.brownoutArmed = this.brownoutsLeft > 0;
    if (this.hardware.noPsram) {
      const line = Buffer.from(psramMissingLine(PSRAM_PROBE_LOG_MS), 'latin1');
      this.console.push(line);
      void chip.print(line);
    }
    if (this.bootCount > 1) {
      simLog.debug(() => `simulated board rebooted: ${cause}`);
      this.emit('reboot', { cause });
    }
    const previous = this.ready;
    this.ready = deferred();
    // Whoever waited on an interrupted boot now waits on this one.
    this.ready.promise.then(previous.resolve, previous.reject);
    this.resetAt = chip.resetAt;
    this.resetCause = cause;
    this.pins = new Map();
    this.i2cUsed = [-1, -1];
    this.wdt = new TaskWatchdog();
    this.fs = SimFs.load(chip.flash);
    this.startWorker({ soft: false, raw: false });
  }

  halt(): void {
    // A chip reset ends a hang and lets go of SDA (the GPIO matrix resets to inputs).
    this.endHang();
    this.releaseSda();
    this.stopWorker();
    this.bus.powerCycle();
    this.chip = undefined;
  }

  receive(bytes: Uint8Array): void {
    this.worker?.post({ t: 'uart', bytes });
  }

  // ---- workers --------------------------------------------------------------------------------------

  private startWorker(mode: { soft: boolean; raw: boolean }): void {
    this.vmMemoryBytes = 0;
    const chip = this.chip;
    const fs = this.fs;
    if (!chip || !fs) return;
    const ready = this.ready;
    this.booted = false;
    const boot = {
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
      wdt: this.wdt.buffer,
      hardware: this.hardware,
      nvs: this.nvs,
    };
    const worker = ChipWorker.start(this.ctl, boot, {
      message: (m) => {
        if (m.t === 'fs')
          this.fs?.apply(m); // a write that completed is in the flash, even if the chip reset since
        else if (m.t === 'nvs')
          this.nvs = m.data; // so is a commit
        else if (worker === this.worker) this.onWorkerMessage(m, worker, ready, chip);
      },
      error: (err) => {
        if (worker !== this.worker) return;
        ready.reject(
          new Esp32CamError('E_SIM_SCRIPT', `The simulated board crashed: ${err.message}`, 'This is a simulator bug; please report it with the script.'),
        );
        this.reportError(err.stack ?? err.message);
      },
    });
    this.worker = worker;
  }

  private stopWorker(): void {
    const worker = this.worker;
    this.worker = null;
    this.booted = false;
    if (worker) this.exiting = worker.stop();
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

  private onWorkerMessage(m: Exclude<WorkerMessage, { t: 'fs' }>, worker: ChipWorker, ready: Deferred, chip: ChipHandle): void {
    switch (m.t) {
      case 'uart': {
        this.console.push(m.bytes);
        const n = m.bytes.length;
        void chip.print(m.bytes).then(() => {
          if (worker === this.worker) worker.txDrained(n);
        });
        break;
      }
      case 'started':
        this.armBrownout(worker, chip);
        this.booted = true;
        setTimeout(ready.resolve, READY_GRACE_MS).unref();
        break;
      case 'load-error': {
        this.booted = true;
        const file = m.file === 'main.py' && this.script ? this.script : m.file;
        const where = m.line ? `${file}:${m.line}` : file;
        const err = new Esp32CamError(
          'E_SIM_SCRIPT',
          `The slave script failed to load: ${where}: ${m.message}`,
          'Fix the script and reset the simulated board.',
        );
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
        this.armBrownout(worker, chip);
        this.booted = true;
        ready.resolve();
        this.emit('repl', { raw: m.raw });
        break;
      case 'worker-error':
        this.reportError(m.text);
        ready.reject(
          new Esp32CamError(
            'E_SIM_SCRIPT',
            `The simulated board failed: ${m.text.split('\n')[0]}`,
            'This is a simulator bug; please report it with the script.',
          ),
        );
        break;
      case 'slave-up':
        this.bus.attach({ bus: m.bus, address: m.addr, rbuflen: m.rbuflen, ring: this.txRing(m.ring) });
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
      case 'wdt-start':
        // The script started (or reconfigured) its watchdog: what a test that resets the board waits for.
        this.emit('watchdog', { timeoutMs: m.timeoutMs });
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
      case 'capture':
        this.vmMemoryBytes = m.vmBytes;
        void this.camera.capture(m).then((out) => {
          if (worker !== this.worker) return; // that boot is gone
          if (out.outcome === 'fault') this.emit('console', `E (camera) Camera Capture Failed (${out.reason})`);
          if (out.outcome === 'overflow') this.emit('console', `W (cam_hal) FB-OVF: a ${out.size}-byte JPEG does not fit the ${m.fbLen}-byte frame buffer`);
          // A test rig's view of what the sensor delivered, to check that a photo came from this board.
          if (out.outcome === 'frame') this.emit('frame', { sha256: createHash('sha256').update(out.data).digest('hex'), size: out.data.length });
          worker.post({ t: 'frame', id: m.id, outcome: out.outcome, hex: out.outcome === 'frame' ? out.data.toString('hex') : null });
        });
        break;
      case 'loaded':
        break;
    }
  }

  private checkWatchdog(): void {
    const chip = this.chip;
    if (!this.worker || this.closed || !chip) return;
    if (this.wdt.bite()) {
      simLog.info("the simulated board's watchdog bit: the script stopped feeding it");
      const panic = taskWatchdogPanic(Math.round(absNow() - this.resetAt));
      this.console.push(Buffer.from(panic, 'latin1'));
      chip.restart({ reason: 'SW_CPU', cause: 'WDT_RESET', text: panic });
    }
  }

  /** A brownout loop's trip, shortly after the script of an affected boot starts. */
  private armBrownout(worker: ChipWorker, chip: ChipHandle): void {
    if (!this.brownoutArmed) return;
    this.brownoutArmed = false;
    const timer = setTimeout(() => {
      if (worker !== this.worker || !chip.alive || this.brownoutsLeft <= 0) return;
      this.brownoutsLeft--;
      simLog.info('the simulated board browned out');
      this.emitFault({ kind: 'brownout', count: this.brownoutsLeft }, 'tripped');
      this.console.push(Buffer.from(BROWNOUT_TEXT, 'latin1'));
      // ESP_RST_BROWNOUT reads as PWRON_RESET in MicroPython (modmachine.c).
      chip.restart({ reason: 'SW_CPU', cause: 'PWRON_RESET', text: BROWNOUT_TEXT });
    }, BROWNOUT_AFTER_START_MS);
    timer.unref();
  }

  private endHang(): void {
    const hang = this.hang;
    if (!hang) return;
    this.hang = undefined;
    clearTimeout(hang.timer);
    this.worker?.post({ t: 'hang', until: 0 });
    this.emitFault(hang.fault, 'ended');
  }

  private releaseSda(): void {
    const stuck = this.stuck;
    if (!stuck) return;
    this.stuck = undefined;
    clearTimeout(stuck.timer);
    this.wire.releaseSda(this);
    this.emitFault(stuck.fault, 'ended');
  }

  private emitFault(fault: RuntimeFault, phase: FaultEvent['phase']): void {
    simLog.debug(() => `simulated fault ${fault.kind}: ${phase}`);
    this.emit('fault', { ...fault, phase } satisfies FaultEvent);
  }

  /** The chip while it runs MicroPython; faults that act on a running script need one. */
  /** The master's end of a slave's TX ring, through the FIFO model at this board's clock (tx-fifo.ts). */
  private txRing(sab: SharedArrayBuffer | null): TxRingReader | null {
    return sab ? new TxRingReader(sab, fifoTiming(this.busHz, this.opts.fifoRefillUs, this.seed)) : null;
  }

  private runningChip(kind: string): ChipHandle {
    const chip = this.chip;
    if (!chip?.alive || !this.worker) {
      throw new Esp32CamError(
        'E_NOT_MICROPYTHON',
        `The simulated board is not running its script, so a ${kind} fault has nothing to act on`,
        'Wait until it has booted (or reset it), then inject the fault.',
      );
    }
    return chip;
  }

  private runningWorker(kind: string): ChipWorker {
    this.runningChip(kind);
    const worker = this.worker;
    if (!worker) throw new Esp32CamError('E_NOT_MICROPYTHON', `The simulated board has no script for a ${kind} fault`, 'Reset it and try again.');
    return worker;
  }

  private reportError(text: string): void {
    if (this.listenerCount('error') > 0) this.emit('error', text);
  }

  private checkOpen(): void {
    if (this.closed) throw new Esp32CamError('E_CLOSED', 'The simulated camera is closed', 'Start a new simulated board.');
  }
}

/** Alias of SimulatedEsp32Cam.start. */
export const openSimBus = (opts?: SimOptions): Promise<SimulatedEsp32Cam> => SimulatedEsp32Cam.start(opts);
