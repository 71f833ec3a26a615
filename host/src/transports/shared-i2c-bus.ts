import { performance } from 'node:perf_hooks';
import { logger } from '../log/index.js';
import type { BusPriority, I2cTransport } from './i2c-transport.js';

const log = logger('i2c');
const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** One line per message at trace level: what a user sends when a real board misbehaves. */
function traceLine(t: I2cTransaction): string {
  const head = `${t.bus} ${hex(t.address)} ${t.op === 'read' ? 'R' : 'W'} ${t.length} B ${t.ms.toFixed(2)} ms`;
  if (t.error) return `${head} ${t.error}`;
  const shown = t
    .bytes!.subarray(0, 64)
    .toString('hex')
    .replace(/(..)(?=.)/g, '$1 ');
  return `${head} ${shown}${t.bytes!.length > 64 ? ` … (+${t.bytes!.length - 64} B)` : ''}`;
}

/** One plain message on the wire, as the trace log and the figures see it. */
export interface I2cTransaction {
  bus: string;
  address: number;
  op: 'read' | 'write';
  length: number;
  /** performance.now() when the transaction got the wire. */
  startedAt: number;
  /** How long it held the wire (or failed). */
  ms: number;
  /** What went over the wire; absent when the transaction failed. */
  bytes?: Buffer;
  /** The error code (EREMOTEIO for a NACK) when it failed. */
  error?: string;
}

export interface AddressTotals {
  transactions: number;
  bytesRead: number;
  bytesWritten: number;
  /** Milliseconds this address held the wire. */
  busyMs: number;
}

export interface SharedI2cBusOptions {
  /** `i2c:1`, `sim:1`: names the bus in traces and figures. */
  name: string;
  /** Sees every transaction once it is over; the trace log hangs here. */
  onTransaction?: (t: I2cTransaction) => void;
}

/**
 * The one owner of an I2C bus inside the service. Every camera on the bus gets a view of it (user()), and
 * all their transactions go through one queue: one message on the wire at a time, each camera taking its
 * turn between the others' messages, first come first served, except that background messages (the health
 * keep-alive) wait while any normal one is queued, so a keep-alive never holds up another camera's capture.
 * Cameras on different buses do not wait for each other. Closing a view only detaches that camera; close()
 * releases the bus itself.
 */
export class SharedI2cBus {
  readonly name: string;
  private busy = false;
  private readonly waiting: Record<BusPriority, Array<() => void>> = { normal: [], background: [] };
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  private readonly totals = new Map<number, AddressTotals>();
  private closed = false;

  constructor(
    private readonly wire: I2cTransport,
    private readonly opts: SharedI2cBusOptions,
  ) {
    this.name = opts.name;
  }

  /** A transport for one camera: the bus's queue under the I2cTransport every client already speaks. */
  user(): I2cTransport {
    const view: I2cTransport = {
      priority: 'normal',
      i2cWrite: (address, length, buffer) => this.run(view.priority, address, 'write', length, buffer, () => this.wire.i2cWrite(address, length, buffer)),
      i2cRead: (address, length, buffer) => this.run(view.priority, address, 'read', length, buffer, () => this.wire.i2cRead(address, length, buffer)),
      close: async () => undefined,
    };
    return view;
  }

  /** Totals per address since the bus was opened. */
  stats(): Map<number, AddressTotals> {
    return new Map([...this.totals].map(([address, t]) => [address, { ...t }]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle;
    await this.wire.close();
  }

  private async run<R>(
    priority: BusPriority | undefined,
    address: number,
    op: 'read' | 'write',
    length: number,
    buffer: Buffer,
    transfer: () => Promise<R>,
  ): Promise<R> {
    await this.turn(priority ?? 'normal');
    try {
      return await this.transact(address, op, length, buffer, transfer);
    } finally {
      this.handOver();
    }
  }

  /** Resolves when the wire is this transaction's: at once when it is free, else when its turn comes. */
  private turn(priority: BusPriority): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      this.idle = new Promise((resolve) => (this.markIdle = resolve));
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting[priority].push(resolve));
  }

  /** Gives the wire to the next waiting transaction: every normal one before any background one. */
  private handOver(): void {
    const next = this.waiting.normal.shift() ?? this.waiting.background.shift();
    if (next) next();
    else {
      this.busy = false;
      this.markIdle();
    }
  }

  private async transact<R>(address: number, op: 'read' | 'write', length: number, buffer: Buffer, transfer: () => Promise<R>): Promise<R> {
    const startedAt = performance.now();
    let outcome: Pick<I2cTransaction, 'bytes' | 'error'> = {};
    try {
      const result = await transfer();
      // Bytes are copied only for someone who looks at them (the trace log, a test's hook).
      if (this.opts.onTransaction || log.enabled('trace')) outcome = { bytes: Buffer.from(buffer.subarray(0, length)) };
      return result;
    } catch (err) {
      outcome = { error: (err as NodeJS.ErrnoException).code ?? String(err) };
      throw err;
    } finally {
      this.note({ bus: this.name, address, op, length, startedAt, ms: performance.now() - startedAt, ...outcome });
    }
  }

  private note(t: I2cTransaction): void {
    let totals = this.totals.get(t.address);
    if (!totals) {
      totals = { transactions: 0, bytesRead: 0, bytesWritten: 0, busyMs: 0 };
      this.totals.set(t.address, totals);
    }
    totals.transactions++;
    totals.busyMs += t.ms;
    if (!t.error) {
      if (t.op === 'read') totals.bytesRead += t.length;
      else totals.bytesWritten += t.length;
    }
    if (t.bytes || t.error) log.trace(() => traceLine(t));
    this.opts.onTransaction?.(t);
  }
}
