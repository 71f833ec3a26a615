/**
 * Runs the built CLI (bin/esp32cam.js, built by test/global-setup.ts) as a user would, and the simulated
 * ESP32-CAM exposed on a real pseudo-terminal (socat, through PtySerialLink) for it to open with --port.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import { PtySerialLink } from '../../host/src/sim/uart/index.js';
import { IDLE_MAIN } from '../push/board.js';
import { scriptIn, tempDir } from '../sim-repl/helpers.js';

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
  const lines = run.stderr
    .trimEnd()
    .split('\n')
    .filter((l) => l.startsWith('esp32cam: ') && / \(E_[A-Z_]+\)/.test(l));
  if (run.code !== 1 || lines.length !== 1 || /^\s+at /m.test(run.stderr)) {
    throw new Error(`expected one error line and exit 1, got exit ${run.code}:\n${run.stderr}`);
  }
  return lines[0];
}

/** The simulated board behind a pty: the CLI opens `path`, a tty without modem lines. */
export interface PtyBoard {
  path: string;
  sim: SimulatedEsp32Cam;
  /** Bytes that reached the chip's RX pin, all together. */
  bytesFromHost(): number;
  close(): Promise<void>;
}

export async function startPtyBoard(): Promise<PtyBoard> {
  const dir = tempDir();
  let sim: SimulatedEsp32Cam | undefined;
  let link: PtySerialLink | undefined;
  const close = async (): Promise<void> => {
    await link?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    sim = await SimulatedEsp32Cam.start({ bootMs: 0, seed: 7, script: scriptIn(dir, IDLE_MAIN) });
    let received = 0;
    sim.serial.on('uart-in', (bytes: Uint8Array) => (received += bytes.length));
    const path = join(dir, 'tty');
    link = await PtySerialLink.open(path, sim.serial);
    return { path, sim, bytesFromHost: () => received, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function waitFor(check: () => boolean, seen: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; seen: ${JSON.stringify(seen())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
