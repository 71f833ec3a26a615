import { describe, expect, it } from 'vitest';
import type { I2cTransport } from '../../host/src/transports/i2c-transport.js';
import { SharedI2cBus } from '../../host/src/transports/shared-i2c-bus.js';

/** A wire whose transfers finish only when the test says so, recording the order they started in. */
function heldWire(): { wire: I2cTransport; started: string[]; finishNext: () => void } {
  const started: string[] = [];
  const pending: Array<() => void> = [];
  const transfer = (name: string) =>
    new Promise<void>((resolve) => {
      started.push(name);
      pending.push(resolve);
    });
  const wire: I2cTransport = {
    i2cWrite: async (address, length, buffer) => {
      await transfer(`w${address.toString(16)}:${buffer.toString()}`);
      return { bytesWritten: length, buffer };
    },
    i2cRead: async (address, length, buffer) => {
      await transfer(`r${address.toString(16)}`);
      return { bytesRead: length, buffer };
    },
    close: async () => undefined,
  };
  return { wire, started, finishNext: () => pending.shift()?.() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a shared bus', () => {
  it('puts every waiting normal message before a waiting background one, and keeps first-come order within each', async () => {
    const { wire, started, finishNext } = heldWire();
    const bus = new SharedI2cBus(wire, { name: 'test' });
    const front = bus.user();
    const back = bus.user();
    back.priority = 'background';
    const done = [
      front.i2cWrite(0x2c, 1, Buffer.from('a')), // on the wire at once
      back.i2cWrite(0x2d, 1, Buffer.from('k')), // a keep-alive queued behind it
      front.i2cWrite(0x2c, 1, Buffer.from('b')),
      front.i2cRead(0x2c, 1, Buffer.alloc(1)),
    ];
    for (let i = 0; i < done.length; i++) {
      await settle();
      finishNext();
    }
    await Promise.all(done);
    expect(started).toEqual(['w2c:a', 'w2c:b', 'r2c', 'w2d:k']);
    await bus.close();
  });

  it('runs a background message at once on an idle bus, and close() waits for the one on the wire', async () => {
    const { wire, started, finishNext } = heldWire();
    const bus = new SharedI2cBus(wire, { name: 'test' });
    const back = bus.user();
    back.priority = 'background';
    const write = back.i2cWrite(0x2d, 1, Buffer.from('k'));
    await settle();
    expect(started).toEqual(['w2d:k']);
    let closed = false;
    const closing = bus.close().then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);
    finishNext();
    await write;
    await closing;
    expect(closed).toBe(true);
  });
});
