import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-cpp';
import { garble as garbleFor } from './baud-mismatch.js';
import type { SimSerialBoard } from './sim-serial-board.js';
import { UartWire } from './uart-wire.js';

/**
 * A serialport binding whose ports are simulated boards, so `new SerialPortStream({ binding:
 * SimSerialBinding, path: 'sim:esp32cam', baudRate })` talks to a SimSerialBoard through the same stream
 * code as a real port. The port behaves like Linux's: opening asserts DTR and RTS, a second open of a
 * locked port fails with EBUSY, a missing or unplugged board with ENOENT, and unplugging the board fails
 * reads and writes with EIO (which the stream reports as a disconnection).
 */
export const SIM_PORT_PATH = 'sim:esp32cam';

const boards = new Map<string, SimSerialBoard>();
const openPorts = new Map<string, SimPort>();

/** Makes `path` openable through SimSerialBinding; the board is listed until unregistered. */
export function registerSimSerialBoard(path: string, board: SimSerialBoard): void {
  boards.set(path, board);
}

/** Whether a simulated board is registered at `path` now. */
export function simPortTaken(path: string): boolean {
  return boards.has(path);
}

export function unregisterSimSerialBoard(path: string): void {
  boards.delete(path);
}

export function isSimPortPath(path: string): boolean {
  return path.startsWith('sim:');
}

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

function canceledError(message: string): Error {
  return Object.assign(new Error(message), { canceled: true });
}

/** USB ids of the bridge each variant stands for: a CP2102 board with auto-reset, or a loose FT232. */
function bridgeIds(board: SimSerialBoard): { vendorId: string; productId: string; manufacturer: string } {
  return board.autoReset
    ? { vendorId: '10c4', productId: 'ea60', manufacturer: 'Silicon Labs (simulated ESP32-CAM)' }
    : { vendorId: '0403', productId: '6001', manufacturer: 'FTDI (simulated ESP32-CAM, no auto-reset)' };
}

export const SimSerialBinding: BindingInterface<SimPort> = {
  async list(): Promise<PortInfo[]> {
    return [...boards.entries()]
      .filter(([, board]) => board.isPlugged)
      .map(([path, board]) => ({ path, serialNumber: 'SIM0001', pnpId: undefined, locationId: undefined, ...bridgeIds(board) }));
  },

  async open(options: OpenOptions): Promise<SimPort> {
    const board = boards.get(options.path);
    if (!board || !board.isPlugged) throw systemError('ENOENT', `no such file or directory, cannot open ${options.path}`);
    const lock = options.lock ?? true;
    const holder = openPorts.get(options.path);
    if (holder && (lock || holder.openOptions.lock)) throw systemError('EBUSY', `Cannot lock port: ${options.path} is in use`);
    if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) throw new TypeError(`"baudRate" must be a positive integer, not ${options.baudRate}`);
    const port = new SimPort(board, {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: 'none',
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...options,
    });
    openPorts.set(options.path, port);
    return port;
  },
};

export class SimPort implements BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  isOpen = true;
  private baudRate: number;
  private readonly rx: Buffer[] = [];
  private pendingRead:
    { buffer: Buffer; offset: number; length: number; resolve: (r: { buffer: Buffer; bytesRead: number }) => void; reject: (e: Error) => void } | undefined;
  private readonly toBoard: UartWire;
  private lost: Error | undefined;
  private readonly onBoardOutput = (chunk: Uint8Array): void => this.fromBoard(chunk);
  private readonly onUnplug = (): void => this.disconnect();

  constructor(
    private readonly board: SimSerialBoard,
    options: Required<OpenOptions>,
  ) {
    this.openOptions = options;
    this.baudRate = options.baudRate;
    this.toBoard = new UartWire((chunk) => this.board.receive(chunk, this.baudRate), this.baudRate);
    board.on('uart-out', this.onBoardOutput);
    board.on('unplug', this.onUnplug);
    // Linux raises DTR and RTS when a tty is opened; the auto-reset circuit ignores both-asserted.
    board.setModemLines({ dtr: true, rts: true });
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.toBoard.clear();
    this.detach();
    if (!this.lost && this.openOptions.hupcl) this.board.setModemLines({ dtr: false, rts: false });
    this.pendingRead?.reject(canceledError('Read canceled'));
    this.pendingRead = undefined;
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    this.check();
    if (this.rx.length > 0) return { buffer, bytesRead: this.take(buffer, offset, length) };
    return new Promise((resolve, reject) => {
      this.pendingRead = { buffer, offset, length, resolve, reject };
    });
  }

  async write(buffer: Buffer): Promise<void> {
    this.check();
    // Resolves when the bytes have left the wire: the binding never runs ahead of the line rate.
    await this.toBoard.send(Buffer.from(buffer));
    this.check();
  }

  async update(options: UpdateOptions): Promise<void> {
    this.check();
    if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) throw new TypeError(`"baudRate" must be a positive integer, not ${options.baudRate}`);
    if (options.baudRate > this.board.bridgeMaxBaud) {
      // What a USB-serial driver does with a rate its chip cannot make (tcsetattr fails).
      throw Object.assign(new Error(`EINVAL: Invalid argument, cannot set baud rate ${options.baudRate}`), { code: 'EINVAL', errno: 22 });
    }
    this.baudRate = options.baudRate;
    this.toBoard.setBaud(options.baudRate);
  }

  async set(options: SetOptions): Promise<void> {
    this.check();
    this.board.setModemLines({ dtr: options.dtr ?? true, rts: options.rts ?? true });
  }

  async get(): Promise<PortStatus> {
    this.check();
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    this.check();
    return { baudRate: this.baudRate };
  }

  async flush(): Promise<void> {
    this.check();
    this.rx.length = 0;
    this.toBoard.clear();
  }

  async drain(): Promise<void> {
    this.check();
    await this.toBoard.idle();
  }

  private check(): void {
    if (this.lost) throw this.lost;
    if (!this.isOpen) throw canceledError('Port is not open');
  }

  private fromBoard(chunk: Uint8Array): void {
    if (!this.isOpen) return;
    // Bytes sent at another rate than this port's arrive as framing garbage.
    const bytes = this.board.baud === this.baudRate ? chunk : garbleFor(chunk, this.board.baud, this.baudRate);
    this.rx.push(Buffer.from(bytes));
    const pending = this.pendingRead;
    if (pending) {
      this.pendingRead = undefined;
      pending.resolve({ buffer: pending.buffer, bytesRead: this.take(pending.buffer, pending.offset, pending.length) });
    }
  }

  private take(buffer: Buffer, offset: number, length: number): number {
    let n = 0;
    while (n < length && this.rx.length > 0) {
      const head = this.rx[0]!;
      const k = Math.min(head.length, length - n);
      head.copy(buffer, offset + n, 0, k);
      n += k;
      if (k === head.length) this.rx.shift();
      else this.rx[0] = head.subarray(k);
    }
    return n;
  }

  /** The USB device vanished: pending and later I/O fail with EIO, as they do on Linux. */
  private disconnect(): void {
    this.lost = systemError('EIO', 'input/output error: the device was unplugged');
    this.toBoard.clear();
    this.detach();
    this.pendingRead?.reject(this.lost);
    this.pendingRead = undefined;
  }

  private detach(): void {
    this.board.off('uart-out', this.onBoardOutput);
    this.board.off('unplug', this.onUnplug);
    for (const [path, port] of openPorts) if (port === this) openPorts.delete(path);
  }
}
