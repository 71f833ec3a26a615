/**
 * The esptool-js spike against the simulated board (host/src/sim/uart, built alongside): ESPLoader.main(),
 * a compressed write with MD5 verification, a read-back, and a hard reset, all through our adapter over
 * the `sim:esp32cam` serialport binding.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { SerialPortStream } from '@serialport/stream';
import { ESPLoader, Transport } from 'esptool-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSerialAdapter } from '../../host/src/devices/flasher/webserial-adapter.js';
import { SimSerialBinding, SimSerialBoard, registerSimSerialBoard, unregisterSimSerialBoard } from '../../host/src/sim/uart/index.js';
import { mergedImage } from './image-builders.js';

type Device = ConstructorParameters<typeof Transport>[0];
const PATH = 'sim:esp32cam-spike';

describe('esptool-js ESPLoader against the simulated ESP32-CAM', () => {
  let board: SimSerialBoard;
  let port: SerialPortStream;

  beforeEach(async () => {
    board = await SimSerialBoard.create({ flashTiming: 'instant' });
    registerSimSerialBoard(PATH, board);
    port = new SerialPortStream({ binding: SimSerialBinding, path: PATH, baudRate: 115200, autoOpen: false, hupcl: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => port.set({ dtr: false, rts: false, brk: false }, (err) => (err ? reject(err) : resolve())));
  });

  afterEach(async () => {
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    unregisterSimSerialBoard(PATH);
    await board.close();
  });

  it('runs main(), writeFlash with MD5, readFlash and a hard reset', async () => {
    const log: string[] = [];
    const adapter = new WebSerialAdapter(port, { info: { usbVendorId: 0x10c4, usbProductId: 0xea60 } });
    const transport = new Transport(adapter as unknown as Device, false);
    transport.trace = () => undefined;
    const terminal = { clean: () => undefined, writeLine: (s: string) => log.push(s), write: (s: string) => log.push(s) };
    const loader = new ESPLoader({ transport, baudrate: 460800, romBaudrate: 115200, terminal });

    const t0 = performance.now();
    const chip = await loader.main('default_reset');
    const tConnected = performance.now();
    expect(chip).toContain('ESP32');

    const image = mergedImage(0, 0x30000);
    const progress: Array<[number, number, number]> = [];
    await loader.writeFlash({
      fileArray: [{ data: image, address: 0 }],
      flashMode: 'keep',
      flashFreq: 'keep',
      flashSize: 'keep',
      eraseAll: false,
      compress: true,
      reportProgress: (i, written, total) => progress.push([i, written, total]),
      calculateMD5Hash: (data) => createHash('md5').update(data).digest('hex'),
    });
    const tWritten = performance.now();
    expect(progress.at(-1)![1]).toBe(progress.at(-1)![2]);
    expect(log.join('\n')).toContain('Hash of data verified.');
    expect(Buffer.from(board.readFlash(0, image.length)).equals(Buffer.from(image))).toBe(true);

    const back = await loader.readFlash(0, 0x10000);
    expect(Buffer.from(back).equals(Buffer.from(image.subarray(0, 0x10000)))).toBe(true);
    const tRead = performance.now();

    // The same image through ESPLoader's public block primitives, deflated by node:zlib: no per-byte
    // Inflate (esptool-js tracks progress with an Inflate of chunkSize 1), no text progress.
    const deflated = deflateSync(image, { level: 9 });
    const tOwn0 = performance.now();
    const blocks = await loader.flashDeflBegin(image.length, deflated.length, 0x100000);
    const blockSize = loader.FLASH_WRITE_SIZE;
    for (let seq = 0; seq < blocks; seq++) {
      await loader.flashDeflBlock(deflated.subarray(seq * blockSize, (seq + 1) * blockSize), seq, 3000);
    }
    const md5 = await loader.flashMd5sum(0x100000, image.length);
    const tOwn = performance.now() - tOwn0;
    expect(md5).toBe(createHash('md5').update(image).digest('hex'));
    const wireMs = ((deflated.length + 24 * blocks) * 10 * 1000) / 460800;
    console.log(
      `own loop: ${image.length} B (${deflated.length} compressed, ${blocks} blocks) in ${tOwn.toFixed(0)} ms, ` +
        `${((image.length * 8) / tOwn).toFixed(0)} kbit/s effective, ${((100 * wireMs) / tOwn).toFixed(0)}% of the wire limit (${wireMs.toFixed(0)} ms)`,
    );

    // esptool-js 0.7.0's HardReset only releases RTS (it never asserts it first), so on a classic
    // auto-reset board nothing happens: the stub keeps running. We must own the hard reset too.
    const boots: string[] = [];
    board.on('boot', (event: { mode: string }) => boots.push(event.mode));
    await loader.after('hard_reset');
    await expect.poll(() => board.loaderKind, { timeout: 300 }).toBe('stub');
    expect(boots).toEqual([]);
    // Ours: EN low through RTS alone, then released; GPIO0 stays high, so the chip boots from flash.
    await adapter.setSignals({ dataTerminalReady: false, requestToSend: true });
    await new Promise((r) => setTimeout(r, 100));
    await adapter.setSignals({ dataTerminalReady: false, requestToSend: false });
    await expect.poll(() => boots).toEqual(['flash']);
    console.log(
      `esptool-js on the sim: connect+stub+baud ${(tConnected - t0).toFixed(0)} ms; ` +
        `write ${image.length} B in ${(tWritten - tConnected).toFixed(0)} ms ` +
        `(${((image.length * 8) / (tWritten - tConnected)).toFixed(0)} kbit/s effective, incl. MD5); ` +
        `read 64 KB in ${(tRead - tWritten).toFixed(0)} ms\n` +
        log.join('\n'),
    );
    await transport.disconnect();
  });
});
