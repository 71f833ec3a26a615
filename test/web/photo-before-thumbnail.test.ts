import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../host/src/app/index.js';
import { nodeFs, type FsPort } from '../../host/src/services/fs-port.js';
import { launchChromium } from './chromium.js';

/**
 * The page draws a new photo without waiting for its thumbnail: the real service and simulated board, a real
 * Chromium, and a store whose thumbnail writes are held until the test lets them through.
 */

let dataDir: string;
let srv: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
let page: Page;
let release!: () => void;
const released = new Promise<void>((resolve) => (release = resolve));
let held = 0;

/** The real file system; a thumbnail's temp file is opened only once the test releases it. */
const disk: FsPort = {
  ...nodeFs,
  async open(path, flags, mode) {
    if (dirname(path) === join(dataDir, 'thumbs') && basename(path).endsWith('.tmp')) {
      held++;
      await released;
    }
    return nodeFs.open(path, flags, mode);
  },
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-photo-first-'));
  srv = await startServer({ port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, fs: disk, log: () => undefined });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(srv.url);
  await page.waitForSelector('body[data-ready="true"]');
}, 120_000);

afterAll(async () => {
  release();
  await browser?.close();
  await srv?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a new photo on the page', () => {
  it('is drawn before its thumbnail exists; the thumbnail appears once it is made', async () => {
    await page.getByTestId('capture-button').click();
    const id = await (
      await page.waitForFunction(
        () => {
          const img = document.querySelector<HTMLImageElement>('[data-testid="latest-image"]');
          const id = document.querySelector('[data-testid="latest-photo"]')?.getAttribute('data-id');
          return id && img?.complete && img.naturalWidth > 0 ? id : null;
        },
        undefined,
        { timeout: 60_000 },
      )
    ).jsonValue();
    const record = srv.services.store.get(String(id));

    // Drawn while the thumbnail's write is held: the thumbnail job may reach its write only after the page
    // drew the photo, so wait for it there; nothing is in the thumbnail folder either way.
    await expect.poll(() => held, { timeout: 60_000 }).toBe(1);
    expect(await readdir(join(dataDir, 'thumbs'))).toEqual([]);
    const drawn = await page.locator('#latest-image').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(drawn).toEqual([record.width, record.height]);
    const tile = page.locator(`[data-testid="gallery-item"][data-id="${record.id}"] img`);
    expect(await tile.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(0);

    release();
    await page.waitForFunction(
      (sel) => {
        const img = document.querySelector<HTMLImageElement>(sel);
        return Boolean(img?.complete && img.naturalWidth > 0);
      },
      `[data-testid="gallery-item"][data-id="${record.id}"] img`,
      { timeout: 30_000 },
    );
    expect(await tile.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([320, 240]);
    expect(await readdir(join(dataDir, 'thumbs'))).toEqual([`${record.id}.jpg`]);
  });
});
