/**
 * Runs the built CLI (bin/esp32cam.js, built by test/global-setup.ts) as a user would, and a MicroPython
 * board (the WASM harness) at the far end of a real pseudo-terminal pair for it to open with --port.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import type { SerialPortStream } from '@serialport/stream';
import { closeStream, openStream, startPtyPair, type PtyPair } from '../flasher/pty-pair.js';
import { MicroPythonUart } from '../repl/mp-uart.js';

const root = join(import.meta.dirname, '..', '..');
export const BIN = join(root, 'bin', 'esp32cam.js');

export interface Run {
  code: number | null;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

export function spawnCli(args: string[], cwd: string): ChildProcessWithoutNullStreams {
  const env = { ...process.env };
  delete env.ESP32CAM_CONFIG;
  return spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: 'pipe' });
}

export function runCli(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, cwd);
    child.stdin.end();
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr });
    });
  });
}

/** The one `esp32cam: … (CODE). hint` line a failed command prints, checked to be alone and without a stack. */
export function errorLine(run: Run): string {
  const lines = run.stderr.trimEnd().split('\n').filter((l) => l.startsWith('esp32cam: ') && / \(E_[A-Z_]+\)/.test(l));
  if (run.code !== 1 || lines.length !== 1 || /^\s+at /m.test(run.stderr)) {
    throw new Error(`expected one error line and exit 1, got exit ${run.code}:\n${run.stderr}`);
  }
  return lines[0];
}

/** A MicroPython-WASM board on the far side of a pty pair: the CLI opens `path`. */
export interface PtyBoard {
  path: string;
  uart: MicroPythonUart;
  close(): Promise<void>;
}

export async function startPtyBoard(): Promise<PtyBoard> {
  const pair: PtyPair = await startPtyPair();
  const uart = await MicroPythonUart.start({ rawPaste: true });
  const wire: SerialPortStream = await openStream(pair.a);
  wire.on('data', (d: Buffer) => uart.stream.write(d));
  uart.stream.on('data', (d: Buffer) => wire.write(d));
  return {
    path: pair.b,
    uart,
    async close() {
      await closeStream(wire);
      await uart.close();
      await pair.stop();
    },
  };
}

export async function waitFor(check: () => boolean, seen: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; seen: ${JSON.stringify(seen())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
