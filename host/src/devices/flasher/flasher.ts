import type { BindingInterface } from '@serialport/bindings-cpp';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { chipFromLabel, inspectImage, type ChipName, type ImageInspection } from '../../../../protocol/src/esp-image/index.js';
import { Esp32CamError } from '../../errors.js';
import { logger } from '../../log/index.js';
import { openSerialPort, type SerialPortHandle } from '../../transports/serial/index.js';
import type { BridgeKind } from '../../transports/serial/bridges.js';
import { BootLogCapture, printable } from './boot-log.js';
import { listenForBoot, type BootOutcome } from './boot-listen.js';
import { connect, isPortLoss, ROM_BAUD, type Connection } from './connect.js';
import { checkFirmware, refusalToError } from './image-check.js';
import { hostTakesBaud, raiseRomBaud } from './rom-baud.js';
import { hardReset, resetPlan, type BeforeOption, type ModemLines } from '../board-reset/reset-lines.js';
import { WebSerialAdapter } from './webserial-adapter.js';
import { DEFLATE_OPTIONS, writeImage } from './write-image.js';

export interface FlashOptions {
  /** A serial device path, or `sim:…` together with `binding`. */
  path: string;
  image: Uint8Array;
  /** `auto` reads the file's layout (docs/hardware.md §8). */
  offset?: 'auto' | number;
  /** Baud rate once the stub runs; 460800 by default, as esptool. */
  baudRate?: number;
  erase?: boolean;
  before?: BeforeOption;
  /** Turns the image checks' refusals (wrong chip, wrong offset) into warnings. */
  force?: boolean;
  /**
   * `inspectImage(image)`, when the caller made it already (to refuse a file before starting anything): it
   * hashes every image in the file, some 0.1 s for a 1.5 MB firmware, so it is not done twice.
   */
  inspection?: ImageInspection;
  binding?: BindingInterface;
  bridge?: BridgeKind;
  /** Someone can press the board's buttons: `auto` may end with the manual reset. */
  interactive?: boolean;
  /** How long the manual reset waits for the buttons. Default 30 s. */
  manualWindowMs?: number;
  /** The longest to listen to the board after the final reset (it stops at the line that says what the boot is). Default 6 s; 0 does not listen. */
  bootWatchMs?: number;
  onEvent?: (event: FlashEvent) => void;
}

export type FlashEvent =
  | { type: 'status'; message: string }
  | { type: 'manual'; instructions: string; secondsLeft: number }
  | { type: 'warning'; code: string; message: string; hint: string }
  | { type: 'connected'; chip: string; reset: string }
  | { type: 'progress'; phase: 'erase' | 'write' | 'verify'; written: number; total: number; bytesPerSecond: number }
  | { type: 'boot-log'; text: string };

export interface FlashResult {
  path: string;
  chip: string;
  reset: string;
  offset: number;
  length: number;
  baudRate: number;
  /** Time of the write and its MD5 check. */
  writeSeconds: number;
  /** Uncompressed bytes over write time, as esptool reports it. */
  effectiveKbps: number;
  md5: string;
  /** What the board printed after the final reset. */
  bootLog: string;
  /** What that boot was, as soon as a line said so; `unrecognised` when nothing did within bootWatchMs. */
  boot: BootOutcome;
}

const deflateAsync = promisify(deflate);
const log = logger('flash');

/**
 * Flashes a firmware image: checks the file, opens the port, resets the board into its ROM bootloader (our
 * reset strategies, with the boot log read to say why a connect failed), checks the image against the chip,
 * loads the stub and raises the baud rate (esptool-js), writes compressed with an MD5 check, and resets the
 * board into the new firmware, reporting what it printed.
 */
export async function flashFirmware(opts: FlashOptions): Promise<FlashResult> {
  const emit = opts.onEvent ?? (() => undefined);
  const baudRate = opts.baudRate ?? 460800;
  // Where the time goes (-v): each step's end, in ms since the process started (a CLI run's module loading counts too).
  const phase = (name: string, fields?: Record<string, unknown>): void => log.debug(`${name} at ${Math.round(performance.now())} ms`, fields);
  phase('flash started');
  // Files that are no image at all are refused before the port is touched.
  const inspection = opts.inspection ?? inspectImage(opts.image);
  if (!inspection.ok && !(opts.force && typeof opts.offset === 'number')) throw refusalToError(inspection);

  // Compressed on libuv's threads while the board is reached and the stub loaded, not after.
  const compressing = deflateAsync(opts.image, DEFLATE_OPTIONS);
  compressing.catch(() => undefined);
  const handle = await openSerialPort({ path: opts.path, baudRate: ROM_BAUD, bridge: opts.bridge, binding: opts.binding, owner: 'esp32cam flash' });
  phase('port open');
  const adapter = new WebSerialAdapter(handle.port, { signals: { dtr: false, rts: false } });
  const lines: ModemLines = { set: async (l) => void (await handle.setSignals(l)) };
  const unplugged = watchUnplug(handle);
  let connection: Connection | undefined;
  let writing = false;
  try {
    connection = await unplugged.race(
      connect({
        port: handle.port,
        adapter,
        lines,
        steps: resetPlan(opts.before ?? 'auto', {
          usbJtag: handle.bridge.kind === 'esp-usb-jtag',
          hasModemLines: handle.hasModemLines,
          interactive: opts.interactive ?? false,
        }),
        baudRate,
        manualWindowMs: opts.manualWindowMs ?? 30_000,
        events: {
          status: (message) => emit({ type: 'status', message }),
          manual: (instructions, secondsLeft) => emit({ type: 'manual', instructions, secondsLeft }),
        },
      }),
    );
    const { loader } = connection;
    emit({ type: 'connected', chip: connection.description, reset: connection.step.label });

    const chip = chipFromLabel(connection.chipName);
    if (!chip) {
      throw new Esp32CamError('E_WRONG_CHIP', `The board is a ${connection.chipName}, which this tool does not know`, 'Flash it with esptool.py directly.');
    }
    phase('connected');

    await unplugged.race(loadStub(connection, baudRate, chip, emit));
    // esptool-js falls back to 115200 when the board refuses the new rate; the port knows where it ended up.
    const finalBaud = handle.port.baudRate;
    phase('stub running', { baud: finalBaud });

    // Read through the stub at the fast rate; the image is still checked before anything is written.
    const flashSize = await unplugged.race(detectFlashSize(connection));
    const plan = checkFirmware(opts.image, { chip, offset: opts.offset ?? 'auto', flashSize, force: opts.force }, inspection);
    for (const warning of plan.warnings) emit({ type: 'warning', code: warning.code, message: warning.message, hint: warning.hint });
    phase('image checked', { flashSize });

    if (opts.erase) {
      emit({ type: 'progress', phase: 'erase', written: 0, total: flashSize, bytesPerSecond: 0 });
      await unplugged.race(loader.eraseFlash());
      emit({ type: 'progress', phase: 'erase', written: flashSize, total: flashSize, bytesPerSecond: 0 });
    }

    writing = true;
    const started = performance.now();
    const image = opts.image.subarray(0, plan.length);
    const compressed = image.length === opts.image.length ? await compressing : undefined;
    const { md5 } = await unplugged.race(
      writeImage(
        loader,
        image,
        plan.offset,
        (p) => {
          const seconds = (performance.now() - started) / 1000;
          emit({ type: 'progress', phase: 'write', written: p.written, total: p.total, bytesPerSecond: seconds > 0 ? p.written / seconds : 0 });
        },
        compressed,
      ),
    );
    const writeSeconds = (performance.now() - started) / 1000;
    writing = false;
    phase('written and verified', { compressed: compressed?.length });
    emit({ type: 'progress', phase: 'verify', written: image.length, total: image.length, bytesPerSecond: image.length / writeSeconds });

    const { bootLog, boot } = await unplugged.race(resetIntoFirmware(handle, lines, opts.bootWatchMs ?? 6000));
    if (bootLog) emit({ type: 'boot-log', text: bootLog });
    phase('boot watched', { boot: boot.kind });
    return {
      path: opts.path,
      chip: connection.description,
      reset: connection.step.label,
      offset: plan.offset,
      length: image.length,
      baudRate: finalBaud,
      writeSeconds,
      effectiveKbps: (image.length * 8) / writeSeconds / 1000,
      md5,
      bootLog,
      boot,
    };
  } catch (err) {
    throw explain(err, writing);
  } finally {
    unplugged.dispose();
    await closeQuietly(connection, handle);
  }
}

/**
 * Uploads esptool-js's stub and raises the baud rate. The ESP32's ROM changes the rate itself (esptool
 * serial-protocol.rst, "Initial synchronisation"), so that comes first and the stub's ~6.7 KB travel at the
 * fast rate: 0.07 s at 921600 instead of 0.6 s at 115200. The stub keeps the UART as the ROM left it. Should
 * the chip not answer at the new rate, it is reset and reached at 115200 again, and esptool's order follows:
 * the stub, then the stub's baud change (which falls back to 115200 by itself).
 */
async function loadStub(connection: Connection, baudRate: number, chip: ChipName, emit: (event: FlashEvent) => void): Promise<void> {
  const { loader, transport } = connection;
  if (baudRate !== ROM_BAUD && chip === 'esp32') {
    if (!(await hostTakesBaud(transport, baudRate, ROM_BAUD))) {
      // esptool-js's words for the same outcome, when its own baud change fails on the host side.
      emit({ type: 'status', message: `Unable to use ${baudRate} baud. Continuing at ${ROM_BAUD} baud.` });
      await loader.runStub();
      return;
    }
    if (await raiseRomBaud(loader, transport, baudRate)) {
      try {
        await loader.runStub();
        return;
      } catch (err) {
        // A stub that does not start, or does not greet at the new rate, gets the same recovery as a ROM that went quiet.
        if (isPortLoss(err)) throw err;
      }
    }
    emit({ type: 'status', message: `The board did not answer at ${baudRate} baud; resetting it and loading the stub at ${ROM_BAUD}` });
    await transport.changeBaudrate(ROM_BAUD);
    await transport.disconnect();
    await loader.connect('default_reset', 7, false);
  }
  await loader.runStub();
  if (baudRate !== ROM_BAUD) await loader.changeBaud();
}

/** Flash size from the chip's JEDEC id, as esptool's `detect_flash_size`; 4 MB when it cannot be read. */
async function detectFlashSize({ loader }: Connection): Promise<number> {
  const label = await loader.detectFlashSize();
  return label ? loader.flashSizeBytes(label as never) : 4 * 1024 * 1024;
}

/**
 * Leaves the stub by a hard reset through RTS (with GPIO0 high, so the chip boots from flash), then listens
 * until the line that says what the boot is (MicroPython's banner, a boot loop, download mode), at most
 * `watchMs`. The boot log is what the user needs to see: the new firmware's banner, or the ROM's complaint.
 */
async function resetIntoFirmware(handle: SerialPortHandle, lines: ModemLines, watchMs: number): Promise<{ bootLog: string; boot: BootOutcome }> {
  if (!handle.hasModemLines) return { bootLog: '', boot: { kind: 'not-reset' } };
  await handle.update(ROM_BAUD);
  const capture = new BootLogCapture(handle.port);
  const listening = watchMs > 0 ? listenForBoot(handle.port, watchMs) : undefined;
  let boot: BootOutcome = { kind: 'not-watched' };
  try {
    await hardReset(lines);
    if (listening) boot = await listening.outcome;
  } finally {
    listening?.stop();
  }
  return { bootLog: printable(capture.stop().toString('latin1')), boot };
}

/** Races each step against the port going away, so an unplugged board is reported within moments, not after a read timeout. */
function watchUnplug(handle: SerialPortHandle) {
  let disposed = false;
  const lost = handle.closed.then((err) => {
    if (disposed) return new Promise<never>(() => undefined);
    throw err ?? new Esp32CamError('E_PORT_DISCONNECTED', `The port ${handle.path} closed`, 'Plug the board back in and run the command again.');
  });
  lost.catch(() => undefined);
  return {
    race<T>(work: Promise<T>): Promise<T> {
      return Promise.race([work, lost]);
    },
    dispose() {
      disposed = true;
    },
  };
}

function explain(err: unknown, writing: boolean): Error {
  if (err instanceof Esp32CamError) {
    if (writing && err.code === 'E_PORT_DISCONNECTED') {
      return new Esp32CamError(
        'E_PORT_DISCONNECTED',
        'The board was disconnected in the middle of the write: it will not boot until it is flashed again',
        'Plug it back in and run the same flash command; the flash is rewritten from the start.',
        { cause: err },
      );
    }
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new Esp32CamError(
    writing ? 'E_FLASH_FAILED' : 'E_FLASH_FAILED',
    `${writing ? 'Writing the flash' : 'Talking to the bootloader'} failed: ${message}`,
    writing
      ? 'The board will not boot until it is flashed again: run the same command again, with --baud 115200 if it repeats.'
      : 'Run the command again; if it repeats, try --baud 115200 and another USB cable or port.',
    { cause: err },
  );
}

async function closeQuietly(connection: Connection | undefined, handle: SerialPortHandle): Promise<void> {
  // esptool-js can wait on a read that will never finish once the port is gone: bound the clean-up.
  const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), sleep(1000)]);
  if (connection) await bounded(connection.transport.disconnect());
  await bounded(handle.close());
}
