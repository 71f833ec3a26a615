/**
 * The I2C transport: exactly the subset of i2c-bus's `PromisifiedBus` the camera needs, so the real bus,
 * the simulated board and test rigs are interchangeable.
 *
 * Each call is one plain I2C message (a write, or a read), never a combined transfer: the Pi's bcm2835
 * driver allows a read only as the last message of a combined transfer (docs/hardware.md §4).
 *
 * A slave that does not acknowledge its address rejects with a Node system error whose `code` is
 * `EREMOTEIO` (errno 121) or `ENXIO`, as i2c-bus does.
 */
/** `background` transactions (the health keep-alive) wait while any `normal` one is queued on a shared bus. */
export type BusPriority = 'normal' | 'background';

export interface I2cTransport {
  i2cWrite(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }>;
  i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  /** Releases the bus; further calls reject. */
  close(): Promise<void>;
  /** The priority of this user's next transactions, where the transport queues them (a shared bus); default normal. */
  priority?: BusPriority;
}

/** Linux i2c-dev refuses a single read() or write() longer than this (drivers/i2c/i2c-dev.c). */
export const I2C_DEV_MAX_MESSAGE = 8192;

/** Builds the same error object i2c-bus rejects with when a slave does not ACK. */
export function nackError(address: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`EREMOTEIO: remote I/O error, no ACK from address 0x${address.toString(16).padStart(2, '0')}`);
  err.code = 'EREMOTEIO';
  err.errno = 121;
  err.syscall = 'read';
  return err;
}
