import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { flashFirmware, type FlashResult } from '../host/src/devices/flasher/flasher.js';
import { DEFLATE_OPTIONS } from '../host/src/devices/flasher/write-image.js';
import { packageRoot } from '../host/src/paths.js';
import { PtySerialLink, SimSerialBinding, SimSerialBoard, registerSimSerialBoard, unregisterSimSerialBoard } from '../host/src/sim/uart/index.js';
import { mergedImage } from '../test/flasher/image-builders.js';
import { median, timed, type ToolComparison } from './push-throughput.js';

export interface FlashThroughput {
  baud: number;
  bytes: number;
  compressed: number;
  seconds: number;
  effectiveKbps: number;
  /** The wire time of the compressed bytes (10 bits a byte) over the write's time. */
  wireShare: number;
  /** From the call to its end: connect, stub, write, MD5, reset and the boot recognised. */
  totalSeconds: number;
  /** From the end of the MD5 check to the boot recognised (the hard reset included). */
  bootSeconds: number;
  boot: FlashResult['boot']['kind'];
}

/** A 1.5 MB firmware-like merged image (it deflates like MicroPython's). */
const benchImage = (): Uint8Array => mergedImage(0, 0x170000 - 0x10000 - 0x1000, 'firmware');

/**
 * Writes the image into the simulated board at `baud`, with the board's realistic flash erase/program times,
 * and times the write and its MD5 check as esptool does (uncompressed bytes over time), then the reset and
 * the listening until the boot is recognised.
 */
export async function flashThroughput(baud: number): Promise<FlashThroughput> {
  const image = benchImage();
  // What crosses the line: the image deflated as the flasher does it.
  const compressed = deflateSync(image, DEFLATE_OPTIONS).length;
  const board = await SimSerialBoard.create({ flashTiming: 'realistic' });
  const path = `sim:esp32cam-bench-${baud}`;
  registerSimSerialBoard(path, board);
  try {
    const started = performance.now();
    let verifiedAt = started;
    const result = await flashFirmware({
      path,
      image,
      binding: SimSerialBinding,
      baudRate: baud,
      onEvent: (e) => {
        if (e.type === 'progress' && e.phase === 'verify') verifiedAt = performance.now();
      },
    });
    const ended = performance.now();
    const wireSeconds = (compressed * 10) / baud;
    return {
      baud,
      bytes: image.length,
      compressed,
      seconds: result.writeSeconds,
      effectiveKbps: result.effectiveKbps,
      wireShare: wireSeconds / result.writeSeconds,
      totalSeconds: (ended - started) / 1000,
      bootSeconds: (ended - verifiedAt) / 1000,
      boot: result.boot.kind,
    };
  } finally {
    unregisterSimSerialBoard(path);
    await board.close();
  }
}

/**
 * `esp32cam flash` against esptool.py's `write_flash` for the same image and baud, both as commands a user
 * types, each against a fresh simulated board in download mode on a pseudo-terminal (no modem lines, so
 * neither resets it). esptool.py is not a dependency: BENCH_ESPTOOL names its esptool.py, run with
 * BENCH_PYTHON (default /usr/bin/python3).
 */
export async function compareWithEsptool(esptool: string, baud: number, runs = 3): Promise<ToolComparison & { librarySeconds: number }> {
  const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const work = await mkdtemp(join(tmpdir(), 'esp32cam-bench-flash-'));
  const file = join(work, 'firmware.bin');
  const image = benchImage();
  await writeFile(file, image);
  const tool: number[] = [];
  const ours: number[] = [];
  const library: number[] = [];
  const onFreshBoard = async (run: (tty: string) => Promise<number>): Promise<number> => {
    const board = await SimSerialBoard.create({ flashTiming: 'realistic', downloadMode: true, autoReset: false });
    const link = await PtySerialLink.open(join(work, 'tty'), board);
    try {
      return await run(link.path);
    } finally {
      await link.close();
      await board.close();
    }
  };
  try {
    for (let i = 0; i < runs; i++) {
      tool.push(
        await onFreshBoard((tty) =>
          timed(python, [
            esptool,
            '--chip',
            'esp32',
            '--port',
            tty,
            '--baud',
            String(baud),
            '--before',
            'no_reset',
            '--after',
            'hard_reset',
            'write_flash',
            '0x0',
            file,
          ]),
        ),
      );
      ours.push(
        await onFreshBoard((tty) =>
          timed(process.execPath, [join(packageRoot(), 'bin', 'esp32cam.js'), 'flash', '--port', tty, '--baud', String(baud), '--before', 'no-reset', file]),
        ),
      );
      // The same flash without the CLI's start-up: what the flasher itself costs.
      library.push(
        await onFreshBoard(async (tty) => {
          const started = performance.now();
          await flashFirmware({ path: tty, image, baudRate: baud, before: 'no-reset' });
          return (performance.now() - started) / 1000;
        }),
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { runs, toolSeconds: median(tool), oursSeconds: median(ours), librarySeconds: median(library) };
}

/** The bench's flash section: the write against the wire, the boot after it, and against esptool.py when it is at hand. */
export async function printFlash(): Promise<void> {
  console.log('\nFlashing a 1.5 MB firmware-like image into the simulated board (wire-time pacing, realistic flash timing):');
  for (const baud of [460800, 921600]) {
    const f = await flashThroughput(baud);
    console.log(
      `  ${baud} baud: ${(f.bytes / 1e6).toFixed(2)} MB (${(f.compressed / 1e6).toFixed(2)} MB compressed) written in ${f.seconds.toFixed(1)} s, ` +
        `${Math.round(f.effectiveKbps)} kbit/s effective, ${(f.wireShare * 100).toFixed(0)}% of the wire limit; ` +
        `reset and boot recognised (${f.boot}) ${f.bootSeconds.toFixed(2)} s later; ${f.totalSeconds.toFixed(1)} s in all`,
    );
  }
  const esptool = process.env.BENCH_ESPTOOL;
  if (!esptool) {
    console.log('  against esptool.py write_flash: limit 1.00x its speed; set BENCH_ESPTOOL=/path/to/esptool.py to measure it here');
    return;
  }
  for (const baud of [460800, 921600]) {
    const c = await compareWithEsptool(esptool, baud);
    const speed = c.toolSeconds / c.oursSeconds;
    console.log(
      `  against esptool.py write_flash at ${baud} baud, command to exit on a pty (median of ${c.runs}): esp32cam flash ${c.oursSeconds.toFixed(2)} s, ` +
        `esptool.py ${c.toolSeconds.toFixed(2)} s: ${speed.toFixed(2)}x its speed (limit 1.00x) ${speed >= 1 ? 'ok' : 'UNDER THE LIMIT'}; ` +
        `flashFirmware alone, without the CLI's start-up, ${c.librarySeconds.toFixed(2)} s: ${(c.toolSeconds / c.librarySeconds).toFixed(2)}x`,
    );
  }
}
