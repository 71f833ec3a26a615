import { Esp32CamError } from '../errors.js';
import { I2C_DEV_MAX_MESSAGE, nackError, type I2cTransport } from '../transports/i2c-transport.js';
import type { I2cSlaves, SlaveEndpoint } from './i2c-slaves.js';
import { WireClock, sleepUntil } from './wire-clock.js';

/**
 * A simulated I2C bus: the Pi's SDA and SCL with any number of simulated boards on them. Transactions take
 * turns and each holds the wire for its time at `busHz` (no clock stretching slows the master). The board
 * whose slave has the address answers; an address nobody has is NACKed after its address byte, as on the
 * real bus (docs/hardware.md, "The I2C bus").
 */
export class SimI2cBus implements I2cTransport {
  private readonly clock: WireClock;
  private readonly boards = new Set<I2cSlaves>();
  /** Devices holding SDA low (a slave stuck mid-byte). */
  private readonly sdaHolders = new Set<object>();
  private closed = false;

  constructor(readonly busHz: number) {
    this.clock = new WireClock(busHz);
  }

  /** Plugs a board's slave side into the bus; the returned function unplugs it. */
  plug(board: I2cSlaves): () => void {
    this.boards.add(board);
    return () => void this.boards.delete(board);
  }

  /** How many boards are plugged in. */
  get boardCount(): number {
    return this.boards.size;
  }

  /**
   * A device pulls SDA low and keeps it there until releaseSda. While any does, every transaction on this bus
   * is garbled: the Pi's bcm2835 controller has no bus-busy or arbitration check, so the address bits and the
   * ACK bit all read low. Every address seems to ACK (`i2cdetect` then lists them all), a write "succeeds"
   * and reaches nobody, and a read returns 0x00 bytes. i2c-dev reports no error at all: the host only sees
   * replies that make no sense (a timeout under protocol 2, a bad status under legacy).
   */
  holdSda(holder: object): void {
    this.sdaHolders.add(holder);
  }

  releaseSda(holder: object): void {
    this.sdaHolders.delete(holder);
  }

  /** Whether some device holds SDA low now. */
  get sdaStuck(): boolean {
    return this.sdaHolders.size > 0;
  }

  async i2cWrite(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }> {
    checkArgs(address, length, buffer);
    this.checkOpen();
    const bytes = Buffer.from(buffer.subarray(0, length));
    const phase = await this.addressPhase(address, length);
    await sleepUntil(phase.end);
    this.checkOpen();
    // The slave has the bytes at STOP.
    if (phase.board) phase.board.receive(phase.slave, bytes);
    return { bytesWritten: length, buffer };
  }

  async i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }> {
    checkArgs(address, length, buffer);
    this.checkOpen();
    const phase = await this.addressPhase(address, length);
    const wire = phase.board ? phase.board.transmit(phase.slave, length) : new Uint8Array(length);
    await sleepUntil(phase.end);
    this.checkOpen();
    buffer.set(wire, 0);
    return { bytesRead: length, buffer };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /**
   * Books the wire, waits for the transaction's turn and decides the ACK. A NACK ends it after the address
   * byte. With SDA held low nobody is addressed, yet the master sees an ACK (board undefined).
   */
  private async addressPhase(
    address: number,
    length: number,
  ): Promise<{ board: I2cSlaves; slave: SlaveEndpoint; end: number } | { board: undefined; end: number }> {
    const slot = this.clock.reserve(length);
    await sleepUntil(slot.start);
    this.checkOpen();
    if (this.sdaStuck) return { board: undefined, end: slot.end };
    for (const board of this.boards) {
      const slave = board.acknowledge(address);
      if (slave) return { board, slave, end: slot.end };
    }
    await sleepUntil(slot.start + (slot.end - slot.start) / (1 + length));
    this.checkOpen();
    throw nackError(address);
  }

  private checkOpen(): void {
    if (this.closed) throw new Esp32CamError('E_CLOSED', 'The simulated I2C bus is closed', 'Start a new simulated board.');
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
