import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { startServer } from '../../host/src/app/index.js';
import { sampleMemory, slope, type MemorySample } from './memory.js';

type MemoryKey = keyof Omit<MemorySample, 'at'>;
const MEMORY_KEYS: MemoryKey[] = ['rss', 'hostRss', 'simVm', 'heapUsed', 'external', 'fds'];

export interface ServiceSoakOptions {
  captures: number;
  /** Captures before the first sample that counts: JIT, sharp's and MicroPython's first allocations. */
  warmup: number;
  sampleEvery: number;
  /** The simulated bus clock: fast, so the soak measures the host rather than the wire. */
  busHz: number;
  frameSize: string;
  /** retention.maxPhotos: low, so that eviction runs on nearly every capture. */
  maxPhotos: number;
  onSample?: (s: MemorySample) => void;
}

export interface ServiceSoakResult {
  captures: number;
  failed: number;
  /** Every sample, the warm-up's included; `counted` are those after warm-up. */
  samples: MemorySample[];
  counted: MemorySample[];
  /** From the first counted sample to the last, each taken as the mean of up to three neighbours. */
  growth: Record<MemoryKey, number>;
  /** Least-squares slopes over the counted samples, per 1000 captures. */
  perThousand: Record<MemoryKey, number>;
  /** Photos (JPEG, thumbnail, metadata) on disk at the end, against the retention limit. */
  filesOnDisk: { photos: number; thumbs: number };
  storeCount: number;
  photoEvents: number;
  /** Node's process warnings during the soak (MaxListenersExceededWarning and the like). */
  warnings: string[];
  /** Listeners on the long-lived emitters, after warm-up and at the end: a leak adds some per capture. */
  listeners: { afterWarmup: number; end: number };
  seconds: number;
}

/**
 * Captures through the running service as the page does: POST /api/capture, the thumbnail fetched, one
 * socket.io client watching. Memory is sampled after a forced GC every `sampleEvery` captures.
 */
export async function serviceSoak(opts: ServiceSoakOptions): Promise<ServiceSoakResult> {
  const started = performance.now();
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  const dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-soak-'));
  const server = await startServer(
    { port: 0, dataDir, camera: 'sim', sim: { busHz: opts.busHz, frameSize: opts.frameSize }, retention: { maxPhotos: opts.maxPhotos } },
    { log: () => undefined },
  );
  const socket = connect(server.url, { transports: ['websocket'] });
  let photoEvents = 0;
  socket.on('photo:new', () => photoEvents++);
  const listeners = (): number => {
    const sim = server.sim;
    const emitters = [server.services.store, server.services.cameras, sim, server.services.cameras.first.camera.client];
    let n = 0;
    for (const e of emitters) {
      if (!e) continue;
      for (const name of e.eventNames()) n += e.listenerCount(name);
    }
    return n;
  };
  const samples: MemorySample[] = [];
  let failed = 0;
  let afterWarmup = 0;
  try {
    for (let i = 1; i <= opts.captures; i++) {
      const res = await fetch(`${server.url}/api/capture`, { method: 'POST' });
      if (res.status !== 201) {
        failed++;
        await res.arrayBuffer();
      } else {
        const record = (await res.json()) as { urls: { thumb: string } };
        const thumb = await fetch(`${server.url}${record.urls.thumb}`);
        await thumb.arrayBuffer();
        if (thumb.status !== 200) failed++;
      }
      if (i === opts.warmup) afterWarmup = listeners();
      if (i % opts.sampleEvery === 0 || i === opts.captures) {
        const s = sampleMemory(i, server.sim ? [server.sim.info().vmMemoryBytes] : []);
        samples.push(s);
        opts.onSample?.(s);
      }
    }
    const counted = samples.filter((s) => s.at >= opts.warmup);
    const ends = (key: MemoryKey): number => {
      const k = Math.min(3, Math.max(1, Math.floor(counted.length / 3)));
      const mean = (xs: MemorySample[]) => xs.reduce((a, s) => a + s[key], 0) / xs.length;
      return mean(counted.slice(-k)) - mean(counted.slice(0, k));
    };
    const per = (key: MemoryKey): number => slope(counted, (s) => s[key]) * 1000;
    return {
      captures: opts.captures,
      failed,
      samples,
      counted,
      growth: Object.fromEntries(MEMORY_KEYS.map((k) => [k, ends(k)])) as Record<MemoryKey, number>,
      perThousand: Object.fromEntries(MEMORY_KEYS.map((k) => [k, per(k)])) as Record<MemoryKey, number>,
      filesOnDisk: {
        photos: (await readdir(join(dataDir, 'photos'))).filter((f) => f.endsWith('.jpg')).length,
        thumbs: (await readdir(join(dataDir, 'thumbs'))).filter((f) => f.endsWith('.jpg')).length,
      },
      storeCount: server.services.store.stats().photos,
      photoEvents,
      warnings,
      listeners: { afterWarmup, end: listeners() },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    process.off('warning', onWarning);
    socket.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
