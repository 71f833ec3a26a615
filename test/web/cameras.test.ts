/**
 * The page with several cameras, in a real Chromium against the real service: three simulated cameras, two
 * of them on one bus. The page opens on the grid; a tap opens one camera's view, whose capture lands in
 * that camera's gallery only. Checked on a desk-sized window and on a 360 px phone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { launchChromium } from './chromium.js';

const SHOTS = process.env.UI_SCREENSHOT_DIR ?? tmpdir();
const CAMERAS = [
  { name: 'front', camera: 'sim' },
  { name: 'back', camera: 'sim@0x2d' },
  { name: 'garden', camera: 'sim:2@0x2c' },
];

describe('the page with three cameras', () => {
  let server: RunningServer;
  let dataDir: string;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-web-cams-'));
    server = await startServer({ port: 0, dataDir, cameras: CAMERAS }, { healthIntervalMs: 0, log: () => undefined });
    // One photo already kept for front, so its tile has something to show.
    await server.services.cameras.get('front').capture();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function open(width: number, height: number): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height } });
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]');
    return page;
  }

  const galleryIds = (page: Page): Promise<string[]> =>
    page.$$eval('[data-testid="gallery-item"]', (items) => items.map((i) => (i as HTMLElement).dataset.id ?? ''));

  it('opens on a grid of every camera with its state and latest photo; a tap opens that camera, whose capture lands only in its gallery', async () => {
    const page = await open(1280, 860);
    try {
      expect(await page.getAttribute('body', 'data-view')).toBe('grid');
      const tiles = page.locator('[data-testid^="camera-tile-"]');
      await expect.poll(() => tiles.count()).toBe(3);
      expect(await tiles.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.camera))).toEqual(['front', 'back', 'garden']);
      const front = page.getByTestId('camera-tile-front');
      await expect.poll(() => front.getAttribute('data-latest')).toMatch(/^\d{8}-/);
      expect(await front.locator('img').isVisible()).toBe(true);
      expect(await page.getByTestId('camera-tile-back').locator('.tile-empty').isVisible()).toBe(true);
      expect(await page.getByTestId('camera-tile-front').locator('.tile-state').textContent()).toBe('Online');
      expect(await page.getByTestId('camera-kind').textContent()).toBe('3 cameras, 3 online');
      // The camera views are hidden on the grid.
      expect(await page.getByTestId('capture-button').isVisible()).toBe(false);

      await page.getByTestId('camera-tile-back').getByRole('button').click();
      await page.waitForFunction(() => document.body.dataset.view === 'camera');
      expect(page.url()).toMatch(/#\/cameras\/back$/);
      expect(await page.getByTestId('camera-name').textContent()).toBe('back');
      expect(await galleryIds(page)).toEqual([]);
      // The board tools default to this camera's own board.
      await page.getByTestId('firmware-panel').locator('summary').click();
      await expect.poll(() => page.getByTestId('fw-port').inputValue()).toBe('sim:back');
      await page.getByTestId('capture-button').click();
      await page.waitForSelector('[data-testid="gallery-item"]');
      const [backPhoto] = await galleryIds(page);
      const record = (await (await fetch(new URL(`/api/photos/${backPhoto}`, server.url))).json()) as { camera: string };
      expect(record.camera).toBe('back');
      await expect.poll(() => page.getAttribute('[data-testid="latest-photo"]', 'data-id')).toBe(backPhoto);

      // Back to the grid: the back tile now shows that photo; front's view does not list it.
      await page.getByTestId('to-grid').click();
      await page.waitForFunction(() => document.body.dataset.view === 'grid');
      await expect.poll(() => page.getByTestId('camera-tile-back').getAttribute('data-latest')).toBe(backPhoto);
      await page.getByTestId('camera-tile-front').getByRole('button').click();
      await page.waitForFunction(() => document.body.dataset.view === 'camera');
      await page.waitForSelector('[data-testid="gallery-item"]');
      const frontIds = await galleryIds(page);
      expect(frontIds).toHaveLength(1);
      expect(frontIds).not.toContain(backPhoto);
      await page.screenshot({ path: join(SHOTS, 'ui-cameras-desktop.png'), fullPage: true });
    } finally {
      await page.context().close();
    }
    expect(pageErrors).toEqual([]);
  });

  it('fits a 360 px phone: two tiles across, no sideways scrolling, and a camera view that works there', async () => {
    const page = await open(360, 740);
    try {
      await expect.poll(() => page.locator('[data-testid^="camera-tile-"]').count()).toBe(3);
      const layout = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
        tops: Array.from(document.querySelectorAll('[data-testid^="camera-tile-"]'), (el) => Math.round(el.getBoundingClientRect().top)),
      }));
      expect(layout.scroll).toBeLessThanOrEqual(layout.client);
      // front and back side by side, garden below.
      expect(layout.tops[0]).toBe(layout.tops[1]);
      expect(layout.tops[2]).toBeGreaterThan(layout.tops[0]);
      const tile = await page.getByTestId('camera-tile-garden').getByRole('button').boundingBox();
      expect(tile!.height).toBeGreaterThanOrEqual(44);
      await page.screenshot({ path: join(SHOTS, 'ui-cameras-phone.png'), fullPage: true });

      await page.getByTestId('camera-tile-garden').getByRole('button').click();
      await page.waitForFunction(() => document.body.dataset.view === 'camera');
      await page.getByTestId('capture-button').click();
      await page.waitForSelector('[data-testid="gallery-item"]');
      const [id] = await galleryIds(page);
      const record = (await (await fetch(new URL(`/api/photos/${id}`, server.url))).json()) as { camera: string };
      expect(record.camera).toBe('garden');
      const wide = await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
      expect(wide).toBe(true);
    } finally {
      await page.context().close();
    }
    expect(pageErrors).toEqual([]);
  });
});
