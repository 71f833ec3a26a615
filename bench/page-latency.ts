import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../host/src/app/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BUS_HZ = 100_000;

/**
 * Capture-to-page latency, in a real Chromium: from the click on Capture to the new photo drawn on the page,
 * and how much of that is not bus time (the slave's command latency, the camera, storing, thumbnails, the
 * socket.io push and the browser fetching and decoding the image).
 */
export async function pageLatency(photos: number): Promise<string | undefined> {
  if (!existsSync(CHROMIUM)) return `\nCapture-to-page latency: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  const { chromium } = await import('playwright-core');
  const dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-bench-'));
  const server = await startServer({ port: 0, dataDir, camera: 'sim', sim: { busHz: BUS_HZ } }, { healthIntervalMs: 0, log: () => undefined });
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
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]');
    const client = server.services.cameras.first.camera.client;
    await client.ping();
    const rows: { total: number; bus: number; capture: number }[] = [];
    for (let i = 0; i < photos; i++) {
      const before = await page.getAttribute('[data-testid="latest-photo"]', 'data-id').catch(() => null);
      const counters = { ...client.busCounters };
      const started = performance.now();
      await page.click('[data-testid="capture-button"]');
      const id = await page.waitForFunction(
        (old) => {
          const photo = document.querySelector('[data-testid="latest-photo"]');
          const img = document.querySelector<HTMLImageElement>('[data-testid="latest-image"]');
          const id = photo?.getAttribute('data-id');
          return id && id !== old && img?.complete && img.naturalWidth > 0 ? id : null;
        },
        before,
        { polling: 'raf', timeout: 30_000 },
      );
      const total = performance.now() - started;
      const after = client.busCounters;
      const wire = after.read - counters.read + (after.written - counters.written) + (after.transactions - counters.transactions);
      const record = server.services.store.get(String(await id.jsonValue()));
      rows.push({ total, bus: (wire * 9 * 1000) / BUS_HZ, capture: record.captureMs });
    }
    const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
    return [
      `\nCapture-to-page latency in Chromium (click → new photo drawn), mean of ${rows.length}:`,
      `  ${mean((r) => r.total).toFixed(0)} ms in all; bus time ${mean((r) => r.bus).toFixed(0)} ms; beyond bus time ${mean((r) => r.total - r.bus).toFixed(0)} ms`,
      `  of which in the camera client but off the bus (slave latency, camera) ${mean((r) => r.capture - r.bus).toFixed(0)} ms,`,
      `  and after the photo is in (store, thumbnail, push, browser) ${mean((r) => r.total - r.capture).toFixed(0)} ms`,
    ].join('\n');
  } finally {
    await browser.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
