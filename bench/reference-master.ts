import { setTimeout as sleep } from 'node:timers/promises';
import type { I2cTransport } from '../host/src/transports/i2c-transport.js';

/**
 * The field's reference master, as docs/hardware.md §3 describes it, for comparison only: write the command,
 * sleep 50 ms, read one status byte; for 201 read the two length bytes, then the data. No checks at all.
 *
 * One change, or it could not finish: as written it also waits only 50 ms after `capture`, but the camera
 * takes 80–160 ms for the driver's default VGA frame, so the status it reads is the empty ring's garbage and
 * the real 200 arrives later and shifts every following reply by one byte. Here it waits 300 ms after capture.
 */
export class ReferenceDesync extends Error {
  constructor(readonly slice: number) {
    super(`the reference master desynced at slice ${slice}: a reply came later than its 50 ms wait`);
  }
}

export async function referenceCapture(bus: I2cTransport, address = 0x2c): Promise<Buffer> {
  const command = async (name: string): Promise<number> => {
    const cmd = Buffer.from(name, 'ascii');
    await bus.i2cWrite(address, cmd.length, cmd);
    await sleep(name === 'capture' ? 300 : 50);
    const status = Buffer.alloc(1);
    await bus.i2cRead(address, 1, status);
    return status[0]!;
  };
  await command('capture');
  const parts: Buffer[] = [];
  for (;;) {
    await command('get');
    const len = Buffer.alloc(2);
    await bus.i2cRead(address, 2, len);
    const n = len.readUInt16LE(0);
    // The reference master has no checks; this one stops where it would have read garbage as a length.
    if (n > 100) throw new ReferenceDesync(parts.length);
    if (n === 0) break;
    const data = Buffer.alloc(n);
    await bus.i2cRead(address, n, data);
    parts.push(data);
  }
  return Buffer.concat(parts);
}
