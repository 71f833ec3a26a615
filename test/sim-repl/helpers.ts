import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPortStream } from '@serialport/stream';
import { SimulatedEsp32Cam, type SimOptions } from '../../host/src/sim/index.js';
import { registerSimSerialBoard, SimSerialBinding, unregisterSimSerialBoard } from '../../host/src/sim/uart/index.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let counter = 0;

/** A full simulated board with its UART open through a real SerialPortStream on the simulator's binding. */
export interface ReplBoard {
  sim: SimulatedEsp32Cam;
  port: SerialPortStream;
  path: string;
  dir: string;
  flashFile: string;
  /** Everything received since the last clear(). */
  text(): string;
  clear(): void;
  send(data: string | Uint8Array): Promise<void>;
  /** Waits until the text received contains `what` (a string or a pattern). */
  waitFor(what: string | RegExp, ms?: number): Promise<string>;
  /** Closes the port and the board, keeping the flash file (for a second board). */
  close(): Promise<void>;
  /** close(), then removes the temp folder. */
  dispose(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sim-repl-'));
}

export function scriptIn(dir: string, source: string, name = 'main.py'): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

export async function replBoard(opts: SimOptions = {}, dir = tempDir()): Promise<ReplBoard> {
  const flashFile = opts.flashFile ?? join(dir, 'flash.bin');
  const sim = await SimulatedEsp32Cam.start({ bootMs: 0, seed: 5, ...opts, flashFile });
  const path = `sim:repl-${process.pid}-${++counter}`;
  registerSimSerialBoard(path, sim.serial);
  const port = new SerialPortStream({ binding: SimSerialBinding, path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve, reject) => port.set({ dtr: false, rts: false }, (err) => (err ? reject(err) : resolve())));
  let received: Buffer[] = [];
  port.on('data', (chunk: Buffer) => received.push(chunk));
  const text = (): string => Buffer.concat(received).toString('latin1');
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    unregisterSimSerialBoard(path);
    await sim.close();
  };
  return {
    sim,
    port,
    path,
    dir,
    flashFile,
    text,
    clear: () => void (received = []),
    send: (data) =>
      new Promise<void>((resolve, reject) =>
        port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data), (err) => (err ? reject(err) : resolve())),
      ),
    async waitFor(what, ms = 30_000) {
      const end = Date.now() + ms;
      for (;;) {
        const t = text();
        if (typeof what === 'string' ? t.includes(what) : what.test(t)) return t;
        if (Date.now() > end) throw new Error(`timed out waiting for ${JSON.stringify(String(what))}; received ${JSON.stringify(t.slice(-400))}`);
        await sleep(10);
      }
    },
    close,
    async dispose() {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
