import type { BindingInterface, BindingPortInterface, OpenOptions, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-cpp';

/**
 * A serialport binding for a port that exists only in memory, recording every call the stream makes in order.
 * It stands where the simulated board's binding will stand (a `sim:` path), and lets a test see what the OS
 * would have been told: the open options, each modem-line change, each write, each baud change.
 */
export type Call =
  | { op: 'open'; options: OpenOptions }
  | { op: 'set'; options: SetOptions }
  | { op: 'write'; data: Buffer }
  | { op: 'update'; options: UpdateOptions }
  | { op: 'close' };

export interface RecordingBindingOptions {
  /** What `set` throws, as a native binding would (message text only). */
  setError?: string;
  /** What `write` throws after this many successful writes. */
  failWritesAfter?: number;
  writeError?: string;
}

export class RecordingBinding implements BindingInterface {
  readonly calls: Call[] = [];
  private current: RecordingPort | undefined;

  constructor(private readonly options: RecordingBindingOptions = {}) {}

  async list() {
    return [];
  }

  async open(options: OpenOptions): Promise<BindingPortInterface> {
    this.calls.push({ op: 'open', options: { ...options } });
    this.current = new RecordingPort(options, this.calls, this.options);
    return this.current;
  }

  /** Bytes arriving from the "board". */
  receive(data: Buffer): void {
    this.current?.receive(data);
  }
}

class RecordingPort implements BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  isOpen = true;
  private incoming: Buffer[] = [];
  private pendingRead:
    { buffer: Buffer; offset: number; length: number; resolve: (r: { buffer: Buffer; bytesRead: number }) => void; reject: (e: Error) => void } | undefined;
  private writes = 0;

  constructor(
    options: OpenOptions,
    private readonly calls: Call[],
    private readonly behaviour: RecordingBindingOptions,
  ) {
    this.openOptions = {
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
    } as Required<OpenOptions>;
  }

  receive(data: Buffer): void {
    this.incoming.push(Buffer.from(data));
    this.serveRead();
  }

  async close(): Promise<void> {
    this.calls.push({ op: 'close' });
    this.isOpen = false;
    if (this.pendingRead) {
      const { reject } = this.pendingRead;
      this.pendingRead = undefined;
      reject(Object.assign(new Error('Port is closed'), { canceled: true }));
    }
  }

  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    return new Promise((resolve, reject) => {
      this.pendingRead = { buffer, offset, length, resolve, reject };
      this.serveRead();
    });
  }

  async write(buffer: Buffer): Promise<void> {
    if (this.behaviour.failWritesAfter !== undefined && this.writes >= this.behaviour.failWritesAfter) {
      throw new Error(this.behaviour.writeError ?? 'Error: Input/output error, cannot write');
    }
    this.writes++;
    this.calls.push({ op: 'write', data: Buffer.from(buffer) });
  }

  async update(options: UpdateOptions): Promise<void> {
    this.calls.push({ op: 'update', options: { ...options } });
  }

  async set(options: SetOptions): Promise<void> {
    this.calls.push({ op: 'set', options: { ...options } });
    if (this.behaviour.setError) throw new Error(this.behaviour.setError);
  }

  async get(): Promise<PortStatus> {
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }

  async flush(): Promise<void> {}

  async drain(): Promise<void> {}

  private serveRead(): void {
    if (!this.pendingRead || this.incoming.length === 0) return;
    const { buffer, offset, length, resolve } = this.pendingRead;
    this.pendingRead = undefined;
    const chunk = this.incoming.shift() as Buffer;
    const n = Math.min(length, chunk.length);
    chunk.copy(buffer, offset, 0, n);
    if (n < chunk.length) this.incoming.unshift(chunk.subarray(n));
    resolve({ buffer, bytesRead: n });
  }
}
