import type { FaultCounters } from './faults.js';
import type { LineNoise } from './line-noise.js';
import type { SeededRandom } from './rng.js';
import type { TxRingReader } from './tx-ring.js';

/** A slave the script has created on one of the ESP32's two I2C controllers. */
export interface SlaveEndpoint {
  bus: number;
  address: number;
  /** slave_rbuflen: the RX ring, and the most one delivery can carry. */
  rbuflen: number;
  /** null when slave_wbuflen is 0: every read is garbage. */
  ring: TxRingReader | null;
}

export interface I2cSlavesOptions {
  /** Window of the delay from the end of a master write to the script's callback. */
  latencyMs: [number, number];
  rng: SeededRandom;
  faults: FaultCounters;
  /** Hands one delivery (possibly several merged writes) to the slave task. */
  deliver: (address: number, bytes: Buffer) => void;
}

/**
 * One board's I2C slave side, as freshev's machine_i2c.c drives it (docs/hardware.md, "The I2C slave"):
 * - the address ACKs only while a slave object with that address exists;
 * - master reads drain the TX ring, and whatever the ring lacks is garbage (the last byte the slave
 *   sent, or 0xFF since reset) that consumes nothing;
 * - master writes reach the script one latency later, merged with any write that arrives meanwhile
 *   (the slave task polls its RX ring every 10 ms, then schedules the callback).
 * The wire itself (timing, which board answers an address) is the SimI2cBus it is plugged into.
 */
export class I2cSlaves {
  private readonly slaves = new Map<number, SlaveEndpoint>();
  private readonly pending = new Map<number, { bytes: number[]; timer: NodeJS.Timeout }>();
  /** Slaves whose output runs behind their ring: the bytes stuck in the hardware FIFO ahead of it. */
  private readonly lagging = new Map<SlaveEndpoint, number[]>();
  private lastOut = 0xff;
  private closed = false;
  /** Random byte faults on the wire, in both directions (line-noise.ts); none by default. */
  noise: LineNoise | undefined;

  constructor(private readonly opts: I2cSlavesOptions) {}

  attach(slave: SlaveEndpoint): void {
    this.slaves.set(slave.bus, slave);
  }

  detach(bus: number): void {
    const slave = this.slaves.get(bus);
    if (!slave) return;
    this.slaves.delete(bus);
    this.lagging.delete(slave);
    this.dropPending(slave.address);
  }

  /**
   * The hardware FIFO falls one byte out of step with the TX ring (its refill slipped): from now on each read
   * first shifts out the byte left over from the previous one, and the last byte it takes from the ring waits
   * for the next read. Every reply thus arrives one byte late, behind a stale byte. Nothing the master does
   * realigns it; rebuilding the slave (I2C.deinit_all() and a new I2C object) or a chip reset does.
   * Returns how many slaves were affected.
   */
  desync(): number {
    for (const slave of this.slaves.values()) if (!this.lagging.has(slave)) this.lagging.set(slave, [this.lastOut]);
    return this.slaves.size;
  }

  /** Realigns every slave (a fault cleared from outside). */
  resync(): void {
    this.lagging.clear();
  }

  /** The chip reset: slaves gone, rings and pending commands lost, the output register cleared. */
  powerCycle(): void {
    this.slaves.clear();
    this.lagging.clear();
    for (const address of [...this.pending.keys()]) this.dropPending(address);
    this.lastOut = 0xff;
  }

  close(): void {
    this.closed = true;
    this.powerCycle();
  }

  /** Bytes the slave at `address` has queued in its TX ring and a master has not read yet. */
  queued(address: number): number {
    return this.find(address)?.ring?.available() ?? 0;
  }

  address(): number | null {
    for (const s of this.slaves.values()) return s.address;
    return null;
  }

  /** The slave that ACKs `address` now, if any (an injected NACK fault makes it stay silent once). */
  acknowledge(address: number): SlaveEndpoint | undefined {
    if (this.closed) return undefined;
    const slave = this.find(address);
    if (!slave || this.opts.faults.take('nacks')) return undefined;
    return slave;
  }

  /** What the slave shifts out for a read of `length` bytes, decided when the read starts. */
  transmit(slave: SlaveEndpoint, length: number): Uint8Array {
    const wire = this.noise ? this.noise.read(length, (n) => this.shiftOut(slave, n)) : this.shiftOut(slave, length);
    if (length > 0 && this.opts.faults.take('corruptReads')) {
      wire[this.opts.rng.int(length)] ^= 1 + this.opts.rng.int(255);
    }
    return wire;
  }

  /** A master write reached STOP; a slave that went away during the transfer (a reboot) loses it. */
  receive(slave: SlaveEndpoint, written: Buffer): void {
    const bytes = this.noise ? this.noise.write(written) : written;
    if (this.closed || this.slaves.get(slave.bus) !== slave || bytes.length === 0) return;
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

  /** The next `length` bytes the slave shifts out: its ring, then garbage repeating the last byte sent. */
  private shiftOut(slave: SlaveEndpoint, length: number): Uint8Array {
    const wire = new Uint8Array(length);
    const taken = slave.ring ? slave.ring.take(length) : new Uint8Array(0);
    const real = this.behind(slave, taken, length);
    wire.set(real);
    if (real.length > 0) this.lastOut = real[real.length - 1];
    wire.fill(this.lastOut, real.length);
    return wire;
  }

  /** What a lagging slave shifts out of what it just took from its ring; the bytes as they are otherwise. */
  private behind(slave: SlaveEndpoint, taken: Uint8Array, length: number): Uint8Array {
    const held = this.lagging.get(slave);
    // With nothing new from the ring the FIFO has nothing to push the held byte out with: only filler goes.
    if (!held || taken.length === 0) return taken;
    const queue = [...held, ...taken];
    const n = Math.min(length, queue.length - held.length);
    this.lagging.set(slave, queue.slice(n));
    return Uint8Array.from(queue.slice(0, n));
  }

  private find(address: number): SlaveEndpoint | undefined {
    for (const s of this.slaves.values()) if (s.address === address) return s;
    return undefined;
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
}
