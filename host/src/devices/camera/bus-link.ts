import { setTimeout as sleep } from 'node:timers/promises';
import { Esp32CamError, systemErrorCode } from '../../errors.js';
import { I2C_DEV_MAX_MESSAGE, type BusPriority, type I2cTransport } from '../../transports/i2c-transport.js';

export { sleep };

const hexAddr = (a: number) => `0x${a.toString(16).padStart(2, '0')}`;

/**
 * One camera's end of the bus: plain writes and reads at its address, with transport errors turned into
 * typed errors, and a note of what an empty TX ring reads as.
 *
 * The freshev slave answers a read of an empty ring with garbage: the last byte it sent, repeated (or 0xFF),
 * and consumes nothing (docs/hardware.md §2). `idleByte` is the last byte any read returned, which is that
 * garbage value; a reply byte equal to it cannot be told from "nothing there yet".
 */
export class BusLink {
  idleByte: number | undefined;
  /** Bytes moved in each direction, for figures and tests. */
  readonly counters = { written: 0, read: 0, transactions: 0 };

  constructor(
    private readonly bus: I2cTransport,
    readonly address: number,
  ) {}

  /** Runs `job` with this link's transactions at `priority` on a shared bus (a plain transport ignores it). */
  async withPriority<T>(priority: BusPriority, job: () => Promise<T>): Promise<T> {
    const before = this.bus.priority;
    if (before === undefined) return job();
    this.bus.priority = priority;
    try {
      return await job();
    } finally {
      this.bus.priority = before;
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      await this.bus.i2cWrite(this.address, buffer.length, buffer);
    } catch (err) {
      throw this.translate(err, 'write');
    }
    this.counters.written += buffer.length;
    this.counters.transactions++;
  }

  async read(length: number): Promise<Buffer> {
    if (length < 1 || length > I2C_DEV_MAX_MESSAGE) throw new RangeError(`an I2C read is 1..${I2C_DEV_MAX_MESSAGE} bytes`);
    const buffer = Buffer.alloc(length);
    let bytesRead: number;
    try {
      ({ bytesRead } = await this.bus.i2cRead(this.address, length, buffer));
    } catch (err) {
      throw this.translate(err, 'read');
    }
    this.counters.read += bytesRead;
    this.counters.transactions++;
    if (bytesRead !== length) {
      throw new Esp32CamError(
        'E_BUS_IO',
        `Short I2C read from ${hexAddr(this.address)}: ${bytesRead} of ${length} bytes`,
        'Check the wiring and pull-ups; a loose SDA line cuts transfers short.',
      );
    }
    this.idleByte = buffer[length - 1];
    return buffer;
  }

  private translate(err: unknown, op: 'read' | 'write'): Error {
    if (err instanceof Esp32CamError) return err;
    const code = systemErrorCode(err);
    const addr = hexAddr(this.address);
    switch (code) {
      case 'EREMOTEIO':
      case 'ENXIO':
        return new Esp32CamError(
          'E_NO_ACK',
          `No ACK from the camera at ${addr} (${code})`,
          'Check the wiring (Pi SDA/GPIO2 to ESP32 GPIO13, SCL/GPIO3 to GPIO12, and GND), the address, and that the slave script is running on the board.',
          { cause: err },
        );
      case 'EBUSY':
        return new Esp32CamError(
          'E_BUS_BUSY',
          `The I2C bus is busy at ${addr}`,
          'Another program or a kernel driver is using this address; stop it (see `i2cdetect -y 1`, UU means a driver holds it).',
          { cause: err },
        );
      case 'ETIMEDOUT':
      case 'EAGAIN':
        return new Esp32CamError(
          'E_TIMEOUT',
          `The I2C ${op} to ${addr} timed out (${code})`,
          'The bus is stuck or too noisy: check the pull-ups and cable length, or lower the bus clock.',
          { cause: err },
        );
      default: {
        const what = err instanceof Error ? err.message : String(err);
        return new Esp32CamError('E_BUS_IO', `I2C ${op} to ${addr} failed: ${what}`, 'Check the wiring and that the bus is enabled.', { cause: err });
      }
    }
  }
}
