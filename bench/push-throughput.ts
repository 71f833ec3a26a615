import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushFile } from '../host/src/devices/push/index.js';
import { deviceScriptsDir, packageRoot } from '../host/src/paths.js';
import { withReplSession } from '../host/src/services/device-session.js';
import { SimulatedEsp32Cam } from '../host/src/sim/index.js';
import { PtySerialLink, registerSimSerialBoard, SimSerialBinding, unregisterSimSerialBoard } from '../host/src/sim/uart/index.js';

export interface PushThroughput {
  baud: number;
  fileBytes: number;
  /** Every byte the host sent during the session: interrupt, watchdog feed, hash check, data, rename, exit. */
  wireBytes: number;
  /** From opening the port to closing it, with the slave script running on the board at the start. */
  sessionSeconds: number;
  /** pushFile alone: hash check, temp file, chunks, hash check and rename. */
  pushSeconds: number;
  /** The file's own bytes at 10 bits a byte, with nothing else on the line. */
  lineLimitSeconds: number;
  how: string;
}

/** The script a user pushes most: real code, which compresses as real code does (a generated file would flatter deflate). */
export const realScript = (): Buffer => readFileSync(join(deviceScriptsDir(), 'main.py'));

/**
 * Pushes device-scripts/main.py into the simulated board over its UART at 115200 baud. The simulator paces
 * both directions at the line rate, and the board runs device-scripts/main.py (watchdog armed) when the
 * session starts, as a board in the field does.
 */
export async function pushThroughput(data = realScript()): Promise<PushThroughput> {
  const baud = 115200;
  const sim = await SimulatedEsp32Cam.start({ bootMs: 0 });
  const path = 'sim:esp32cam-bench-push';
  registerSimSerialBoard(path, sim.serial);
  let wireBytes = 0;
  sim.serial.on('uart-in', (bytes: Uint8Array) => {
    wireBytes += bytes.length;
  });
  try {
    const started = performance.now();
    let pushSeconds = 0;
    let how = '';
    await withReplSession({ path, binding: SimSerialBinding, baudRate: baud }, 'bench', async ({ client }) => {
      const t0 = performance.now();
      const r = await pushFile(client, data, '/bench.py', { force: true });
      pushSeconds = (performance.now() - t0) / 1000;
      how = `${r.encoding ?? 'skipped'} through ${client.lastExecPath}, verified by ${r.verifiedBy}`;
    });
    const sessionSeconds = (performance.now() - started) / 1000;
    return { baud, fileBytes: data.length, wireBytes, sessionSeconds, pushSeconds, lineLimitSeconds: (data.length * 10) / baud, how };
  } finally {
    unregisterSimSerialBoard(path);
    await sim.close();
  }
}

export interface ToolComparison {
  runs: number;
  /** Medians, command start to exit. */
  toolSeconds: number;
  oursSeconds: number;
}

/**
 * `esp32cam push` against mpremote's `fs cp` for the same file, both as commands a user types, against one
 * simulated board on a pseudo-terminal, alternating. mpremote is not a dependency: BENCH_MPREMOTE names its
 * mpremote.py, run with BENCH_PYTHON (default /usr/bin/python3).
 */
export async function compareWithMpremote(mpremote: string, runs = 3, data = realScript()): Promise<ToolComparison> {
  const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const work = await mkdtemp(join(tmpdir(), 'esp32cam-bench-push-'));
  const file = join(work, 'main.py');
  await writeFile(file, data);
  const sim = await SimulatedEsp32Cam.start({ bootMs: 0 });
  const link = await PtySerialLink.open(join(work, 'tty'), sim.serial);
  const tool: number[] = [];
  const ours: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // A new name each time: mpremote skips a file the board already holds with the same hash.
      tool.push(await timed(python, [mpremote, 'connect', link.path, 'fs', 'cp', file, `:mp${i}.py`]));
      ours.push(await timed(process.execPath, [join(packageRoot(), 'bin', 'esp32cam.js'), 'push', '--force', '--port', link.path, file, '--to', '/ours']));
    }
  } finally {
    await link.close();
    await sim.close();
    await rm(work, { recursive: true, force: true });
  }
  return { runs, toolSeconds: median(tool), oursSeconds: median(ours) };
}

/** Runs a command to its end; its wall time in seconds. Fails loudly when it fails. */
export function timed(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
}

export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const kb = (n: number) => `${(n / 1000).toFixed(2)} KB`;

/** The bench's push section: wire bytes against the file's, time against line rate, and against mpremote when it is at hand. */
export async function printPush(): Promise<void> {
  const p = await pushThroughput();
  console.log(`\nPushing device-scripts/main.py (${kb(p.fileBytes)}) into the simulated board at ${p.baud} baud (wire-time pacing, ${p.how}):`);
  console.log(
    `  ${kb(p.wireBytes)} on the wire = ${(p.wireBytes / p.fileBytes).toFixed(2)}x the file's bytes (base64 alone would be 1.33x)\n` +
      `  push ${p.pushSeconds.toFixed(2)} s, whole session ${p.sessionSeconds.toFixed(2)} s; the bytes sent need ${((p.wireBytes * 10) / p.baud).toFixed(2)} s of wire time, ` +
      `the file's own bytes ${p.lineLimitSeconds.toFixed(2)} s (${((p.lineLimitSeconds / p.pushSeconds) * 100).toFixed(0)}% of line rate)`,
  );
  const mpremote = process.env.BENCH_MPREMOTE;
  if (!mpremote) {
    console.log('  against mpremote fs cp: limit 0.60x its time; set BENCH_MPREMOTE=/path/to/mpremote.py to measure it here');
    return;
  }
  const c = await compareWithMpremote(mpremote);
  const ratio = c.oursSeconds / c.toolSeconds;
  console.log(
    `  against mpremote fs cp, command to verified file on a pty (median of ${c.runs}): esp32cam push ${c.oursSeconds.toFixed(2)} s, mpremote ${c.toolSeconds.toFixed(2)} s: ` +
      `${ratio.toFixed(2)}x its time (limit 0.60x) ${ratio <= 0.6 ? 'ok' : 'OVER THE LIMIT'}`,
  );
}
