import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../host/src/app/index.js';
import { launchChromium } from './chromium.js';

/**
 * The browser UI in a real Chromium against the real service and its simulated ESP32-CAM: what a user
 * sees and does on the page, checked through what the service and the downloaded files really contain.
 */

interface PhotoRecord {
  id: string;
  takenAt: string;
  size: number;
  width: number;
  height: number;
  sha256: string;
  urls: { jpeg: string; thumb: string };
}

interface ProgressSample {
  text: string;
  busy: boolean;
  value: number | null;
  max: number;
}

type Server = Awaited<ReturnType<typeof startServer>>;

const SHOTS = process.env.UI_SCREENSHOT_DIR ?? tmpdir();

let dataDir: string;
let srv: Server;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const serviceLog: string[] = [];
const quiet = (line: string): void => {
  serviceLog.push(line);
};

const item = (id: string) => `[data-testid="gallery-item"][data-id="${id}"]`;

async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, srv.url), init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function cameraFlash(): Promise<unknown> {
  const { body } = await api<{ camera: { led?: boolean } }>('/api/status');
  return body.camera.led;
}

async function openPage(viewport: { width: number; height: number }, colorScheme: 'light' | 'dark'): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport, colorScheme, acceptDownloads: true });
  const p = await ctx.newPage();
  p.on('pageerror', (err) => pageErrors.push(String(err)));
  await p.goto(srv.url);
  await p.waitForSelector('body[data-ready="true"]');
  return { ctx, page: p };
}

/** Records every change of the progress panel, so fast phases are not missed between two polls. */
async function recordProgress(p: Page): Promise<void> {
  await p.evaluate(() => {
    const log: ProgressSample[] = [];
    (window as unknown as { progressLog: ProgressSample[] }).progressLog = log;
    const panel = document.getElementById('capture-progress')!;
    const text = document.getElementById('progress-text')!;
    const bar = document.getElementById('progress-bar') as HTMLProgressElement;
    const button = document.getElementById('capture-button') as HTMLButtonElement;
    new MutationObserver(() => {
      log.push({
        text: text.textContent ?? '',
        busy: button.disabled && !panel.hidden,
        value: bar.hasAttribute('value') ? bar.value : null,
        max: bar.max,
      });
    }).observe(panel, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

const progressLog = (p: Page) => p.evaluate(() => (window as unknown as { progressLog: ProgressSample[] }).progressLog);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-ui-'));
  srv = await startServer({ port: 0, host: '127.0.0.1', dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: quiet });
  browser = await launchChromium();
  ({ page } = await openPage({ width: 1280, height: 860 }, 'light'));
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('web UI in Chromium', () => {
  it('says the camera is simulated and online, and starts with an empty gallery', async () => {
    await page.waitForFunction(() => document.getElementById('camera-kind')?.textContent === 'Simulated ESP32-CAM');
    // The service pings the board once at start, so the page knows it is there before any capture.
    await page.waitForFunction(() => document.getElementById('camera-online')?.dataset.online === 'true');
    expect(await page.getByTestId('camera-online').textContent()).toBe('Online');
    expect(await page.locator('#status-address').textContent()).toMatch(/^0x[0-9A-F]{2} \(\d+\)$/);
    await page.waitForFunction(() => document.getElementById('connection')?.dataset.state === 'live');
    expect(await page.getByTestId('gallery-item').count()).toBe(0);
    expect(await page.locator('#latest-empty').isVisible()).toBe(true);
  });

  it('captures: the button disables, progress counts the bytes, and the photo appears', async () => {
    await recordProgress(page);
    await page.getByTestId('capture-button').click();
    await page.waitForSelector('[data-testid="gallery-item"]', { timeout: 45_000 });

    const { body: list } = await api<{ items: PhotoRecord[]; total: number }>('/api/photos');
    expect(list.total).toBe(1);
    const photo = list.items[0];
    const log = await progressLog(page);
    const downloading = log.filter((s) => s.busy && /^Downloading \S+ K?B \/ \S+ K?B \(\d+ %\)/.test(s.text));
    expect(downloading.length).toBeGreaterThan(0);
    expect(downloading.some((s) => s.value !== null && s.value > 0 && s.max === photo.size)).toBe(true);
    expect(log.some((s) => s.text === 'Done')).toBe(true);

    await page.waitForFunction(() => !(document.getElementById('capture-button') as HTMLButtonElement).disabled);
    await page.waitForSelector(`[data-testid="latest-photo"][data-id="${photo.id}"]`);
    await page.waitForFunction(() => document.getElementById('camera-online')?.dataset.online === 'true');
    expect(await page.getByTestId('camera-online').textContent()).toBe('Online');
    const natural = await page.locator('#latest-image').evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    });
    expect(natural).toEqual([320, 240]);
    expect(await page.locator('#latest-size').textContent()).toMatch(/^[\d.]+ K?B$/);
    expect(await page.locator('#latest-duration').textContent()).toMatch(/^captured in [\d.]+ m?s$/);
    expect(await page.locator(item(photo.id)).locator('time').getAttribute('datetime')).toBe(photo.takenAt);
    const thumbLoaded = await page
      .locator(item(photo.id))
      .locator('img')
      .evaluate(async (img: HTMLImageElement) => {
        await img.decode();
        return img.naturalWidth > 0;
      });
    expect(thumbLoaded).toBe(true);
  });

  it('downloads the JPEG from the gallery link, byte for byte what was captured', async () => {
    const { body: list } = await api<{ items: PhotoRecord[] }>('/api/photos');
    const photo = list.items[0];
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(item(photo.id)).getByTestId('download-link').click()]);
    expect(download.suggestedFilename()).toMatch(/\.jpe?g$/i);
    const bytes = await readFile(await download.path());
    expect(bytes.length).toBe(photo.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(photo.sha256);
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([320, 240]);
  });

  it('switches the flash LED on and off through the toggle', async () => {
    const toggle = page.getByTestId('flash-toggle');
    expect(await toggle.isChecked()).toBe(false);
    await toggle.click();
    await expect.poll(cameraFlash, { timeout: 10_000 }).toBe(true);
    expect(srv.sim?.info().flashLed).toBe(true);
    await page.waitForFunction(() => !(document.getElementById('flash-toggle') as HTMLInputElement).disabled);
    expect(await toggle.isChecked()).toBe(true);
    await page.getByRole('switch', { name: 'Flash LED' }).click();
    await expect.poll(cameraFlash, { timeout: 10_000 }).toBe(false);
    expect(srv.sim?.info().flashLed).toBe(false);
    await page.waitForFunction(() => !(document.getElementById('flash-toggle') as HTMLInputElement).checked);
  });

  it('shows a photo captured elsewhere (another tab, the CLI) live, without a reload', async () => {
    const before = await page.getByTestId('gallery-item').count();
    const res = await api<PhotoRecord>('/api/capture', { method: 'POST' });
    expect(res.status).toBe(201);
    await page.waitForSelector(item(res.body.id), { timeout: 10_000 });
    expect(await page.getByTestId('gallery-item').count()).toBe(before + 1);
    expect(await page.getByTestId('gallery-item').first().getAttribute('data-id')).toBe(res.body.id);
    await page.waitForSelector(`[data-testid="latest-photo"][data-id="${res.body.id}"]`);
    await page.waitForFunction(() => !(document.getElementById('capture-button') as HTMLButtonElement).disabled);
  });

  it('keeps one socket.io connection for the live view and every panel, and draws a new photo from the bytes it brings', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const p = await ctx.newPage();
      p.on('pageerror', (err) => pageErrors.push(String(err)));
      // A connection starts with a handshake: a polling request or a WebSocket without a session id.
      const handshakes: string[] = [];
      const photoRequests: string[] = [];
      const isHandshake = (url: string) => new URL(url).pathname === '/socket.io/' && !new URL(url).searchParams.has('sid');
      p.on('request', (req) => {
        if (isHandshake(req.url())) handshakes.push(req.url());
        if (/\/api\/photos\/[^/]+\/jpeg/.test(new URL(req.url()).pathname)) photoRequests.push(req.url());
      });
      p.on('websocket', (ws) => {
        if (isHandshake(ws.url())) handshakes.push(ws.url());
      });
      await p.goto(srv.url);
      await p.waitForSelector('body[data-ready="true"]');
      await p.waitForFunction(() => document.getElementById('connection')?.dataset.state === 'live');
      const res = await api<PhotoRecord>('/api/capture', { method: 'POST' });
      expect(res.status).toBe(201);
      await p.waitForSelector(`[data-testid="latest-photo"][data-id="${res.body.id}"]`, { timeout: 10_000 });
      const drawn = await p.locator('#latest-image').evaluate(async (img: HTMLImageElement) => {
        await img.decode();
        return { src: img.src.slice(0, 23), width: img.naturalWidth };
      });
      expect(drawn).toEqual({ src: 'data:image/jpeg;base64,', width: 320 });
      expect(photoRequests.filter((url) => url.includes(res.body.id))).toEqual([]);
      expect(handshakes, handshakes.join('\n')).toHaveLength(1);
      expect(new URL(handshakes[0]).searchParams.get('photos')).toBe('bytes');
    } finally {
      await ctx.close();
    }
  });

  it('shows a failed capture as a readable message with its hint, and captures again afterwards', async () => {
    // The client retries a failed capture twice, so three failures exhaust it.
    srv.sim!.inject({ cameraFailures: 3 });
    const before = await page.getByTestId('gallery-item').count();
    await page.getByTestId('capture-button').click();
    await page.waitForSelector('[data-testid="capture-error"]:not([hidden])', { timeout: 45_000 });
    const { body: status } = await api<{ camera: { lastError: { code: string; message: string; hint: string } } }>('/api/status');
    expect(status.camera.lastError.code).toBe('E_CAMERA_FAILED');
    expect(await page.locator('#error-code').textContent()).toBe('E_CAMERA_FAILED');
    expect(await page.locator('#error-message').textContent()).toBe(status.camera.lastError.message);
    expect((await page.locator('#error-hint').textContent())?.toLowerCase()).toBe(status.camera.lastError.hint.toLowerCase());
    await page.waitForFunction(() => document.getElementById('status-error')?.textContent?.includes('E_CAMERA_FAILED'));
    expect(await page.getByTestId('capture-button').isEnabled()).toBe(true);
    expect(await page.getByTestId('gallery-item').count()).toBe(before);

    await page.getByTestId('capture-button').click();
    await page.waitForSelector('[data-testid="capture-error"]', { state: 'hidden' });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="gallery-item"]').length === n + 1, before, { timeout: 45_000 });
  });

  it('deletes a photo only after confirmation', async () => {
    const { body: list } = await api<{ items: PhotoRecord[] }>('/api/photos');
    const victim = list.items[list.items.length - 1];

    await page.locator(item(victim.id)).getByTestId('delete-button').click();
    await page.getByTestId('cancel-delete').click();
    expect(await page.locator('#confirm-delete').isVisible()).toBe(false);
    expect((await api(`/api/photos/${victim.id}`)).status).toBe(200);
    expect(await page.locator(item(victim.id)).count()).toBe(1);

    await page.locator(item(victim.id)).getByTestId('delete-button').click();
    await page.getByTestId('confirm-delete').click();
    await page.waitForSelector(item(victim.id), { state: 'detached' });
    expect((await api(`/api/photos/${victim.id}`)).status).toBe(404);
  });

  it('pages the gallery with "load more", newest first', async () => {
    // Fill the store past one page through the service's own store, as photos kept from earlier runs would.
    const { body: first } = await api<{ items: PhotoRecord[] }>('/api/photos');
    const jpeg = await srv.services.store.readJpeg(first.items[0].id);
    for (let i = 0; i < 21; i++) await srv.services.store.save(jpeg, { camera: 'cam', spec: 'sim', captureMs: 1000 });
    const { body: all } = await api<{ items: PhotoRecord[]; total: number }>('/api/photos?limit=100');

    const fresh = await openPage({ width: 1280, height: 860 }, 'light');
    try {
      const tiles = fresh.page.getByTestId('gallery-item');
      await fresh.page.waitForSelector('[data-testid="gallery-item"]');
      expect(await tiles.count()).toBe(20);
      expect(await fresh.page.getByTestId('gallery-count').textContent()).toBe(`${all.total} photos`);
      await fresh.page.getByTestId('load-more').click();
      await fresh.page.waitForFunction((n) => document.querySelectorAll('[data-testid="gallery-item"]').length === n, all.total);
      expect(await fresh.page.getByTestId('load-more').isHidden()).toBe(true);
      const shown = await tiles.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.id));
      expect(shown).toEqual(all.items.map((p) => p.id));
      expect(await fresh.page.getByTestId('latest-photo').getAttribute('data-id')).toBe(all.items[0].id);
    } finally {
      await fresh.ctx.close();
    }
  });

  it('fits a 360 px phone screen without horizontal scrolling, with finger-sized controls', async () => {
    const phone = await openPage({ width: 360, height: 740 }, 'light');
    try {
      await phone.page.waitForSelector('[data-testid="gallery-item"]');
      const widths = await phone.page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
        widest: Math.max(...Array.from(document.querySelectorAll('body *'), (el) => el.getBoundingClientRect().right)),
      }));
      expect(widths.scroll).toBeLessThanOrEqual(widths.client);
      expect(widths.widest).toBeLessThanOrEqual(360);
      for (const id of ['capture-button', 'delete-button', 'download-link']) {
        const box = await phone.page.getByTestId(id).first().boundingBox();
        expect(box, id).not.toBeNull();
        expect(box!.height, id).toBeGreaterThanOrEqual(44);
      }
      const captureBox = await phone.page.getByTestId('capture-button').boundingBox();
      expect(captureBox!.width).toBeGreaterThan(250);
      await phone.page.screenshot({ path: join(SHOTS, 'ui-phone.png'), fullPage: true });
    } finally {
      await phone.ctx.close();
    }
    const desktop = await openPage({ width: 1280, height: 860 }, 'dark');
    try {
      await desktop.page.screenshot({ path: join(SHOTS, 'ui-desktop-dark.png'), fullPage: true });
    } finally {
      await desktop.ctx.close();
    }
  });

  it('reports the service going away in words, and catches up when it is back', async () => {
    const port = Number(new URL(srv.url).port);
    await srv.close();
    await page.waitForFunction(() => document.getElementById('connection')?.dataset.state !== 'live', undefined, { timeout: 10_000 });

    await page.getByTestId('capture-button').click();
    await page.waitForSelector('[data-testid="capture-error"]:not([hidden])');
    expect(await page.locator('#error-message').textContent()).toBe('Cannot reach the esp32cam service');
    expect(await page.locator('#error-hint').textContent()).toMatch(/esp32cam serve/);

    // The same data folder behind a new service on the same address: the page reconnects by itself
    // and shows the photo taken while it was away.
    srv = await startServer({ port, host: '127.0.0.1', dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: quiet });
    const res = await api<PhotoRecord>('/api/capture', { method: 'POST' });
    expect(res.status).toBe(201);
    await page.waitForFunction(() => document.getElementById('connection')?.dataset.state === 'live', undefined, { timeout: 20_000 });
    await page.waitForSelector(item(res.body.id), { timeout: 10_000 });
    // More photos arrived while away (the store was filled behind the page's back) than one page holds:
    // the gallery must show an unbroken run of the newest photos and offer the rest, not leave a hole.
    const { body: all } = await api<{ items: PhotoRecord[]; total: number }>('/api/photos?limit=100');
    const shown = await page.getByTestId('gallery-item').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.id));
    expect(shown).toEqual(all.items.slice(0, shown.length).map((p) => p.id));
    expect(shown.length).toBeLessThan(all.total);
    expect(await page.getByTestId('load-more').isVisible()).toBe(true);
    await page.getByTestId('load-more').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="gallery-item"]').length === n, all.total);
  });

  it('raised no script errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
