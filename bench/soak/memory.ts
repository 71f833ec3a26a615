import { readdirSync } from 'node:fs';
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

export function sampleMemory(at: number): MemorySample {
  forceGc();
  const m = process.memoryUsage();
  return { at, rss: m.rss, heapUsed: m.heapUsed, external: m.external, fds: openFds() };
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
