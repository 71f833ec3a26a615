import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../host/src/paths.js';

/** The bound on `esp32cam --version` and `--help`, process start to exit. */
export const CLI_START_LIMIT_MS = 200;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Wall time of the built CLI, as a user runs it (`node bin/esp32cam.js ARGS`), median of `runs`. */
function timeCli(args: string[], runs: number): number {
  const bin = join(packageRoot(), 'bin', 'esp32cam.js');
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    const ms = performance.now() - started;
    if (run.status !== 0) throw new Error(`esp32cam ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
    times.push(ms);
  }
  return median(times);
}

/** The bench's section: `--version`, `--help`, and bare Node for scale, each against the limit. */
export function cliStart(runs: number): string {
  const node = median(
    Array.from({ length: runs }, () => {
      const started = performance.now();
      spawnSync(process.execPath, ['-e', '0']);
      return performance.now() - started;
    }),
  );
  const line = (label: string, ms: number) =>
    `  ${label}: ${ms.toFixed(0)} ms, limit ${CLI_START_LIMIT_MS} ms, ${(ms / CLI_START_LIMIT_MS).toFixed(2)}x the limit ${ms < CLI_START_LIMIT_MS ? '(within)' : '(OVER)'}`;
  return [
    `\nCLI start, process start to exit (median of ${runs}; bare Node takes ${node.toFixed(0)} ms here):`,
    line('esp32cam --version', timeCli(['--version'], runs)),
    line('esp32cam --help', timeCli(['--help'], runs)),
  ].join('\n');
}
