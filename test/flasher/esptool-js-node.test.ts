/**
 * The esptool-js spike: does Espressif's browser library run in Node 20 over our Web-Serial adapter, and
 * can we own the reset? Runs against a real pty pair, with a tiny ROM responder at the far end.
 */
import type { SerialPortStream } from '@serialport/stream';
import { ESPError, ESPLoader, Transport, getStubJsonByChipName, type ResetStrategy } from 'esptool-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSerialAdapter } from '../../host/src/devices/flasher/webserial-adapter.js';
import { closeStream, openStream, startPtyPair, type PtyPair } from './pty-pair.js';
import { startTinyRom, type TinyRom } from './tiny-rom.js';

type Device = ConstructorParameters<typeof Transport>[0];

function quietLoader(transport: Transport, log: string[], resetCalls: number[], onReset: () => Promise<void>): ESPLoader {
  const terminal = { clean: () => undefined, writeLine: (s: string) => log.push(s), write: (s: string) => log.push(s) };
  const ours = (t: Transport, delay: number): ResetStrategy => ({
    transport: t,
    async reset() {
      resetCalls.push(delay);
      await onReset();
    },
  });
  return new ESPLoader({
    transport,
    baudrate: 115200,
    romBaudrate: 115200,
    terminal,
    resetConstructors: { classicReset: ours as never },
  });
}

describe('esptool-js 0.7.0 in Node 20', () => {
  it('imports without a DOM and loads its ESP32 stub flasher (a JSON import with attributes)', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined');
    const stub = await getStubJsonByChipName('ESP32');
    expect(stub?.decodedText.length).toBeGreaterThan(1000);
    expect(stub?.entry).toBeGreaterThan(0x40000000);
  });

  describe('ESPLoader over the adapter on a pty', () => {
    let pty: PtyPair;
    let host: SerialPortStream;
    let device: SerialPortStream;
    let adapter: WebSerialAdapter;
    let rom: TinyRom;
    let transport: Transport;

    beforeEach(async () => {
      pty = await startPtyPair();
      host = await openStream(pty.a);
      device = await openStream(pty.b);
      adapter = new WebSerialAdapter(host);
      rom = startTinyRom(device);
      transport = new Transport(adapter as unknown as Device, false);
      // Transport.trace() writes to console.log even with tracing off ("readLoop exited"); silence it.
      transport.trace = () => undefined;
    });

    afterEach(async () => {
      await transport.disconnect().catch(() => undefined);
      rom.stop();
      await closeStream(host);
      await closeStream(device);
      await pty.stop();
    });

    it('syncs through our own reset hook and identifies an ESP32 by its magic register', async () => {
      const log: string[] = [];
      const resets: number[] = [];
      const loader = quietLoader(transport, log, resets, async () => undefined);
      await loader.connect('default_reset', 7, true);
      expect(loader.chip.CHIP_NAME).toBe('ESP32');
      // Our reset ran, first with esptool's 50 ms delay (its retry uses 550 ms).
      expect(resets[0]).toBe(50);
      expect(rom.ops[0]).toBe(0x08);
      // The ESP32 ROM has no GET_SECURITY_INFO (0x14): esptool-js asks, gets an error status, reconnects
      // and falls back to the magic register.
      expect(rom.ops).toContain(0x14);
      expect(log.join('\n')).toContain('Autodetection failed, trying again');

      const rounds = 100;
      const t0 = performance.now();
      for (let i = 0; i < rounds; i++) expect(await loader.readReg(0x40001000)).toBe(0x00f01d83);
      const perCommand = (performance.now() - t0) / rounds;
      // A benchmark figure, not an assertion: esptool-js polls its buffer with 1 ms sleeps.
      console.log(`esptool-js READ_REG round trip over a pty: ${perCommand.toFixed(2)} ms`);
    });

    it('reports a failed connect as a bare "Failed to connect"; the boot-log diagnosis is only in _connectAttempt', async () => {
      const log: string[] = [];
      const resets: number[] = [];
      rom.answering = false;
      const loader = quietLoader(transport, log, resets, async () => {
        rom.print('ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n');
        await expect.poll(() => transport.inWaiting()).toBeGreaterThan(60);
      });
      const failure = await loader.connect('default_reset', 1, false).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ESPError);
      expect((failure as Error).message).toBe('Failed to connect with the device');

      // The same attempt, called directly, says which case it is.
      const strategy = loader.constructResetSequence('default_reset')[0]!;
      const verdict = await loader._connectAttempt('default_reset', strategy);
      expect(verdict).toContain('Wrong boot mode detected (0x13)');
    });

    it('on an unplug mid-command, fails only when its read times out: the flasher must watch the port itself', async () => {
      const loader = quietLoader(transport, [], [], async () => undefined);
      await loader.connect('no_reset', 1, false);
      rom.answering = false;
      const closed = new Promise<unknown>((resolve) => host.once('close', resolve));
      const opsBefore = rom.ops.length;
      const pending = loader.readReg(0x40001000, 1000).catch((err: unknown) => err);
      // Unplug once the command is on the board's side: before that, the write itself would fail instead.
      await expect.poll(() => rom.ops.length, { timeout: 30_000 }).toBeGreaterThan(opsBefore);
      await pty.stop();
      // The kernel ends the pty: node serialport reports it as a disconnect.
      expect(await closed).toMatchObject({ disconnected: true });
      const failure = await pending;
      expect(failure).toBeInstanceOf(ESPError);
      // esptool-js's two timeout texts are swapped: silence reads "noise or corruption".
      expect((failure as Error).message).toBe('Serial data stream stopped: Possible serial noise or corruption.');
      // The next command fails at once: the adapter rejects writes on a lost port.
      await expect(loader.readReg(0x40001000, 1000)).rejects.toMatchObject({ name: 'NetworkError' });
      // And esptool-js's disconnect() returns instead of waiting for the writer it left locked.
      await transport.disconnect();
    });

    it('changes the baud rate in place through setBaudRate, without closing the port', async () => {
      const loader = quietLoader(transport, [], [], async () => undefined);
      await loader.connect('no_reset', 1, false);
      let closes = 0;
      host.on('close', () => closes++);
      expect(await transport.changeBaudrate(921600)).toBe(false);
      expect(host.baudRate).toBe(921600);
      expect(closes).toBe(0);
    });
  });
});
