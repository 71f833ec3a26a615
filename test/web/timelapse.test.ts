/**
 * The page's timelapse parts in a real Chromium against the real service and a simulated board: the schedule
 * editor refuses a bad cron expression under its field with the service's hint, creates a schedule and shows
 * its slots as they are taken; the gallery tags scheduled photos and its switch hides and shows them; the
 * export form previews a range (all photos, by hand, one schedule), links a ZIP of it, and without ffmpeg says
 * how to install it instead of offering the MP4.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { launchChromium } from './chromium.js';

const SHOTS = process.env.UI_SCREENSHOT_DIR ?? tmpdir();
/** Generous: a simulated board and a browser share two busy cores, and slots come every 5 s. */
const SLOW = { timeout: 90_000, intervals: [100, 250, 500] };

interface ScheduleView {
  id: string;
  every?: number;
  cron?: string;
  label?: string;
  enabled: boolean;
  retention: { maxPhotos?: number; maxBytes?: number };
  counts: { taken: number; missed: number; failed: number };
  photos: number;
}

let server: RunningServer;
let dataDir: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const violations: string[] = [];

async function api<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, server.url));
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const schedules = async (): Promise<ScheduleView[]> => (await api<{ schedules: ScheduleView[] }>('/api/cameras/yard/schedules')).schedules;
const tiles = () => page.getByTestId('gallery-item');
const scheduledTiles = () => page.locator('[data-testid="gallery-item"][data-schedule]');
const takenOf = async (): Promise<number> => (await schedules())[0]?.counts.taken ?? 0;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-web-timelapse-'));
  server = await startServer(
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      cameras: [{ name: 'yard', camera: 'sim' }],
      // An ffmpeg that is not there: the page must say how to get one.
      export: { ffmpeg: join(dataDir, 'no-such-ffmpeg') },
    },
    { healthIntervalMs: 0, log: () => undefined },
  );
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await ctx.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  await page.goto(`${server.url}/#/cameras/yard`);
  await page.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the schedule editor', () => {
  it('shows a bad cron expression refused under its field, with the hint, and keeps nothing', async () => {
    // One photo by hand first, so the gallery and the export have both kinds.
    await page.getByTestId('capture-button').click();
    await expect.poll(() => tiles().count(), SLOW).toBe(1);

    await page.getByTestId('schedule-editor-toggle').click();
    await page.getByTestId('schedule-kind-cron').check();
    await page.getByTestId('schedule-cron').fill('every 5 minutes');
    await page.getByTestId('schedule-save').click();
    const error = page.getByTestId('schedule-cron-error');
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await error.textContent()).toMatch(/cron/);
    expect(await error.textContent()).toMatch(/E_BAD_INPUT/);
    expect((await error.locator('.sd-error-hint').textContent())?.length).toBeGreaterThan(10);
    expect(await page.getByTestId('schedule-cron').getAttribute('aria-invalid')).toBe('true');
    // Under the field, not in the form's general box.
    expect(await page.getByTestId('sd-form-error').isHidden()).toBe(true);
    expect(await schedules()).toEqual([]);
    expect(await page.getByTestId('schedule-item').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'schedule-bad-cron.png'), fullPage: true });
  });

  it('creates a schedule and shows its slots as they are taken', async () => {
    await page.getByTestId('schedule-kind-every').check();
    await page.getByTestId('schedule-label').fill('Yard timelapse');
    await page.getByTestId('schedule-every').fill('5');
    await page.getByTestId('schedule-every-unit').selectOption('s');
    await page.getByTestId('schedule-max-photos').fill('50');
    await page.getByTestId('schedule-save').click();

    const item = page.getByTestId('schedule-item');
    await item.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('schedule-cron-error').isHidden()).toBe(true);
    expect(await item.getByTestId('schedule-title').textContent()).toBe('Yard timelapse');
    expect(await item.getByTestId('schedule-timing').textContent()).toBe('Every 5 seconds');
    expect(await item.getByTestId('schedule-kept').textContent()).toMatch(/at most 50 photos/);
    const [kept] = await schedules();
    expect(kept).toMatchObject({ every: 5, label: 'Yard timelapse', enabled: true, retention: { maxPhotos: 50 } });
    expect(await item.getAttribute('data-id')).toBe(kept!.id);
    // The editor closed and is ready for the next one.
    expect(await page.getByTestId('schedule-form').isVisible()).toBe(false);

    // The first slot's photo arrives through the socket: in the schedule's counts and, tagged, in the gallery.
    await expect.poll(() => item.getByTestId('schedule-counts').textContent(), SLOW).toMatch(/^[1-9]\d* taken/);
    expect(await item.getByTestId('schedule-last').textContent()).toMatch(/Taken/);
    await expect.poll(() => scheduledTiles().count(), SLOW).toBeGreaterThanOrEqual(1);
    const tagged = scheduledTiles().first();
    expect(await tagged.getAttribute('data-schedule')).toBe(kept!.id);
    expect(await tagged.getByTestId('scheduled-tag').isVisible()).toBe(true);
    expect(await tagged.getByTestId('scheduled-tag').textContent()).toBe('Timelapse');
    // The photo taken by hand carries no tag.
    expect(await page.locator('[data-testid="gallery-item"]:not([data-schedule]) [data-testid="scheduled-tag"]').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'schedule-running.png'), fullPage: true });
  });
});

describe('the gallery', () => {
  it('hides the photos schedules took, also those that arrive meanwhile, and shows them again', async () => {
    const manual = page.locator('[data-testid="gallery-item"]:not([data-schedule])');
    expect(await manual.count()).toBe(1);
    await page.getByTestId('show-scheduled').uncheck();
    await expect.poll(() => scheduledTiles().count(), SLOW).toBe(0);
    await expect.poll(() => tiles().count(), SLOW).toBe(1);
    expect(await manual.count()).toBe(1);

    // The next slot's photo comes while they are hidden: it stays out.
    const taken = await takenOf();
    await expect.poll(takenOf, SLOW).toBeGreaterThan(taken);
    await expect.poll(() => page.getByTestId('schedule-counts').textContent(), SLOW).toMatch(new RegExp(`^${await takenOf()} taken`));
    expect(await scheduledTiles().count()).toBe(0);
    expect(await tiles().count()).toBe(1);

    // The choice outlives a reload.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.getByTestId('show-scheduled').isChecked()).toBe(false);
    expect(await scheduledTiles().count()).toBe(0);

    await page.getByTestId('show-scheduled').check();
    await expect.poll(() => scheduledTiles().count(), SLOW).toBeGreaterThanOrEqual(2);
    expect(await manual.count()).toBe(1);
  });
});

describe('the export form', () => {
  it('previews the range for all photos, by hand, and one schedule, and links the ZIP; without ffmpeg it says how to install it', async () => {
    // Paused from its own switch, so the counts hold still while they are compared.
    const item = page.getByTestId('schedule-item');
    await item.getByTestId('schedule-enabled').uncheck();
    await expect.poll(async () => (await schedules())[0]!.enabled, SLOW).toBe(false);
    await expect.poll(() => item.getAttribute('data-enabled'), SLOW).toBe('false');
    const total = async (): Promise<number> => (await api<{ total: number }>('/api/cameras/yard/photos?limit=1')).total;
    // A slot under way when it was paused may still land; then nothing more comes.
    await expect.poll(async () => (await schedules())[0]!.photos + 1 === (await total()), SLOW).toBe(true);

    // Folded until opened: only then does it ask for previews.
    await page.getByTestId('export-toggle').click();
    const preview = page.getByTestId('export-preview');
    const all = await total();
    await expect.poll(() => preview.getAttribute('data-count'), SLOW).toBe(String(all));
    expect(await preview.getAttribute('data-state')).toBe('ready');
    expect(await page.getByTestId('export-summary').textContent()).toMatch(new RegExp(`^${all} photos, \\d+(\\.\\d)? KB$`));
    expect(await page.getByTestId('export-span').textContent()).toMatch(/ to /);

    const zip = page.getByTestId('export-zip');
    const href = await zip.getAttribute('href');
    expect(href).toMatch(/^\/api\/cameras\/yard\/export\.zip/);
    const res = await fetch(new URL(href!, server.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/zip/);
    expect(res.headers.get('x-export-photos')).toBe(String(all));
    await res.arrayBuffer();

    // No ffmpeg: no MP4 link, and the way to get one.
    expect(await page.getByTestId('export-mp4').getAttribute('aria-disabled')).toBe('true');
    expect(await page.getByTestId('export-mp4').getAttribute('href')).toBeNull();
    expect(await page.getByTestId('export-mp4-note').isVisible()).toBe(true);
    expect(await page.getByTestId('export-mp4-note').textContent()).toMatch(/ffmpeg/i);

    await page.getByTestId('export-which').selectOption('manual');
    await expect.poll(() => preview.getAttribute('data-count'), SLOW).toBe('1');
    expect(await zip.getAttribute('href')).toMatch(/schedule=manual/);
    const [schedule] = await schedules();
    await page.getByTestId('export-which').selectOption(schedule!.id);
    await expect.poll(() => preview.getAttribute('data-count'), SLOW).toBe(String(schedule!.photos));
    expect(await zip.getAttribute('href')).toContain(`schedule=${schedule!.id}`);

    // A range in the future holds nothing: no download to offer.
    await page.getByTestId('export-from').fill('2099-01-01T00:00');
    await expect.poll(() => preview.getAttribute('data-state'), SLOW).toBe('empty');
    expect(await page.getByTestId('export-summary').textContent()).toBe('No photos in this range');
    expect(await zip.getAttribute('aria-disabled')).toBe('true');
    await page.screenshot({ path: join(SHOTS, 'export-form.png'), fullPage: true });
    await page.getByTestId('export-from').fill('');
    await expect.poll(() => preview.getAttribute('data-state'), SLOW).toBe('ready');
  });

  it('deletes a schedule after a second press; its photos stay', async () => {
    const [schedule] = await schedules();
    const item = page.getByTestId('schedule-item');
    await item.getByTestId('schedule-delete').click();
    expect(await item.getByTestId('schedule-delete').textContent()).toMatch(/press again/);
    expect(await schedules()).toHaveLength(1);
    await item.getByTestId('schedule-delete').click();
    await expect.poll(() => page.getByTestId('schedule-item').count(), SLOW).toBe(0);
    expect(await schedules()).toEqual([]);
    // The export no longer offers it, and its photos are still listed.
    await expect.poll(() => page.getByTestId('export-which').locator(`option[value="${schedule!.id}"]`).count(), SLOW).toBe(0);
    expect(await scheduledTiles().count()).toBeGreaterThanOrEqual(1);
  });

  it('fits a 360 px phone with the editor, the export and the settings open', async () => {
    const phone = await browser.newPage({ viewport: { width: 360, height: 740 } });
    try {
      phone.on('pageerror', (err) => pageErrors.push(err.message));
      await phone.goto(`${server.url}/#/cameras/yard`);
      await phone.waitForSelector('body[data-ready="true"]');
      await phone.getByTestId('schedule-editor-toggle').click();
      await phone.getByTestId('schedule-kind-cron').check();
      await phone.getByTestId('export-toggle').click();
      await phone.getByTestId('settings-toggle').click();
      await phone.getByTestId('live-toggle').click();
      await expect.poll(async () => Number(await phone.getByTestId('live-frames').textContent()), SLOW).toBeGreaterThanOrEqual(1);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBe(0);
      // Finger-sized: every button, select and text field of the new panels is at least 40 px tall.
      const small = await phone.evaluate(() =>
        Array.from(
          document.querySelectorAll(
            '#live-panel button, #settings-panel select, #schedules-panel select, #schedules-panel input[type="text"], #export-panel select, #export-panel input',
          ),
        )
          .filter((el) => (el as HTMLElement).offsetParent !== null && el.getBoundingClientRect().height < 40)
          .map((el) => el.id || el.getAttribute('data-testid')),
      );
      expect(small).toEqual([]);
      await phone.screenshot({ path: join(SHOTS, 'timelapse-phone.png'), fullPage: true });
      await phone.getByTestId('live-toggle').click();
    } finally {
      await phone.close();
    }
  });

  it('ran without a page error or a CSP violation', () => {
    expect(pageErrors).toEqual([]);
    expect(violations).toEqual([]);
  });
});
