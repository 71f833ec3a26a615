import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlipDecoder, SlipEncoder } from '@serialport/parser-slip-encoder';
import { SerialPortStream } from '@serialport/stream';
import { decodeResponse, encodeDataBlock, encodeRequest, ESP32_ROM_STATUS_LENGTH, Op, SYNC_PAYLOAD, type RomResponse } from '../../protocol/src/rom/index.js';
import {
  registerSimSerialBoard,
  SimSerialBinding,
  SimSerialBoard,
  unregisterSimSerialBoard,
  type SimSerialBoardOptions,
} from '../../host/src/sim/uart/index.js';

/**
 * A minimal host for the tests: a real SerialPortStream on the simulator's binding, SLIP through
 * @serialport/parser-slip-encoder, and the raw bytes kept so a test can look at the boot log.
 */
export class RomTestHost {
  readonly raw: Buffer[] = [];
  /** 'error' events of the stream (an unplugged board fails the write in progress). */
  readonly errors: Error[] = [];
  private readonly packets: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private readonly encoder = new SlipEncoder({ bluetoothQuirk: true });
  private readonly decoder = new SlipDecoder({ readableObjectMode: true });
  statusLength = ESP32_ROM_STATUS_LENGTH;

  constructor(readonly port: SerialPortStream) {
    this.encoder.pipe(port);
    port.on('error', (err: Error) => this.errors.push(err));
    port.on('data', (chunk: Buffer) => {
      this.raw.push(chunk);
      this.decoder.write(chunk);
    });
    this.decoder.on('data', (p: Buffer) => {
      if (p.length === 0) return;
      this.packets.push(p);
      this.waiter?.();
    });
  }

  static async open(path: string, baudRate = 115200): Promise<RomTestHost> {
    const port = new SerialPortStream({ binding: SimSerialBinding, path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    const host = new RomTestHost(port);
    await host.setLines(false, false);
    return host;
  }

  /** A real tty (a pseudo-terminal) through the native binding; a pty has no modem lines to set. */
  static async openTty(path: string, baudRate = 115200): Promise<RomTestHost> {
    const { SerialPort } = await import('serialport');
    const port = new SerialPort({ path, baudRate, autoOpen: false, hupcl: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    return new RomTestHost(port);
  }

  text(): string {
    return Buffer.concat(this.raw).toString('latin1');
  }

  clearInput(): void {
    this.raw.length = 0;
    this.packets.length = 0;
  }

  setLines(dtr: boolean, rts: boolean): Promise<void> {
    return new Promise((resolve, reject) => this.port.set({ dtr, rts }, (err) => (err ? reject(err) : resolve())));
  }

  setBaud(baudRate: number): Promise<void> {
    return new Promise((resolve, reject) => this.port.update({ baudRate }, (err) => (err ? reject(err) : resolve())));
  }

  /** esptool's ClassicReset: EN low, then IO0 low while EN rises, then IO0 released. */
  async classicReset(): Promise<void> {
    await this.setLines(false, true);
    await sleep(100);
    await this.setLines(true, false);
    await sleep(50);
    await this.setLines(false, false);
  }

  send(packet: Uint8Array): void {
    this.encoder.write(Buffer.from(packet));
  }

  /** The next SLIP packet, whatever it is. */
  async nextPacket(timeoutMs = 15_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = this.packets.shift();
      if (p) return p;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a packet');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }

  /** Sends a request and returns the first response packet (skipping boot-log text and other ops). */
  async command(op: number, data: Uint8Array = new Uint8Array(0), chk = 0, timeoutMs = 15_000): Promise<RomResponse> {
    this.send(encodeRequest(op, data, chk));
    return this.response(op, timeoutMs);
  }

  async response(op: number | undefined, timeoutMs = 15_000): Promise<RomResponse> {
    for (;;) {
      const p = await this.nextPacket(timeoutMs);
      if (p[0] !== 1) continue;
      const r = decodeResponse(p, this.statusLength);
      if (!r.ok) throw new Error(r.reason);
      if (op === undefined || r.packet.op === op) return r.packet;
    }
  }

  async sync(): Promise<RomResponse[]> {
    const first = await this.command(Op.SYNC, SYNC_PAYLOAD, 0, 500);
    const all = [first];
    for (let i = 0; i < 7; i++) all.push(await this.response(Op.SYNC, 500));
    return all;
  }

  dataCommand(op: number, seq: number, data: Uint8Array, timeoutMs = 15_000): Promise<RomResponse> {
    const { payload, checksum } = encodeDataBlock(seq, data);
    return this.command(op, payload, checksum, timeoutMs);
  }

  close(): Promise<void> {
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until(cond: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

let counter = 0;

/** A fresh board registered at a unique sim path, and a temp dir; `dispose` undoes both. */
export async function simBoard(opts: SimSerialBoardOptions = {}): Promise<{ board: SimSerialBoard; path: string; dir: string; dispose: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sim-uart-'));
  const board = await SimSerialBoard.create({ flashTiming: 'instant', ...opts });
  const path = `sim:test-${process.pid}-${++counter}`;
  registerSimSerialBoard(path, board);
  return {
    board,
    path,
    dir,
    dispose: async () => {
      unregisterSimSerialBoard(path);
      await board.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
