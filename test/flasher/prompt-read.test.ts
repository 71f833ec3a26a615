/**
 * wakeReadsOnData over a real pty pair: esptool-js's Transport, our Web-Serial adapter, and bytes written at
 * the far end. The read must return the packet that arrives later, keep a packet split across writes whole,
 * and still end in esptool-js's own error when nothing comes.
 */
import type { SerialPortStream } from '@serialport/stream';
import { Transport } from 'esptool-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wakeReadsOnData } from '../../host/src/devices/flasher/prompt-read.js';
import { WebSerialAdapter } from '../../host/src/devices/flasher/webserial-adapter.js';
import { closeStream, openStream, startPtyPair, type PtyPair } from './pty-pair.js';

type Device = ConstructorParameters<typeof Transport>[0];

const write = (port: SerialPortStream, bytes: number[]) =>
  new Promise<void>((resolve, reject) => port.write(Buffer.from(bytes), (err) => (err ? reject(err) : port.drain(() => resolve()))));

describe('wakeReadsOnData', () => {
  let pty: PtyPair;
  let host: SerialPortStream;
  let device: SerialPortStream;
  let transport: Transport;

  beforeEach(async () => {
    pty = await startPtyPair();
    host = await openStream(pty.a);
    device = await openStream(pty.b);
    transport = new Transport(new WebSerialAdapter(host) as unknown as Device, false);
    transport.trace = () => undefined;
    wakeReadsOnData(transport);
    await transport.connect(115200);
    // ESPLoader starts the read loop after opening; so does this test.
    void transport.readLoop();
  });

  afterEach(async () => {
    await transport.disconnect().catch(() => undefined);
    await closeStream(host);
    await closeStream(device);
    await pty.stop();
  });

  it('returns a SLIP packet written after the read began, with its escapes undone', async () => {
    const reading = transport.read(5000);
    // Let the read start waiting before anything is on the line.
    await new Promise((resolve) => setImmediate(resolve));
    await write(device, [0xc0, 0x01, 0x0a, 0xdb, 0xdc, 0x02, 0xc0]);
    expect(Array.from(await reading)).toEqual([0x01, 0x0a, 0xc0, 0x02]);
  });

  it('keeps a packet whole when its halves arrive in separate writes', async () => {
    const reading = transport.read(5000);
    await write(device, [0xc0, 0x01, 0x08]);
    await write(device, [0x04, 0x00, 0xc0]);
    expect(Array.from(await reading)).toEqual([0x01, 0x08, 0x04, 0x00]);
  });

  it('reads bytes that were already waiting, and the next packet after them', async () => {
    await write(device, [0xc0, 0x01, 0xc0, 0xc0, 0x02, 0xc0]);
    expect(Array.from(await transport.read(5000))).toEqual([0x01]);
    expect(Array.from(await transport.read(5000))).toEqual([0x02]);
  });

  it('ends in esptool-js’s error when no byte comes', async () => {
    await expect(transport.read(100)).rejects.toThrow(/Serial data stream stopped/);
  });
});
