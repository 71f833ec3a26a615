import { describe, expect, it } from 'vitest';
import { BusLink } from '../../host/src/devices/camera/bus-link.js';
import type { I2cTransport } from '../../host/src/transports/i2c-transport.js';

/** A bus whose every transfer fails the way Linux i2c-dev does, with a system errno code. */
function failingBus(code: string): I2cTransport {
  const fail = async (): Promise<never> => {
    const err: NodeJS.ErrnoException = new Error(`${code}: i2c transfer failed`);
    err.code = code;
    throw err;
  };
  return { i2cWrite: fail, i2cRead: fail, close: async () => undefined };
}

describe('BusLink turns i2c-dev errors into advice', () => {
  it.each([
    ['EREMOTEIO', 'E_NO_ACK', /wiring.*address.*slave script/],
    ['ENXIO', 'E_NO_ACK', /wiring/],
    ['EBUSY', 'E_BUS_BUSY', /i2cdetect/],
    ['ETIMEDOUT', 'E_TIMEOUT', /pull-ups/],
    ['EIO', 'E_BUS_IO', /wiring/],
  ])('%s becomes %s', async (errno, code, hint) => {
    const link = new BusLink(failingBus(errno), 0x2c);
    const err = await link.read(1).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect((err as { hint: string }).hint).toMatch(hint);
    await expect(link.write(Uint8Array.of(1))).rejects.toMatchObject({ code });
  });

  it('refuses a read longer than one i2c-dev message', async () => {
    const link = new BusLink(failingBus('EIO'), 0x2c);
    await expect(link.read(8193)).rejects.toThrow(RangeError);
  });

  it('notes the last byte read as what an empty ring reads as', async () => {
    const bus: I2cTransport = {
      i2cWrite: async (_a, length, buffer) => ({ bytesWritten: length, buffer }),
      i2cRead: async (_a, length, buffer) => {
        buffer.fill(0xc8, 0, length);
        buffer[length - 1] = 0x64;
        return { bytesRead: length, buffer };
      },
      close: async () => undefined,
    };
    const link = new BusLink(bus, 0x2c);
    await link.read(3);
    expect(link.idleByte).toBe(0x64);
    expect(link.counters).toEqual({ written: 0, read: 3, transactions: 1 });
  });
});
