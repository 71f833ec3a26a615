import type { SerialPortStream } from '@serialport/stream';
import { ESPLoader, Transport, type ROM } from 'esptool-js';
import { ESP32ROM } from 'esptool-js/lib/targets/esp32.js';
import { CHIP_DETECT_MAGIC_REG, CHIP_MAGIC } from '../../../../protocol/src/rom/index.js';
import { Esp32CamError } from '../../errors.js';
import { BootLogCapture, diagnoseBootLog, type BootDiagnosis } from './boot-log.js';
import { classicReset, hardReset, MANUAL_INSTRUCTIONS, type ModemLines, type ResetStep } from '../board-reset/reset-lines.js';
import { wakeReadsOnData } from './prompt-read.js';
import type { WebSerialAdapter } from './webserial-adapter.js';

export const ROM_BAUD = 115200;

export interface ConnectEvents {
  status(message: string): void;
  /** Manual reset: what to do, and the seconds left to do it. */
  manual(instructions: string, secondsLeft: number): void;
}

export interface ConnectOptions {
  port: SerialPortStream;
  adapter: WebSerialAdapter;
  /** The port's modem lines, usable before esptool-js opens the adapter. */
  lines: ModemLines;
  steps: ResetStep[];
  /** Baud rate to switch to once the stub runs. */
  baudRate: number;
  /** How long the manual path waits for the buttons. */
  manualWindowMs: number;
  events: ConnectEvents;
}

export interface Connection {
  loader: ESPLoader;
  transport: Transport;
  /** esptool-js's description, e.g. "ESP32-D0WDQ6 (revision v1.0)". */
  description: string;
  chipName: string;
  step: ResetStep;
}

type Device = ConstructorParameters<typeof Transport>[0];

/**
 * Tries each reset step until the ROM answers SYNC. For every failed step the boot log read during its reset
 * says why, and the error reported at the end is the most telling of them.
 */
export async function connect(opts: ConnectOptions): Promise<Connection> {
  const lines = opts.lines;
  const transport = new Transport(opts.adapter as unknown as Device, false);
  // esptool-js traces to console.log even with tracing off.
  transport.trace = () => undefined;
  wakeReadsOnData(transport);
  const terminal = {
    clean: () => undefined,
    writeLine: (text: string) => emitStatus(opts.events, text),
    write: (text: string) => emitStatus(opts.events, text),
  };
  const loader = new ESPLoader({
    transport,
    baudrate: opts.baudRate,
    romBaudrate: ROM_BAUD,
    terminal,
    // esptool-js reconnects by itself when a baud change fails; it must then use our reset too.
    resetConstructors: {
      classicReset: (_t: Transport, delay: number) => ({ reset: () => classicReset(delay).run(lines) }),
      hardReset: () => ({ reset: () => hardReset(lines) }),
    } as never,
  });
  const link: Link = { loader, transport, port: opts.port, syncs: countSyncs(loader) };
  const diagnoses: Array<{ step: ResetStep; diagnosis: BootDiagnosis }> = [];
  for (const step of opts.steps) {
    opts.events.status(`Connecting (${step.label})…`);
    const capture = new BootLogCapture(opts.port);
    try {
      const ok = step.name === 'manual' ? await manualConnect(link, opts) : await syncOnce(link, step, lines);
      if (ok) {
        capture.stop();
        const chipName = loader.chip.CHIP_NAME;
        const description = await loader.chip.getChipDescription(loader);
        return { loader, transport, description, chipName, step };
      }
    } catch (err) {
      capture.stop();
      if (err instanceof Esp32CamError) throw err;
      throw new Esp32CamError(
        'E_FLASH_FAILED',
        `Talking to the bootloader failed: ${String((err as Error)?.message ?? err)}`,
        'Try again; if it keeps failing, try --baud 115200 and another USB cable or port.',
        { cause: err },
      );
    }
    diagnoses.push({ step, diagnosis: diagnoseBootLog(capture.stop()) });
  }
  throw connectError(diagnoses);
}

/** What a connect attempt works with: esptool-js's loader and transport, the port, and the SYNCs sent so far. */
interface Link {
  loader: ESPLoader;
  transport: Transport;
  port: SerialPortStream;
  syncs: { sent: number };
}

/** Counts the SYNC requests esptool-js sends, to tell a connect that needed more than one. */
function countSyncs(loader: ESPLoader): { sent: number } {
  const count = { sent: 0 };
  const sync = loader.sync.bind(loader);
  loader.sync = () => {
    count.sent++;
    return sync();
  };
  return count;
}

/** One reset and one esptool-js connect attempt (five SYNCs), with chip detection on success. */
async function syncOnce(link: Link, step: ResetStep, lines: ModemLines): Promise<boolean> {
  await step.run(lines);
  // The ROM prints its boot log right after a reset; SYNC replies mixed into it would be read as bad packets.
  await quiet(link.port);
  return tryConnect(link, false);
}

/** Resolves once the port has been silent for `quietMs`, or after `maxMs` of a board that keeps talking. */
function quiet(port: SerialPortStream, quietMs = 40, maxMs = 800): Promise<void> {
  return new Promise((resolve) => {
    let timer = setTimeout(done, quietMs);
    const give = setTimeout(done, maxMs);
    function onData(): void {
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    }
    function done(): void {
      clearTimeout(timer);
      clearTimeout(give);
      port.off('data', onData);
      resolve();
    }
    port.on('data', onData);
  });
}

/** Keeps trying while the user presses the buttons, telling them how long is left. */
async function manualConnect(link: Link, opts: ConnectOptions): Promise<boolean> {
  const deadline = Date.now() + opts.manualWindowMs;
  while (Date.now() < deadline) {
    opts.events.manual(MANUAL_INSTRUCTIONS, Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
    if (await tryConnect(link, true)) return true;
  }
  return false;
}

/**
 * SYNC and chip detection. A SYNC the ROM took late (sent while it was still starting, or before the user's
 * reset) is answered late, eight times over; those replies are waited out before the next command, whose
 * reply they would otherwise cut into (and garble, once the rate is raised). That can happen after the
 * manual reset, or when the SYNC took more than one try; a first-try SYNC has had all its replies read.
 */
async function tryConnect(link: Link, lateReplies: boolean): Promise<boolean> {
  const { loader, transport } = link;
  const before = link.syncs.sent;
  try {
    await loader.connect('no_reset', 1, false);
    if (lateReplies || link.syncs.sent - before > 1) {
      await quiet(link.port);
      transport.flushInput();
    }
    await identifyChip(loader);
    return true;
  } catch (err) {
    if (isPortLoss(err)) throw err;
    await transport.disconnect();
    return false;
  }
}

/** esptool-js 0.7.0's own chip detection (private there; the version is pinned). */
interface ChipDetection {
  identifyChip(): Promise<ROM>;
  applyDetectedChip(chip: ROM): void;
}

/**
 * Names the chip after SYNC. esptool-js asks GET_SECURITY_INFO first, which the ESP32's ROM does not have,
 * and then waits for 100 ms of silence after the refusal before it reads the chip magic. Here the magic
 * comes first: 0x00F01D83 is the ESP32's alone (docs/hardware.md §7), the same answer esptool-js reaches.
 * Any other value goes through esptool-js's whole detection, which also refuses a chip it does not know.
 */
async function identifyChip(loader: ESPLoader): Promise<void> {
  const detection = loader as unknown as ChipDetection;
  const magic = (await loader.readReg(CHIP_DETECT_MAGIC_REG)) >>> 0;
  detection.applyDetectedChip(magic === CHIP_MAGIC.ESP32 ? new ESP32ROM() : await detection.identifyChip());
}

/** A lost port (our typed errors, Web Serial's NetworkError). Anything else esptool-js throws (no sync, noise, a half packet) is a failed attempt. */
export function isPortLoss(err: unknown): boolean {
  return err instanceof Esp32CamError || (err instanceof Error && err.name === 'NetworkError');
}

/** What the boot logs of all the failed attempts say, most specific first. */
export function connectError(attempts: Array<{ step: ResetStep; diagnosis: BootDiagnosis }>): Esp32CamError {
  const tried = attempts.map((a) => a.step.label).join(', ');
  const find = (kind: BootDiagnosis['kind']) => attempts.find((a) => a.diagnosis.kind === kind)?.diagnosis;
  const download = find('download');
  if (download) {
    return new Esp32CamError(
      'E_NO_SYNC_REPLY',
      `The board entered download mode but never answered (tried: ${tried})`,
      "The TX path from the board is down: check the wire from the ESP32's U0TXD (GPIO1) to the adapter's RX, and that nothing else drives GPIO1.",
    );
  }
  const flashBoot = find('flash-boot');
  if (flashBoot && flashBoot.kind === 'flash-boot') {
    return new Esp32CamError(
      'E_NOT_IN_DOWNLOAD_MODE',
      `Wrong boot mode: the board booted from flash (boot:${flashBoot.bootMode}), so GPIO0 was not held low at reset (tried: ${tried})`,
      "Hold GPIO0 (IO0) to GND while pressing RST, or use --before manual. On the ESP32-CAM-MB, try another cable or USB port; disconnect anything on GPIO0, GPIO2 or GPIO12 (such as the Pi's I2C wires).",
    );
  }
  if (find('garbage')) {
    return new Esp32CamError(
      'E_SERIAL_NOISE',
      `Only garbage arrived from the board (tried: ${tried})`,
      "This is a baud-rate mismatch or electrical noise: use a shorter or better USB cable, a powered hub, and check the board's 5 V supply and ground.",
    );
  }
  return new Esp32CamError(
    'E_NO_SERIAL_DATA',
    `The board sent nothing on the serial port (tried: ${tried})`,
    'Check that TX and RX are crossed (adapter TX to U0RXD, RX to U0TXD), that the board is powered, and that this is the right port (`esp32cam ports`). For a board without auto-reset, use --before manual.',
  );
}

/** esptool-js's chatter that says nothing to a user of this tool (its banner, its retry dots, its advice text). */
const NOISE = /^(esptool\.js|Serial port|Connecting\.\.\.|\.+|_|If the chip does not respond.*)$/;

function emitStatus(events: ConnectEvents, text: string): void {
  const line = text.replace(/[\r\n]+/g, ' ').trim();
  if (line && !NOISE.test(line)) events.status(line);
}
