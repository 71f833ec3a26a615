import { readdirSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One reading of the process: what it holds after a full garbage collection. */
export interface MemorySample {
  /** Captures done when the sample was taken. */
  at: number;
  /** Resident set of the whole process, worker threads (the simulated board's MicroPython) included. */
  rss: number;
  /** Live JS objects of the main thread after a forced GC. */
  heapUsed: number;
  /** Memory of ArrayBuffers and native objects the JS heap points at (Buffers, sharp's inputs). */
  external: number;
  /** Open file descriptors (/proc/self/fd). */
  fds: number;
  /**
   * Of `rss`, what is resident in the simulated boards' MicroPython WASM memories (0 when none is found). That
   * memory is the simulated board's, which a real deployment does not have: see SimInfo.vmMemoryBytes.
   */
  simVm: number;
  /** `rss` less `simVm`: the host's own memory. */
  hostRss: number;
}

let gcFn: (() => void) | undefined;

/**
 * A full GC. `node --expose-gc` gives `gc`; without the flag (a vitest worker) it is switched on at run time, which
 * V8 allows for contexts made afterwards.
 */
export function forceGc(): void {
  if (!gcFn) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gcFn = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  }
  // Twice: the first pass runs finalizers whose objects the second frees.
  gcFn();
  gcFn();
}

export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * Resident bytes of the mappings that are the WASM memories of the given sizes. V8 maps a WASM memory as one
 * read-write anonymous region exactly the memory's size (its guard pages are a separate, inaccessible one), so
 * the size the board reports picks its region out of /proc/self/smaps.
 */
export function residentOfRegions(sizes: number[]): number {
  if (sizes.length === 0) return 0;
  const wanted = new Map<number, number>();
  for (const size of sizes) if (size > 0) wanted.set(size, (wanted.get(size) ?? 0) + 1);
  let resident = 0;
  let current: number | undefined;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) rw-p 00000000 00:00 0\s*$/.exec(line);
    if (head) {
      const size = parseInt(head[2], 16) - parseInt(head[1], 16);
      const left = wanted.get(size) ?? 0;
      current = left > 0 ? size : undefined;
      if (left > 0) wanted.set(size, left - 1);
      continue;
    }
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) current = undefined;
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current !== undefined) resident += Number(rss[1]) * 1024;
  }
  return resident;
}

/** `vmSizes`: the WASM memory sizes of the simulated boards in this process (SimInfo.vmMemoryBytes). */
export function sampleMemory(at: number, vmSizes: number[] = []): MemorySample {
  forceGc();
  const m = process.memoryUsage();
  const simVm = residentOfRegions(vmSizes);
  return { at, rss: m.rss, heapUsed: m.heapUsed, external: m.external, fds: openFds(), simVm, hostRss: m.rss - simVm };
}

/**
 * Least-squares slope of `value` over the samples, in units per capture. A slope, not last minus first: one
 * sample caught high (a collection that ran late, a busy machine) moves it little.
 */
export function slope(samples: MemorySample[], value: (s: MemorySample) => number): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((a, s) => a + s.at, 0) / n;
  const my = samples.reduce((a, s) => a + value(s), 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.at - mx) * (value(s) - my);
    den += (s.at - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
