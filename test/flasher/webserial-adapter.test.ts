import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import type { SerialPortStream } from '@serialport/stream';
import { SlipDecoder, SlipEncoder } from '@serialport/parser-slip-encoder';
import { Transport } from 'esptool-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSerialAdapter } from '../../host/src/devices/flasher/webserial-adapter.js';
import { pattern } from './image-builders.js';
import { closeStream, openStream, readWeb, receive, startPtyPair, type PtyPair } from './pty-pair.js';

/** The speed the kernel holds for a tty, as stty reports it: proof that a baud change reached the port. */
function sttySpeed(path: string): number {
  const out = execFileSync('stty', ['-F', realpathSync(path), 'speed'], { encoding: 'utf8' });
  return Number(out.trim());
}

describe('WebSerialAdapter over a real pty pair', () => {
  let pty: PtyPair;
  let host: SerialPortStream;
  let device: SerialPortStream;
  let adapter: WebSerialAdapter;

  beforeEach(async () => {
    pty = await startPtyPair();
    host = await openStream(pty.a);
    device = await openStream(pty.b);
    adapter = new WebSerialAdapter(host, { info: { usbVendorId: 0x1a86, usbProductId: 0x7523 } });
  });

  afterEach(async () => {
    await closeStream(host);
    await closeStream(device);
    await pty.stop();
  });

  it('carries every byte value both ways, 64 KB each', async () => {
    await adapter.open({ baudRate: 115200 });
    const out = pattern(0x10000, 42);
    out.set(
      Uint8Array.from({ length: 256 }, (_, i) => i),
      0,
    );
    const arriving = receive(device, out.length);
    const writer = adapter.writable!.getWriter();
    for (let at = 0; at < out.length; at += 4096) await writer.write(out.subarray(at, at + 4096));
    writer.releaseLock();
    expect(Buffer.from(await arriving).equals(Buffer.from(out))).toBe(true);

    const back = pattern(0x10000, 7);
    const reader = adapter.readable!.getReader();
    device.write(Buffer.from(back));
    const got = await readWeb(reader, back.length);
    reader.releaseLock();
    expect(Buffer.from(got).equals(Buffer.from(back))).toBe(true);
  });

  it('changes the baud rate in place: same port, same streams, the kernel sees the new speed', async () => {
    await adapter.open({ baudRate: 115200 });
    expect(sttySpeed(pty.a)).toBe(115200);
    const readable = adapter.readable;
    let closes = 0;
    host.on('close', () => closes++);
    await adapter.setBaudRate(921600);
    expect(host.baudRate).toBe(921600);
    expect(sttySpeed(pty.a)).toBe(921600);
    expect(host.isOpen).toBe(true);
    expect(closes).toBe(0);
    expect(adapter.readable).toBe(readable);

    const reader = adapter.readable!.getReader();
    device.write(Buffer.from('after the change'));
    expect(Buffer.from(await readWeb(reader, 16)).toString()).toBe('after the change');
    reader.releaseLock();
  });

  it('opens at the baud rate esptool-js asks for, in place', async () => {
    await adapter.open({ baudRate: 460800 });
    expect(host.baudRate).toBe(460800);
    expect(sttySpeed(pty.a)).toBe(460800);
  });

  it('tolerates signals on a pty (ENOTTY), keeps both line levels, and says it has no modem lines', async () => {
    await adapter.open({ baudRate: 115200 });
    expect(adapter.hasModemLines).toBe(true);
    await adapter.setSignals({ dataTerminalReady: true });
    expect(adapter.hasModemLines).toBe(false);
    await adapter.setSignals({ requestToSend: true });
    await adapter.setSignals({ dataTerminalReady: false });
    expect(adapter.signals).toEqual({ dtr: false, rts: true });
    // The port still works after the failed ioctl.
    const arriving = receive(device, 3);
    const writer = adapter.writable!.getWriter();
    await writer.write(Uint8Array.of(1, 2, 3));
    writer.releaseLock();
    expect([...(await arriving)]).toEqual([1, 2, 3]);
  });

  it('reports the USB ids it was given, and no streams before open or after close', async () => {
    expect(adapter.getInfo()).toEqual({ usbVendorId: 0x1a86, usbProductId: 0x7523 });
    expect(adapter.readable).toBeNull();
    await adapter.open({ baudRate: 115200 });
    expect(adapter.readable).not.toBeNull();
    await adapter.close();
    expect(adapter.readable).toBeNull();
    expect(adapter.writable).toBeNull();
    // Closing the adapter leaves the borrowed port open for its owner.
    expect(host.isOpen).toBe(true);
  });

  it('errors the readable with NetworkError and rejects writes when the port goes away', async () => {
    await adapter.open({ baudRate: 115200 });
    const reader = adapter.readable!.getReader();
    const pending = reader.read();
    const writer = adapter.writable!.getWriter();
    await closeStream(host);
    await expect(pending).rejects.toMatchObject({ name: 'NetworkError' });
    await expect(writer.write(Uint8Array.of(1))).rejects.toMatchObject({ name: 'NetworkError' });
    expect(adapter.connected).toBe(false);
  });

  it("runs esptool-js's Transport: SLIP frames out and in, baud change without reopening, reconnect", async () => {
    const transport = new Transport(adapter as unknown as ConstructorParameters<typeof Transport>[0], false);
    transport.trace = () => undefined;
    await transport.connect(115200);
    void transport.readLoop();

    const frames: Buffer[] = [];
    // The ROM's framing is plain RFC 1055 SLIP with a 0xC0 before each frame too: the default decoder, and
    // the encoder's bluetoothQuirk (which is that leading 0xC0).
    const decoder = new SlipDecoder();
    decoder.on('data', (frame: Buffer) => frames.push(frame));
    device.pipe(decoder);
    const request = Uint8Array.of(0x00, 0x0a, 0x04, 0x00, 0, 0, 0, 0, 0x00, 0x10, 0x00, 0x40, 0xc0, 0xdb);
    await transport.write(request);
    await expect.poll(() => frames.length).toBe(1);
    expect([...frames[0]!]).toEqual([...request]);

    const encoder = new SlipEncoder({ bluetoothQuirk: true });
    encoder.pipe(device);
    const reply = Uint8Array.of(0x01, 0x0a, 0x04, 0x00, 0x83, 0x1d, 0xf0, 0x00, 0, 0, 0, 0xc0);
    encoder.write(Buffer.from(reply));
    expect([...(await transport.read(2000))]).toEqual([...reply]);

    await transport.setRTS(true);
    await transport.setDTR(false);
    expect(adapter.signals).toEqual({ dtr: false, rts: true });

    expect(await transport.changeBaudrate(460800)).toBe(false);
    expect(host.baudRate).toBe(460800);

    await transport.disconnect();
    expect(host.isOpen).toBe(true);
    await transport.connect(115200);
    void transport.readLoop();
    encoder.write(Buffer.from(reply));
    expect([...(await transport.read(2000))]).toEqual([...reply]);
    expect(host.baudRate).toBe(115200);
    await transport.disconnect();
  });
});
