/**
 * The firmware panel in a real Chromium against the real service: the user opens the panel, chooses the
 * simulated board's port, picks a .bin through the file input and presses Flash; the page shows progress,
 * then the board's boot log, and the service's simulated flash holds the file. A file that is no firmware
 * is refused with its hint, and the panel fits a phone.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { mergedImage } from '../flasher/image-builders.js';
import { launchChromium } from './chromium.js';

const IMAGE = mergedImage(0, 0x20000);
const SHOTS = process.env.UI_SCREENSHOT_DIR ?? tmpdir();

let dataDir: string;
let srv: RunningServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

interface Sample {
  phase: string | undefined;
  text: string;
  value: number | null;
  max: number;
}

async function openPanel(p: Page): Promise<void> {
  await p.goto(srv.url);
  await p.waitForSelector('body[data-ready="true"]');
  await p.getByTestId('fw-toggle').click();
  await p.waitForSelector('[data-testid="fw-port"] option[data-simulated="true"]', { state: 'attached' });
}

/** Every change of the panel's progress, so a short write is not missed between two polls. */
async function recordProgress(p: Page): Promise<void> {
  await p.evaluate(() => {
    const log: Sample[] = [];
    (window as unknown as { fwProgress: Sample[] }).fwProgress = log;
    const panel = document.querySelector('[data-testid="fw-progress"]') as HTMLElement;
    const bar = document.querySelector('[data-testid="fw-bar"]') as HTMLProgressElement;
    const text = document.querySelector('[data-testid="fw-progress-text"]') as HTMLElement;
    new MutationObserver(() => {
      log.push({ phase: panel.dataset.phase, text: text.textContent ?? '', value: bar.hasAttribute('value') ? bar.value : null, max: bar.max });
    }).observe(panel, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-ui-fw-'));
  srv = await startServer({ port: 0, host: '127.0.0.1', dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await ctx.newPage();
  page.on('pageerror', (err) => pageErrors.push(String(err)));
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('firmware panel in Chromium', () => {
  it('is collapsed at first, and lists the simulated board labelled as such', async () => {
    await page.goto(srv.url);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.getByTestId('fw-flash').isVisible()).toBe(false);
    await openPanel(page);
    const option = page.locator('[data-testid="fw-port"] option').first();
    expect(await option.getAttribute('value')).toBe('sim:cam');
    expect(await option.textContent()).toMatch(/Simulated ESP32-CAM/);
    expect(await page.getByTestId('fw-port-note').textContent()).toMatch(/CP210x.*DTR/);
  });

  it('flashes a .bin chosen through the file input, with progress and the boot log', async () => {
    await page.getByTestId('fw-port').selectOption('sim:cam');
    await page.getByTestId('fw-file').setInputFiles({ name: 'firmware_camera.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(IMAGE) });
    expect(await page.getByTestId('fw-file-note').textContent()).toMatch(/firmware_camera\.bin/);
    await page.getByTestId('fw-baud').selectOption('921600');
    await recordProgress(page);
    await page.getByTestId('fw-flash').click();
    await page.waitForSelector('[data-testid="firmware-panel"][data-state="running"]');
    expect(await page.getByTestId('fw-flash').isDisabled()).toBe(true);
    await page.waitForSelector('[data-testid="firmware-panel"][data-state="done"]', { timeout: 45_000 });

    const samples = await page.evaluate(() => (window as unknown as { fwProgress: Sample[] }).fwProgress);
    const writes = samples.filter((s) => s.phase === 'write' && /^Writing \S+ K?B \/ \S+ K?B \(\d+ %\) · \d+ kbit\/s$/.test(s.text));
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.some((s) => s.value !== null && s.value > 0 && s.max === IMAGE.length)).toBe(true);

    expect(await page.getByTestId('fw-boot-log').textContent()).toMatch(/MicroPython/);
    expect(await page.getByTestId('fw-result-text').textContent()).toMatch(/at 0x0 to the ESP32.*MD5 verified/);
    expect(await page.getByTestId('fw-log').textContent()).toMatch(/Connected to ESP32/);
    expect(await page.getByTestId('fw-error').isVisible()).toBe(false);
    expect(await page.getByTestId('fw-flash').isDisabled()).toBe(false);

    const flash = await readFile(join(dataDir, 'sim-flash.bin'));
    expect(flash.subarray(0, IMAGE.length).equals(Buffer.from(IMAGE))).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'ui-firmware-desktop.png'), fullPage: true });
  });

  it('refuses a file that is not firmware with its message and hint, and starts no job', async () => {
    await page
      .getByTestId('fw-file')
      .setInputFiles({ name: 'notes.bin', mimeType: 'application/octet-stream', buffer: Buffer.from('<html>not firmware</html>'.repeat(50)) });
    await page.getByTestId('fw-flash').click();
    await page.waitForSelector('[data-testid="fw-error"]:not([hidden])');
    expect(await page.getByTestId('fw-error-code').textContent()).toBe('E_BAD_IMAGE');
    expect(await page.getByTestId('fw-error-hint').textContent()).not.toBe('');
    expect(await page.getByTestId('fw-result').isVisible()).toBe(false);
    const jobs = (await (await fetch(new URL('/api/jobs', srv.url))).json()) as { jobs: unknown[] };
    expect(jobs.jobs).toHaveLength(1);
  });

  it('fits a 360 px phone with the panel open, with finger-sized controls', async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: 'dark' });
    try {
      const phone = await ctx.newPage();
      phone.on('pageerror', (err) => pageErrors.push(String(err)));
      await openPanel(phone);
      const widths = await phone.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
        widest: Math.max(...Array.from(document.querySelectorAll('#firmware-panel *'), (el) => el.getBoundingClientRect().right)),
      }));
      expect(widths.scroll).toBeLessThanOrEqual(widths.client);
      expect(widths.widest).toBeLessThanOrEqual(360);
      for (const id of ['fw-port', 'fw-refresh', 'fw-flash', 'fw-before', 'fw-offset']) {
        const box = await phone.getByTestId(id).boundingBox();
        expect(box!.height, id).toBeGreaterThanOrEqual(44);
      }
      // A job started elsewhere (here: another page's upload through the API) shows up in this page too.
      const res = await fetch(new URL('/api/firmware?port=sim:cam&baud=921600', srv.url), {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from(IMAGE),
      });
      expect(res.status).toBe(202);
      await phone.waitForSelector('[data-testid="firmware-panel"][data-state="done"]', { timeout: 45_000 });
      expect(await phone.getByTestId('fw-boot-log').textContent()).toMatch(/MicroPython/);
      await phone.screenshot({ path: join(SHOTS, 'ui-firmware-phone.png'), fullPage: true });
    } finally {
      await ctx.close();
    }
  });

  it('raised no script errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
