import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Esp32CamError } from '../errors.js';
import type { FrameSource } from './camera-model.js';
import type { SimFaults } from './faults.js';
import type { LineNoiseOptions } from './line-noise.js';
import type { SimI2cBus } from './sim-i2c-bus.js';
import { FS_BLOCK } from './sim-fs.js';
import { checkRefillWindow } from './tx-fifo.js';
import type { SimSerialBoardOptions } from './uart/sim-serial-board.js';

export interface SimOptions {
  /**
   * Slave script installed as the board's main.py (with the other .py files of its folder) at start. Default
   * <packageRoot>/device-scripts/main.py, installed only into a fresh flash: an existing flash file keeps its
   * filesystem unless a script is given.
   */
  script?: string;
  /** Keep the board's 4 MB flash (firmware and filesystem) in this raw image file; created when missing. */
  flashFile?: string;
  /** Bus clock for wire-time pacing, default 100 000 Hz (a shared i2cBus has its own). */
  busHz?: number;
  /**
   * The simulated I2C bus to plug the board into, shared with other boards at other addresses. Default: a
   * bus of its own, which the board closes with itself.
   */
  i2cBus?: SimI2cBus;
  /** Window of the delay from a master write to the script's callback, default [10, 20] ms. */
  latencyMs?: [number, number];
  /**
   * Window of the slave's TX FIFO refill latency, default [5, 20] µs (tx-fifo.ts): the time from the FIFO
   * falling under 5 bytes to the ISR's refill. A master that clocks the FIFO dry meanwhile reads filler.
   */
  fifoRefillUs?: [number, number];
  /** Time from reset until main.py starts, default 300 ms. */
  bootMs?: number;
  /** Seeds the latency, fault and capture-timing RNG so runs repeat. */
  seed?: number;
  /** setattr on the script's `camconfig` module before main runs, e.g. { FRAME_SIZE: 'VGA' }. */
  configOverrides?: Record<string, string | number | boolean>;
  /** Replaces the test card (tests use it to force exact photo sizes). */
  frameSource?: FrameSource;
  /**
   * The scene's light, 0 (dark) to 1 (the test card as drawn, the default); the flash LED adds to it
   * (scene-light.ts). SimulatedEsp32Cam.setAmbientLight changes it while the board runs.
   */
  ambientLight?: number;
  faults?: SimFaults;
  /** Random byte faults (flips, drops, duplicates) on the board's I2C wire from power-on; setLineNoise changes them. */
  lineNoise?: LineNoiseOptions;
  /** Shrinks the filesystem below its partition's size (tests of a full filesystem). */
  fsCapacityBytes?: number;
  /** false models firmware older than raw-paste: `\x05A\x01` is answered `R\x00`. Default true. */
  rawPaste?: boolean;
  /** The USB-serial side: auto-reset circuit, flash timing, bridge limits, GPIO0 held low. */
  serial?: Pick<SimSerialBoardOptions, 'autoReset' | 'flashTiming' | 'bridgeMaxBaud' | 'downloadMode'>;
}

/** The options a board runs with once checked and defaulted (faults are checked where they are injected). */
export interface CheckedSimOptions {
  /** Absolute path, or undefined to keep (or install the default) main.py. */
  script: string | undefined;
  busHz: number;
  bootMs: number;
  latencyMs: [number, number];
  seed: number;
  ambientLight: number;
}

/** Rejects bad options before anything starts, so a typo cannot leave a half-started board behind. */
export function checkSimOptions(opts: SimOptions): CheckedSimOptions {
  const script = opts.script === undefined ? undefined : resolve(opts.script);
  const busHz = checkNumber('busHz', opts.busHz ?? 100_000, 1_000, 5_000_000);
  const bootMs = checkNumber('bootMs', opts.bootMs ?? 300, 0, 60_000);
  if (opts.fsCapacityBytes !== undefined) checkNumber('fsCapacityBytes', opts.fsCapacityBytes, 4 * FS_BLOCK, 64 * 1024 * 1024);
  const latency = opts.latencyMs ?? [10, 20];
  if (!Array.isArray(latency) || latency.length !== 2) {
    throw new Esp32CamError('E_BAD_INPUT', 'latencyMs must be [min, max]', 'Pass two numbers of milliseconds, e.g. [10, 20].');
  }
  const lo = checkNumber('latencyMs[0]', latency[0], 0, 10_000);
  const hi = checkNumber('latencyMs[1]', latency[1], lo, 10_000);
  if (opts.fifoRefillUs !== undefined) checkRefillWindow(opts.fifoRefillUs);
  const seed = (opts.seed ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;
  const ambientLight = checkAmbientLight(opts.ambientLight ?? 1);
  if (opts.configOverrides !== undefined && (opts.configOverrides === null || typeof opts.configOverrides !== 'object')) {
    throw new Esp32CamError('E_BAD_INPUT', 'configOverrides must be an object', 'Pass names and values, e.g. { FRAME_SIZE: "VGA" }.');
  }
  if (script !== undefined && !existsSync(script)) {
    throw new Esp32CamError(
      'E_SIM_SCRIPT',
      `The slave script ${script} does not exist`,
      'Give the path of a MicroPython slave script (--sim-script PATH, or "sim": {"script": PATH} in the config file).',
    );
  }
  return { script, busHz, bootMs, latencyMs: [lo, hi], seed, ambientLight };
}

/** The scene's light level, 0 (dark) to 1 (as the test card is drawn). */
export function checkAmbientLight(level: unknown): number {
  if (typeof level !== 'number' || !Number.isFinite(level) || level < 0 || level > 1) {
    throw new Esp32CamError(
      'E_BAD_INPUT',
      `The ambient light ${String(level)} is not a level from 0 to 1`,
      'Use 0 for a dark scene, 1 for the test card as drawn, or a fraction between, e.g. 0.1 for dusk.',
    );
  }
  return level;
}

function checkNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Esp32CamError('E_BAD_INPUT', `Simulator option ${name}=${String(value)} is out of range`, `Use a number from ${min} to ${max}.`);
  }
  return value;
}
