import { Esp32CamError } from '../errors.js';
import { I2C_DEV_MAX_MESSAGE, nackError } from '../transports/i2c-transport.js';
import type { FaultCounters } from './faults.js';
import type { SeededRandom } from './rng.js';
import type { TxRingReader } from './tx-ring.js';
import { WireClock, sleepUntil } from './wire-clock.js';

/** A slave the script has created on one of the ESP32's two I2C controllers. */
export interface SlaveEndpoint {
  bus: number;
  address: number;
  /** slave_rbuflen: the RX ring, and the most one delivery can carry. */
  rbuflen: number;
  /** null when slave_wbuflen is 0: every read is garbage. */
  ring: TxRingReader | null;
}

export interface SlaveBusOptions {
  busHz: number;
  /** Window of the delay from the end of a master write to the script's callback. */
  latencyMs: [number, number];
  rng: SeededRandom;
  faults: FaultCounters;
  /** Hands one delivery (possibly several merged writes) to the slave task. */
  deliver: (address: number, bytes: Buffer) => void;
}

/**
 * The wire between the Pi and the ESP32 running freshev's I2C slave (machine_i2c.c, hardware-facts §1):
 * - the address ACKs only while a slave object with that address exists;
 * - master reads drain the TX ring, and whatever the ring lacks is garbage (the last byte the slave
 *   sent, or 0xFF since reset) that consumes nothing;
 * - master writes reach the script one latency later, merged with any write that arrives meanwhile
 *   (the slave task polls its RX ring every 10 ms, then schedules the callback);
 * - each transaction holds the bus for its wire time and no clock stretching slows the master down.
 */
export class SlaveBus {
  private readonly clock: WireClock;
  private readonly slaves = new Map<number, SlaveEndpoint>();
  private readonly pending = new Map<number, { bytes: number[]; timer: NodeJS.Timeout }>();
  private lastOut = 0xff;
  private closed = false;

  constructor(private readonly opts: SlaveBusOptions) {
    this.clock = new WireClock(opts.busHz);
  }

  attach(slave: SlaveEndpoint): void {
    this.slaves.set(slave.bus, slave);
  }

  detach(bus: number): void {
    const slave = this.slaves.get(bus);
    if (!slave) return;
    this.slaves.delete(bus);
    this.dropPending(slave.address);
  }

  /** The chip reset: slaves gone, rings and pending commands lost, the output register cleared. */
  powerCycle(): void {
    this.slaves.clear();
    for (const address of [...this.pending.keys()]) this.dropPending(address);
    this.lastOut = 0xff;
  }

  close(): void {
    this.closed = true;
    this.powerCycle();
  }

  /** Bytes the slave at `address` has queued in its TX ring and a master has not read yet. */
  queued(address: number): number {
    for (const s of this.slaves.values()) if (s.address === address) return s.ring?.available() ?? 0;
    return 0;
  }

  address(): number | null {
    for (const s of this.slaves.values()) return s.address;
    return null;
  }

  async write(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }> {
    checkArgs(address, length, buffer);
    this.checkOpen();
    const bytes = Buffer.from(buffer.subarray(0, length));
    const { slave, end } = await this.addressPhase(address, length);
    await sleepUntil(end);
    this.checkOpen();
    // The slave has the bytes at STOP; a reboot during the transfer loses them.
    if (this.slaves.get(slave.bus) === slave && length > 0) this.receive(slave, bytes);
    return { bytesWritten: length, buffer };
  }

  async read(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }> {
    checkArgs(address, length, buffer);
    this.checkOpen();
    const { slave, end } = await this.addressPhase(address, length);
    const wire = new Uint8Array(length);
    const real = slave.ring ? slave.ring.take(length) : new Uint8Array(0);
    wire.set(real);
    if (real.length > 0) this.lastOut = real[real.length - 1];
    wire.fill(this.lastOut, real.length);
    if (length > 0 && this.opts.faults.take('corruptReads')) {
      wire[this.opts.rng.int(length)] ^= 1 + this.opts.rng.int(255);
    }
    await sleepUntil(end);
    this.checkOpen();
    buffer.set(wire, 0);
    return { bytesRead: length, buffer };
  }

  /**
   * Books the bus, waits for the transaction's turn and decides the ACK. A NACKed transaction ends
   * after its address byte.
   */
  private async addressPhase(address: number, length: number): Promise<{ slave: SlaveEndpoint; end: number }> {
    const slot = this.clock.reserve(length);
    await sleepUntil(slot.start);
    this.checkOpen();
    const slave = this.find(address);
    if (!slave || this.opts.faults.take('nacks')) {
      const nackEnd = slot.start + (slot.end - slot.start) / (1 + length);
      await sleepUntil(nackEnd);
      this.checkOpen();
      throw nackError(address);
    }
    return { slave, end: slot.end };
  }

  private find(address: number): SlaveEndpoint | undefined {
    for (const s of this.slaves.values()) if (s.address === address) return s;
    return undefined;
  }

  private receive(slave: SlaveEndpoint, bytes: Buffer): void {
    let p = this.pending.get(slave.address);
    if (!p) {
      const [lo, hi] = this.opts.latencyMs;
      const delay = this.opts.rng.between(lo, hi);
      const timer = setTimeout(() => this.flush(slave.address), delay);
      p = { bytes: [], timer };
      this.pending.set(slave.address, p);
    }
    // The RX ring holds rbuflen bytes; what arrives while it is full is lost.
    const room = slave.rbuflen - p.bytes.length;
    for (let i = 0; i < bytes.length && i < room; i++) p.bytes.push(bytes[i]);
  }

  private flush(address: number): void {
    const p = this.pending.get(address);
    this.pending.delete(address);
    if (!p || this.closed || !this.find(address)) return;
    this.opts.deliver(address, Buffer.from(p.bytes));
  }

  private dropPending(address: number): void {
    const p = this.pending.get(address);
    if (p) clearTimeout(p.timer);
    this.pending.delete(address);
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new Esp32CamError('E_CLOSED', 'The simulated camera is closed', 'Start a new simulated board.');
    }
  }
}

function checkArgs(address: number, length: number, buffer: Buffer): void {
  if (!Number.isInteger(address) || address < 0 || address > 0x7f) {
    throw new Esp32CamError('E_BAD_INPUT', `I2C address ${String(address)} is not a 7-bit address`, 'Use an address from 0x00 to 0x7f.');
  }
  if (!Number.isInteger(length) || length < 0 || !Buffer.isBuffer(buffer) || length > buffer.length) {
    throw new Esp32CamError('E_BAD_INPUT', `I2C transfer length ${String(length)} does not fit the buffer`, 'Pass a length from 0 to buffer.length.');
  }
  if (length > I2C_DEV_MAX_MESSAGE) {
    // i2c-dev refuses a longer read() or write() with EINVAL, before anything reaches the bus.
    const err: NodeJS.ErrnoException = new Error(`EINVAL: invalid argument, I2C message of ${length} bytes exceeds ${I2C_DEV_MAX_MESSAGE}`);
    err.code = 'EINVAL';
    err.errno = 22;
    throw err;
  }
}
