import { realpath, stat } from 'node:fs/promises';
import type { BindingInterface } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { Esp32CamError } from '../../errors.js';
import { describeBridge, type BridgeInfo, type BridgeKind } from './bridges.js';
import { watchDeviceNode } from './device-watch.js';
import { findSerialPort } from './list-ports.js';
import { busyError, openError, serialErrno } from './open-errors.js';
import { describeHolders, findPortHolders } from './port-holders.js';
import { acquirePortLock, type PortLock } from './port-lock.js';

export interface ModemSignals {
  dtr: boolean;
  rts: boolean;
}

export interface OpenSerialPortOptions {
  /** A /dev path (by-id links are fine), or a non-file name such as `sim:esp32cam` together with its binding. */
  path: string;
  baudRate: number;
  /** The bridge behind the port, which decides the idle DTR/RTS levels; looked up in sysfs when omitted. */
  bridge?: BridgeKind;
  /** The serialport binding; @serialport/bindings-cpp for the platform when omitted. */
  binding?: BindingInterface;
  /** Who is opening the port, named in the "busy" error that a second opener gets. */
  owner?: string;
  /** Directory for the UUCP lock file; null for none; default /run/lock or /var/lock when writable. */
  lockDir?: string | null;
  /** Where to look the bridge up (tests point these at a fake tree). */
  sysfsRoot?: string;
  devRoot?: string;
}

export interface SerialPortHandle {
  /** The path as given. */
  readonly path: string;
  /** The stream to read and write. Do not call its `set()`: use `setSignals`, which always sends both lines. */
  readonly port: SerialPortStream;
  readonly bridge: BridgeInfo;
  /**
   * False when the port has no modem lines to drive (a pseudo-terminal, where the ioctl fails with ENOTTY):
   * nothing can reset the board through it, so a flasher must ask for a manual reset.
   */
  readonly hasModemLines: boolean;
  /** Settles when the port closes: with E_PORT_DISCONNECTED if it went away (unplugged), else undefined. */
  readonly closed: Promise<Esp32CamError | undefined>;
  /** Sets DTR and RTS together in one ioctl. Resolves false, changing nothing, on a port without modem lines. */
  setSignals(signals: ModemSignals): Promise<boolean>;
  /** Changes the baud rate in place, without closing the port. */
  update(baudRate: number): Promise<void>;
  /** Closes the port and releases its lock; safe to call twice or after the port went away. */
  close(): Promise<void>;
}

/**
 * The one place a serial port is opened. Every port gets the same treatment, because the defaults are what
 * freeze an ESP32-CAM: Linux raises DTR and RTS on open, node serialport's `set()` fills in `dtr: true,
 * rts: true` for any line not named, and `hupcl` toggles DTR again on close. So: hupcl off, both lines set to
 * the bridge's idle levels before the caller can send a byte, an exclusive lock, and failures that say what
 * to do.
 */
export async function openSerialPort(options: OpenSerialPortOptions): Promise<SerialPortHandle> {
  const { path } = options;
  if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) {
    throw new Esp32CamError('E_BAD_INPUT', `Baud rate ${String(options.baudRate)} is not valid`, 'Use a standard rate such as 115200, 460800 or 921600.');
  }
  const isFile = path.startsWith('/');
  if (!isFile && !options.binding) {
    const hint = path.startsWith('sim:')
      ? "The simulated board's port exists only inside esp32cam; use it through `esp32cam` commands, or start `esp32cam sim --serial-link PATH` and open PATH."
      : 'Give the full path of the port, e.g. /dev/ttyUSB0; run `esp32cam ports` to see them.';
    throw new Esp32CamError('E_PORT_NOT_FOUND', `${path} is not a serial port path`, hint);
  }

  const devicePath = isFile ? await resolveDevice(path) : path;
  const lock = await acquirePortLock(devicePath, { displayPath: path, owner: options.owner ?? 'serial connection', lockDir: options.lockDir });
  try {
    if (isFile) {
      const holders = await findPortHolders(devicePath);
      if (holders.length > 0) throw busyError(path, describeHolders(holders));
    }
    const bridge = describeBridge(options.bridge ?? (isFile ? await lookUpBridge(devicePath, options) : 'unknown'));
    const binding = options.binding ?? (await defaultBinding());
    const port = await openStream(binding, path, options.baudRate, devicePath, isFile);
    return await finishOpen(port, path, bridge, lock, isFile ? devicePath : undefined);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function resolveDevice(path: string): Promise<string> {
  let devicePath: string;
  try {
    devicePath = await realpath(path);
  } catch (err) {
    throw openError(path, err);
  }
  const info = await stat(devicePath).catch((err: unknown) => {
    throw openError(path, err);
  });
  if (!info.isCharacterDevice()) {
    throw new Esp32CamError('E_PORT_IO', `${path} is not a serial port (not a character device)`, 'Run `esp32cam ports` to see the serial ports.');
  }
  return devicePath;
}

async function lookUpBridge(devicePath: string, options: OpenSerialPortOptions): Promise<BridgeKind> {
  const found = await findSerialPort(devicePath, { sysfsRoot: options.sysfsRoot, devRoot: options.devRoot }).catch(() => undefined);
  return found?.bridge ?? 'unknown';
}

async function defaultBinding(): Promise<BindingInterface> {
  try {
    const { autoDetect } = await import('@serialport/bindings-cpp');
    return autoDetect() as BindingInterface;
  } catch (err) {
    throw new Esp32CamError(
      'E_PORT_IO',
      `The serial port native module could not be loaded: ${(err as Error).message}`,
      'Reinstall with `npm install` (it needs make, g++ and python3) and check that package.json allowScripts lists @serialport/bindings-cpp.',
      { cause: err },
    );
  }
}

async function openStream(binding: BindingInterface, path: string, baudRate: number, devicePath: string, isFile: boolean): Promise<SerialPortStream> {
  // lock: true is an flock on the descriptor: kernel-enforced between processes that also ask for it
  // (pyserial's exclusive=True, node serialport's default), and released by the kernel if we die.
  const port = new SerialPortStream({ binding, path, baudRate, autoOpen: false, hupcl: false, lock: true });
  try {
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    const errno = serialErrno(err);
    const holders = isFile && (errno === 'EBUSY' || errno === 'EAGAIN') ? describeHolders(await findPortHolders(devicePath)) : '';
    throw openError(path, err, holders || undefined);
  }
  return port;
}

async function finishOpen(port: SerialPortStream, path: string, bridge: BridgeInfo, lock: PortLock, devicePath?: string): Promise<SerialPortHandle> {
  // Without a listener, a write failing after an unplug would throw 'error' at the top level and end the
  // process; the disconnect is reported through `closed` instead.
  port.on('error', () => undefined);
  const stopWatch = devicePath ? watchDeviceNode(devicePath, () => port._disconnected(new Error(`${devicePath} disappeared`))) : () => undefined;
  const closed = new Promise<Esp32CamError | undefined>((resolve) => {
    port.once('close', (err?: { disconnected?: boolean; message?: string } | null) => {
      stopWatch();
      lock.release();
      resolve(err?.disconnected ? disconnectedError(path, err) : undefined);
    });
  });

  const setSignals = async (signals: ModemSignals): Promise<boolean> => {
    try {
      await new Promise<void>((resolve, reject) => port.set({ dtr: signals.dtr, rts: signals.rts, brk: false }, (err) => (err ? reject(err) : resolve())));
      return true;
    } catch (err) {
      const errno = serialErrno(err);
      // A pty has no modem lines (ENOTTY); some USB ROM-loader interfaces answer EINVAL. Neither is a fault.
      if (errno === 'ENOTTY' || errno === 'EINVAL') return false;
      throw signalError(path, err);
    }
  };

  let hasModemLines: boolean;
  try {
    hasModemLines = await setSignals(bridge.idleSignals);
  } catch (err) {
    stopWatch();
    await closeStream(port);
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    path,
    port,
    bridge,
    hasModemLines,
    closed,
    setSignals,
    async update(baudRate: number): Promise<void> {
      if (!Number.isInteger(baudRate) || baudRate <= 0) {
        throw new Esp32CamError('E_BAD_INPUT', `Baud rate ${String(baudRate)} is not valid`, 'Use a standard rate such as 115200, 460800 or 921600.');
      }
      try {
        await new Promise<void>((resolve, reject) => port.update({ baudRate }, (err) => (err ? reject(err) : resolve())));
      } catch (err) {
        throw new Esp32CamError(
          'E_PORT_IO',
          `${path} could not be set to ${baudRate} baud: ${(err as Error).message}`,
          'Use a rate the adapter supports, such as 115200 or 460800.',
          { cause: err },
        );
      }
    },
    close(): Promise<void> {
      closing ??= closeStream(port).finally(() => lock.release());
      return closing;
    },
  };
}

async function closeStream(port: SerialPortStream): Promise<void> {
  if (!port.isOpen) return;
  await new Promise<void>((resolve) => port.close(() => resolve()));
}

function disconnectedError(path: string, err: { message?: string }): Esp32CamError {
  return new Esp32CamError(
    'E_PORT_DISCONNECTED',
    `${path} went away${err.message ? ` (${err.message.replace(/\s*\n\s*/g, ' ')})` : ''}`,
    'Check the USB cable and plug the board in again; run `esp32cam ports` to find it.',
    { cause: err },
  );
}

function signalError(path: string, err: unknown): Esp32CamError {
  const errno = serialErrno(err);
  if (errno === 'EIO' || errno === 'ENODEV' || errno === 'ENXIO') return disconnectedError(path, { message: (err as Error).message });
  return new Esp32CamError(
    'E_PORT_IO',
    `Could not set DTR/RTS on ${path}: ${(err as Error).message}`,
    'Unplug the adapter and plug it in again; run `esp32cam ports` to check it.',
    { cause: err },
  );
}
