import { logger } from '../log/index.js';

const log = logger('service');

/**
 * glibc's malloc settings the service is meant to run with (npm start, systemd/esp32cam.service, npm run soak).
 * sharp (libvips) and the simulated board allocate and free many buffers from several threads, and glibc keeps
 * what they free in per-thread arenas instead of giving it back: `npm run soak` saw the process grow by about
 * 5 MB per 1,000 captures that `malloc_trim` then returned. Two arenas, and buffers of 32 KB or more (raw frames,
 * decoded thumbnails) mapped on their own so that freeing them returns them, keep it flat. glibc reads them only
 * at start, so they cannot be set from inside the process.
 */
export const MALLOC_TUNABLES = 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=32768';

interface ProcessFacts {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** The glibc the process runs on, undefined on musl or outside Linux. */
  glibc: string | undefined;
}

function currentFacts(): ProcessFacts {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return { platform: process.platform, env: process.env, glibc: header?.glibcVersionRuntime };
}

/** What to tell the user when the service runs on glibc with its allocator untuned; undefined when all is well. */
export function allocatorAdvice(facts: ProcessFacts = currentFacts()): string | undefined {
  if (facts.platform !== 'linux' || !facts.glibc) return undefined;
  if (facts.env.GLIBC_TUNABLES?.includes('glibc.malloc.') || facts.env.MALLOC_ARENA_MAX) return undefined;
  return (
    `glibc ${facts.glibc}'s allocator keeps memory the service frees, so the process grows slowly over months. ` +
    `Start it with GLIBC_TUNABLES=${MALLOC_TUNABLES} in its environment, as npm start and systemd/esp32cam.service do.`
  );
}

/** Logs the advice once at start-up, at info: the service works either way. */
export function adviseOnAllocator(): void {
  const advice = allocatorAdvice();
  if (advice) log.info(advice);
}
