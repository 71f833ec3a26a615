/**
 * Presents an opened node-serialport stream as the Web-Serial `SerialPort` that esptool-js's `Transport`
 * expects (docs/hardware.md §7): `open`/`close`, web `readable`/`writable` streams of Uint8Array,
 * `setSignals`, `getInfo`, and the optional `setBaudRate` that makes esptool-js change the baud rate in
 * place instead of closing and reopening the port.
 *
 * The adapter borrows the port: whoever opened it (with its lock and DTR/RTS policy) closes it. esptool-js
 * "closes" and "reopens" the device when it retries a connection; here that only ends and renews the web
 * streams, so the lock is never dropped mid-flash and the modem lines never glitch.
 */
import type { SerialPortStream } from '@serialport/stream';

export interface WebSerialInfo {
  usbVendorId?: number;
  usbProductId?: number;
}

export interface WebSerialSignals {
  dataTerminalReady?: boolean;
  requestToSend?: boolean;
  break?: boolean;
}

export interface WebSerialOpenOptions {
  baudRate: number;
  dataBits?: number;
  stopBits?: number;
  parity?: string;
  bufferSize?: number;
  flowControl?: string;
}

export interface WebSerialAdapterOptions {
  /** USB ids reported by `getInfo()`; esptool-js picks its USB-JTAG reset and write size from them. */
  info?: WebSerialInfo;
  /** The DTR/RTS levels the port was left at when opened, so that a call naming one line keeps the other. */
  signals?: { dtr: boolean; rts: boolean };
}

/** Web Serial's error for a device that went away; esptool-js and browsers know it by this name. */
export function deviceLostError(): DOMException {
  return new DOMException('The device has been lost.', 'NetworkError');
}

const isNoModemLinesError = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  const message = String((err as { message?: unknown } | null)?.message ?? '');
  // A pseudo-terminal has no modem lines: the ioctl fails with ENOTTY (node serialport puts it in the message).
  return code === 'ENOTTY' || code === 'EINVAL' || /ENOTTY|EINVAL|Inappropriate ioctl/.test(message);
};

export class WebSerialAdapter {
  private readonly port: SerialPortStream;
  private readonly info: WebSerialInfo;
  private dtr: boolean;
  private rts: boolean;
  private brk = false;
  private opened = false;
  private lost = false;
  private readableStream: ReadableStream<Uint8Array> | null = null;
  private writableStream: WritableStream<Uint8Array> | null = null;
  /** Detaches the current readable from the port's events. */
  private detachReadable: (() => void) | undefined;
  /** False once a set() failed with ENOTTY: a pty, where nothing can reset the board. */
  hasModemLines = true;

  constructor(port: SerialPortStream, options: WebSerialAdapterOptions = {}) {
    this.port = port;
    this.info = { ...options.info };
    this.dtr = options.signals?.dtr ?? false;
    this.rts = options.signals?.rts ?? false;
    port.on('close', this.onPortClose);
  }

  /** The lines as last set, for the reset logic and for tests. */
  get signals(): { dtr: boolean; rts: boolean } {
    return { dtr: this.dtr, rts: this.rts };
  }

  get connected(): boolean {
    return this.port.isOpen && !this.lost;
  }

  async open(options: WebSerialOpenOptions): Promise<void> {
    if (this.opened) throw new DOMException('The port is already open.', 'InvalidStateError');
    if (!this.port.isOpen || this.lost) throw deviceLostError();
    if (options.baudRate !== this.port.baudRate) await this.setBaudRate(options.baudRate);
    this.opened = true;
  }

  async close(): Promise<void> {
    // After a loss, a writer that esptool-js failed to release would otherwise keep the port "locked" forever.
    if (!this.lost && (this.readableStream?.locked || this.writableStream?.locked)) {
      throw new DOMException('The port has a locked stream.', 'InvalidStateError');
    }
    this.dropReadable();
    this.writableStream = null;
    this.opened = false;
  }

  /**
   * Once the device is lost, every access gets a new stream that fails at once. Not null: esptool-js skips
   * a write when `writable` is null and then waits out its read timeout. Not the old stream: esptool-js's
   * `write()` leaves its writer locked when a write fails, and its `disconnect()` waits for both streams
   * to be unlocked, which would then never happen.
   */
  get readable(): ReadableStream<Uint8Array> | null {
    if (!this.opened) return null;
    if (this.lost) return new ReadableStream<Uint8Array>({ start: (controller) => controller.error(deviceLostError()) });
    this.readableStream ??= this.makeReadable();
    return this.readableStream;
  }

  get writable(): WritableStream<Uint8Array> | null {
    if (!this.opened) return null;
    if (this.lost) return new WritableStream<Uint8Array>({ write: () => Promise.reject(deviceLostError()) });
    this.writableStream ??= this.makeWritable();
    return this.writableStream;
  }

  getInfo(): WebSerialInfo {
    return { ...this.info };
  }

  /**
   * Web Serial takes any subset of the lines; node serialport's `set()` would fill the missing ones with
   * `true` and so assert DTR or RTS behind our back, resetting the board. Both lines are always passed.
   */
  async setSignals(signals: WebSerialSignals): Promise<void> {
    if (!this.opened) throw new DOMException('The port is not open.', 'InvalidStateError');
    const dtr = signals.dataTerminalReady ?? this.dtr;
    const rts = signals.requestToSend ?? this.rts;
    const brk = signals.break ?? this.brk;
    this.dtr = dtr;
    this.rts = rts;
    this.brk = brk;
    if (!this.hasModemLines) return;
    try {
      await new Promise<void>((resolve, reject) => this.port.set({ dtr, rts, brk }, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      if (!isNoModemLinesError(err)) throw err;
      this.hasModemLines = false;
    }
  }

  /** Changes the baud rate in place (no close and reopen, which would reset a board with auto-reset). */
  async setBaudRate(baudRate: number): Promise<void> {
    await new Promise<void>((resolve, reject) => this.port.update({ baudRate }, (err) => (err ? reject(err) : resolve())));
  }

  private makeReadable(): ReadableStream<Uint8Array> {
    const port = this.port;
    let onData: ((chunk: Buffer) => void) | undefined;
    let onClose: (() => void) | undefined;
    const detach = (): void => {
      if (onData) port.off('data', onData);
      if (onClose) port.off('close', onClose);
      onData = undefined;
      onClose = undefined;
    };
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        if (this.lost || !port.isOpen) {
          controller.error(deviceLostError());
          return;
        }
        // A copy: the binding reuses its pool buffer for the next read.
        onData = (chunk: Buffer) => controller.enqueue(new Uint8Array(chunk));
        onClose = () => {
          detach();
          controller.error(deviceLostError());
        };
        port.on('data', onData);
        port.once('close', onClose);
      },
      cancel: () => {
        detach();
        // Web Serial renews `readable` after a cancel; so do we, on the next access.
        if (this.readableStream === stream) this.readableStream = null;
      },
    });
    this.detachReadable = detach;
    return stream;
  }

  private dropReadable(): void {
    this.detachReadable?.();
    this.detachReadable = undefined;
    this.readableStream = null;
  }

  private makeWritable(): WritableStream<Uint8Array> {
    const port = this.port;
    const stream = new WritableStream<Uint8Array>({
      write: (chunk) =>
        new Promise<void>((resolve, reject) => {
          if (this.lost || !port.isOpen) {
            reject(deviceLostError());
            return;
          }
          port.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), (err) => (err ? reject(err) : resolve()));
        }),
      close: () => {
        if (this.writableStream === stream) this.writableStream = null;
      },
    });
    return stream;
  }

  private readonly onPortClose = (): void => {
    this.lost = true;
  };
}
