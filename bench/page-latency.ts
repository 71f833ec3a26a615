import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer } from '../host/src/app/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BUS_HZ = 100_000;
/** The issue's bound on the host's share: from the last byte on the bus to the photo drawn on the page. */
export const HOST_LATENCY_LIMIT_MS = 40;

/** Milliseconds since the epoch at sub-millisecond resolution: the page and Node share the system clock. */
const epochNow = (): number => performance.timeOrigin + performance.now();

export interface PageLatencyRow {
  /** Click to the new photo drawn. */
  totalMs: number;
  /** The bytes the capture put on the wire, at 9 clocks a byte. */
  busMs: number;
  /** The last byte on the bus to the photo drawn on the page: the host's share. */
  hostMs: number;
  /** The last byte on the bus to the photo announced (stored durably, `photo:new`). */
  storedMs: number;
  /** The last byte on the bus to the page's socket getting `photo:new` (the WebSocket message event). */
  receivedMs: number | undefined;
  /** The last byte on the bus to the viewer's image pointed at the photo's bytes. */
  sourcedMs: number | undefined;
  /** The last byte on the bus to the viewer's image loaded (decoded enough to draw). */
  loadedMs: number | undefined;
  /** The last byte on the bus to its thumbnail on disk; undefined when it was not made within the row. */
  thumbMs: number | undefined;
}

/** What the page notes of the latest photo's way in, in epoch milliseconds; the bench reads and clears it. */
interface PageMarks {
  received?: number;
  sourced?: number;
  loaded?: number;
}

/**
 * Runs in the page before its own scripts: notes when a WebSocket message announcing a photo arrives, when the
 * viewer's image gets a new source and when it has loaded. It only listens; the page's code is the same.
 */
function notePhotoMarks(): void {
  const w = window as unknown as { __photoMarks: PageMarks; WebSocket: typeof WebSocket };
  const now = () => performance.timeOrigin + performance.now();
  w.__photoMarks = {};
  const Native = w.WebSocket;
  w.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      // Added before socket.io sets its own handler, so this runs first for each message.
      this.addEventListener('message', (e) => {
        if (typeof e.data === 'string' && e.data.startsWith('42["photo:new"') && w.__photoMarks.received === undefined) w.__photoMarks.received = now();
      });
    }
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, 'src')!;
  Object.defineProperty(HTMLImageElement.prototype, 'src', {
    ...src,
    set(this: HTMLImageElement, value: string) {
      if (this.dataset.testid === 'latest-image') w.__photoMarks.sourced = now();
      src.set!.call(this, value);
    },
  });
  document.addEventListener(
    'load',
    (e) => {
      if ((e.target as HTMLElement | null)?.dataset?.testid === 'latest-image') w.__photoMarks.loaded = now();
    },
    true,
  );
}

export interface PageLatency {
  rows: PageLatencyRow[];
  median(pick: (r: PageLatencyRow) => number | undefined): number;
}

const medianOf = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Capture-to-page latency in a real Chromium. The host's share starts at the end of the capture's last I2C
 * transaction (the service's bus hook sees it) and ends when the page, polling at every animation frame, finds
 * the new photo's image decoded in the viewer. Both clocks are the system's, read at sub-millisecond resolution.
 */
export async function measurePageLatency(photos: number): Promise<PageLatency | string> {
  if (!existsSync(CHROMIUM)) return `skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  const { chromium } = await import('playwright-core');
  const dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-bench-'));
  let lastWireEnd = 0;
  const server = await startServer(
    { port: 0, dataDir, camera: 'sim', sim: { busHz: BUS_HZ } },
    {
      healthIntervalMs: 0,
      log: () => undefined,
      onTransaction: (t) => {
        lastWireEnd = performance.timeOrigin + t.startedAt + t.ms;
      },
    },
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  try {
    const page = await browser.newPage();
    await page.addInitScript(notePhotoMarks);
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]');
    const camera = server.services.cameras.first;
    const store = server.services.store;
    const client = camera.camera.client;
    await client.ping();
    // A first photo warms up every path (sharp, the socket, the browser's image decoder); it is not counted.
    const rows: PageLatencyRow[] = [];
    for (let i = 0; i <= photos; i++) {
      const before = await page.getAttribute('[data-testid="latest-photo"]', 'data-id').catch(() => null);
      const counters = { ...client.busCounters };
      let lastByte = 0;
      let stored = 0;
      const onDone = () => {
        lastByte = lastWireEnd;
      };
      const onSaved = () => {
        stored = epochNow();
      };
      await page.evaluate(() => {
        (window as unknown as { __photoMarks: PageMarks }).__photoMarks = {};
      });
      camera.once('capture:done', onDone);
      store.once('saved', onSaved);
      const started = epochNow();
      await page.click('[data-testid="capture-button"]');
      const handle = await page.waitForFunction(
        (old) => {
          const photo = document.querySelector('[data-testid="latest-photo"]');
          const img = document.querySelector<HTMLImageElement>('[data-testid="latest-image"]');
          const id = photo?.getAttribute('data-id');
          if (!id || id === old || !img?.complete || img.naturalWidth === 0) return null;
          return { id, at: performance.timeOrigin + performance.now() };
        },
        before,
        { polling: 'raf', timeout: 30_000 },
      );
      const { id, at: drawn } = (await handle.jsonValue()) as { id: string; at: number };
      const after = client.busCounters;
      const wire = after.read - counters.read + (after.written - counters.written) + (after.transactions - counters.transactions);
      const marks = await page.evaluate(() => (window as unknown as { __photoMarks: PageMarks }).__photoMarks);
      const since = (at: number | undefined) => (at === undefined ? undefined : at - lastByte);
      const thumbAt = await thumbReady(store, id, 2_000);
      if (i === 0) continue;
      rows.push({
        totalMs: drawn - started,
        busMs: (wire * 9 * 1000) / BUS_HZ,
        hostMs: drawn - lastByte,
        storedMs: stored - lastByte,
        receivedMs: since(marks.received),
        sourcedMs: since(marks.sourced),
        loadedMs: since(marks.loaded),
        thumbMs: thumbAt === undefined ? undefined : thumbAt - lastByte,
      });
    }
    return {
      rows,
      median: (pick) => medianOf(rows.map(pick).filter((v): v is number => v !== undefined)),
    };
  } finally {
    await browser.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** When the photo's thumbnail could be read, polled at 1 ms; undefined if not within `deadlineMs`. */
async function thumbReady(store: { readThumb(id: string): Promise<Buffer> }, id: string, deadlineMs: number): Promise<number | undefined> {
  const until = epochNow() + deadlineMs;
  while (epochNow() < until) {
    const found = await store.readThumb(id).then(
      () => true,
      () => false,
    );
    if (found) return epochNow();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return undefined;
}

/** The bench's section: medians, the host's share against its limit, and where its milliseconds go. */
export async function pageLatency(photos: number): Promise<string> {
  const result = await measurePageLatency(photos);
  if (typeof result === 'string') return `\nHost latency: ${result}`;
  const m = result.median;
  const host = m((r) => r.hostMs);
  const worst = Math.max(...result.rows.map((r) => r.hostMs));
  const thumbs = result.rows.filter((r) => r.thumbMs !== undefined).length;
  const at = (pick: (r: PageLatencyRow) => number | undefined) => `${m(pick).toFixed(1)} ms`;
  return [
    `\nHost latency in Chromium, last byte on the bus → new photo drawn on the page (median of ${result.rows.length} QVGA captures at ${BUS_HZ / 1000} kHz):`,
    `  ${host.toFixed(1)} ms, limit ${HOST_LATENCY_LIMIT_MS} ms, ${(host / HOST_LATENCY_LIMIT_MS).toFixed(2)}x the limit ${host < HOST_LATENCY_LIMIT_MS ? '(within)' : '(OVER)'}; the slowest ${worst.toFixed(1)} ms`,
    `  after the last byte (medians): stored durably and announced ${at((r) => r.storedMs)}, at the page's socket ${at((r) => r.receivedMs)},` +
      ` in the viewer's image ${at((r) => r.sourcedMs)}, loaded ${at((r) => r.loadedMs)}, drawn ${host.toFixed(1)} ms`,
    `  the thumbnail on disk ${thumbs ? `${at((r) => r.thumbMs)} after the last byte` : 'not seen'}`,
    `  click → drawn ${m((r) => r.totalMs).toFixed(0)} ms in all, bus time ${m((r) => r.busMs).toFixed(0)} ms`,
  ].join('\n');
}
