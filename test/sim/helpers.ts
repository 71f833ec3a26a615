import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimulatedEsp32Cam } from '../../host/src/sim/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const LEGACY_SLAVE = join(FIXTURES, 'legacy_slave.py');
export const ECHO_SLAVE = join(FIXTURES, 'sim', 'echo_slave.py');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes a script (and optional neighbours) into a fresh temp folder; returns the script's path. */
export function tempScript(source: string, neighbours: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'esp32cam-sim-'));
  for (const [name, text] of Object.entries(neighbours)) writeFileSync(join(dir, name), text);
  const path = join(dir, 'main.py');
  writeFileSync(path, source);
  return path;
}

/** Records the board's console lines. */
export function consoleOf(board: SimulatedEsp32Cam): string[] {
  const lines: string[] = [];
  board.on('console', (l: string) => lines.push(l));
  return lines;
}

/** Polls until `check` passes, or returns false after `ms` (a safety net for a busy machine, not a figure). */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 30_000, every = 10): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(every);
  }
  return check();
}

export async function write(board: SimulatedEsp32Cam, text: string | Buffer, address = 44): Promise<void> {
  const buf = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  await board.i2cWrite(address, buf.length, buf);
}

export async function read(board: SimulatedEsp32Cam, n: number, address = 44): Promise<Buffer> {
  const buf = Buffer.alloc(n);
  await board.i2cRead(address, n, buf);
  return buf;
}

/** The error code a transaction rejects with, or 'ok'. */
export async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

/** Marker the purpose-written test slaves put before each answer: garbage can never read as A5 5A. */
export const MARK = Buffer.from([0xa5, 0x5a]);

/**
 * Waits for an answer framed by MARK and returns its next `n` bytes. Polling is safe because reads
 * of an empty ring return a repeated byte and consume nothing.
 */
export async function answer(board: SimulatedEsp32Cam, n: number, ms = 8000): Promise<Buffer> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await read(board, 1))[0] === 0xa5 && (await read(board, 1))[0] === 0x5a) return read(board, n);
    await sleep(10);
  }
  throw new Error(`no answer within ${ms} ms`);
}
