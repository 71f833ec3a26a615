/**
 * The page's health view, in a real Chromium against the real service with two simulated cameras and a quick
 * keep-alive: a camera hung through the Health panel's own fault form goes offline in its panel (with the
 * event and its hint in the timeline) and on its grid tile, which another page shows at the same time, and
 * both come back online when the hang ends. The hang is longer than the offline threshold (three failed
 * checks at the keep-alive) and much shorter than the board's 60 s watchdog, so the board does not reboot.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { RUNTIME_FAULT_KINDS } from '../../host/src/sim/runtime-faults.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { launchChromium } from './chromium.js';

const SHOTS = process.env.UI_SCREENSHOT_DIR ?? tmpdir();
const CAMERAS = [
  { name: 'front', camera: 'sim' },
  { name: 'back', camera: 'sim:2@0x2c' },
];
const HEALTH = {
  keepAliveMs: 300,
  recovery: { retries: 1, backoffMs: 200, maxBackoffMs: 400, serialReset: false, resync: false, giveUpRetryMs: 1000 },
};
/** Long enough for three failed checks at 300 ms even on a loaded machine, far from the 60 s watchdog. */
const HANG_S = 8;
const SLOW = { timeout: 60_000, intervals: [100, 250, 500] };

describe('the health view', () => {
  let server: RunningServer;
  let dataDir: string;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-web-health-'));
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir, cameras: CAMERAS, health: HEALTH }, { log: () => undefined });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function open(path: string, width: number, height: number): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height } });
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${server.url}/${path}`);
    await page.waitForSelector('body[data-ready="true"]');
    return page;
  }

  /**
   * Records every value the element's data-state takes, so a state that lasts less than a poll still counts.
   * The record lives in the page, under `window.__states[testid]`.
   */
  async function recordStates(page: Page, testid: string): Promise<void> {
    await page.waitForSelector(`[data-testid="${testid}"]`, { state: 'attached' });
    await page.evaluate((id) => {
      const w = window as unknown as { __states?: Record<string, string[]> };
      w.__states ??= {};
      const seen: string[] = (w.__states[id] = []);
      const el = document.querySelector(`[data-testid="${id}"]`)!;
      const note = (): void => {
        const s = el.getAttribute('data-state') ?? '';
        if (seen.at(-1) !== s) seen.push(s);
      };
      note();
      new MutationObserver(note).observe(el, { attributes: true, attributeFilter: ['data-state'] });
    }, testid);
  }

  const statesOf = (page: Page, testid: string): Promise<string[]> =>
    page.evaluate((id) => (window as unknown as { __states: Record<string, string[]> }).__states[id] ?? [], testid);

  it('shows a hung camera go offline, with the event and its hint, and come back online, in its panel and on its tile', async () => {
    const grid = await open('', 1280, 860);
    // The camera's view on a phone, as the page is used from one.
    const phone = await open('#/cameras/front', 390, 844);
    try {
      expect(await grid.getAttribute('body', 'data-view')).toBe('grid');
      expect(await phone.getAttribute('body', 'data-view')).toBe('camera');

      const badge = grid.getByTestId('health-badge-front');
      await expect.poll(() => badge.getAttribute('data-state'), SLOW).toBe('online');
      expect(await badge.textContent()).toBe('Online');
      expect(await badge.isVisible()).toBe(true);
      expect(await grid.getByTestId('health-badge-back').getAttribute('data-state')).toBe('online');
      // Colour is not all a screen reader would get: the tile's button says the state in words.
      expect(await grid.getByTestId('camera-tile-front').getByRole('button').getAttribute('aria-label')).toBe('Open camera front (health: Online)');

      const panel = phone.getByTestId('health-panel');
      const state = phone.getByTestId('health-state');
      await expect.poll(() => state.getAttribute('data-state'), SLOW).toBe('online');
      expect(await state.textContent()).toBe('Online');
      expect(await panel.isVisible()).toBe(true);
      await expect.poll(() => phone.getByTestId('health-keepalive').textContent(), SLOW).toBe('Every 300 ms');
      await expect.poll(() => phone.getByTestId('health-last-seen').textContent(), SLOW).toMatch(/^(just now|\d+ s ago)$/);
      // The bundled script speaks protocol 2: the board's own facts are there.
      await expect.poll(() => phone.getByTestId('health-boots').textContent(), SLOW).toMatch(/^\d+$/);
      expect(await phone.getByTestId('health-sensor').textContent()).toBe('Initialised');
      expect(await phone.getByTestId('health-heap').textContent()).toMatch(/\d+(\.\d)? (B|KB|MB)$/);
      // Opening the view made a state event (unknown → online), which the timeline lists with its reason.
      await phone.waitForSelector('[data-testid="health-event"][data-type="state"][data-to="online"]', { timeout: 60_000 });

      await recordStates(phone, 'health-state');
      await recordStates(grid, 'health-badge-front');
      await recordStates(grid, 'health-badge-back');
      await phone.screenshot({ path: join(SHOTS, 'health-phone-online.png'), fullPage: true });

      // The fault form, as a user would use it.
      const fault = phone.getByTestId('health-fault');
      expect(await fault.isVisible()).toBe(true);
      await phone.getByTestId('health-fault-toggle').click();
      await phone.getByTestId('health-fault-kind').selectOption('hang');
      await phone.getByTestId('health-fault-arg').fill(String(HANG_S));
      await phone.getByTestId('health-fault-inject').click();
      await expect.poll(() => phone.getByTestId('health-fault-note').textContent(), SLOW).toMatch(/^Injected hang: /);
      expect(await phone.getByTestId('hp-error').isVisible()).toBe(false);

      await expect.poll(() => statesOf(phone, 'health-state'), SLOW).toContain('offline');
      const offline = phone.locator('[data-testid="health-event"][data-type="state"][data-to="offline"]').first();
      await offline.waitFor({ timeout: 60_000 });
      expect(await offline.locator('.hp-event-title').textContent()).toMatch(/→ Offline$/);
      expect((await offline.getByTestId('health-event-hint').textContent())?.length).toBeGreaterThan(10);
      await expect.poll(() => statesOf(grid, 'health-badge-front'), SLOW).toContain('offline');
      await grid.screenshot({ path: join(SHOTS, 'health-grid-offline.png') });
      await phone.screenshot({ path: join(SHOTS, 'health-phone-offline.png'), fullPage: true });

      // The hang ends by itself; the next keep-alive finds the camera again.
      await expect.poll(() => state.getAttribute('data-state'), { ...SLOW, timeout: 90_000 }).toBe('online');
      await expect.poll(() => badge.getAttribute('data-state'), SLOW).toBe('online');
      const states = await statesOf(phone, 'health-state');
      expect(states[0]).toBe('online');
      expect(states.indexOf('offline')).toBeGreaterThan(0);
      expect(states.at(-1)).toBe('online');
      expect(await statesOf(grid, 'health-badge-front')).toEqual(expect.arrayContaining(['online', 'offline']));
      // The other camera on its own bus went on answering.
      expect(await statesOf(grid, 'health-badge-back')).toEqual(['online']);

      // The timeline is newest first: back online above the fall, and the recovery ladder's steps are marked as such.
      const entries = await phone.$$eval('[data-testid="health-event"]', (els) =>
        els.map((e) => ({ type: (e as HTMLElement).dataset.type, to: (e as HTMLElement).dataset.to, at: e.querySelector('time')?.dateTime ?? '' })),
      );
      const times = entries.map((e) => Date.parse(e.at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      const back = entries.findIndex((e) => e.type === 'state' && e.to === 'online');
      const fell = entries.findIndex((e) => e.type === 'state' && e.to === 'offline');
      expect(back).toBeGreaterThanOrEqual(0);
      expect(back).toBeLessThan(fell);
      expect(entries.some((e) => e.type === 'recovery')).toBe(true);
      expect(entries.length).toBeLessThanOrEqual(50);
      await phone.screenshot({ path: join(SHOTS, 'health-phone-back.png'), fullPage: true });

      const texts = await phone.$$eval('[data-testid="health-event"]', (els) => els.map((e) => `${e.querySelector('time')?.dateTime} ${e.textContent}`));
      expect(new Set(texts).size).toBe(texts.length);

      // The desk page opens the camera from its tile after the fact: its timeline comes from the service's report.
      await grid.getByTestId('camera-tile-front').getByRole('button').click();
      await grid.waitForFunction(() => document.body.dataset.view === 'camera');
      await grid.locator('[data-testid="health-event"][data-type="state"][data-to="offline"]').first().waitFor({ timeout: 60_000 });
      expect(await grid.getByTestId('health-state').getAttribute('data-state')).toBe('online');
      expect(await grid.getByTestId('health-panel').isVisible()).toBe(true);
      await grid.screenshot({ path: join(SHOTS, 'health-desk-camera.png'), fullPage: true });

      // What the page shows is what the service says.
      const report = (await (await fetch(`${server.url}/api/cameras/front/health`)).json()) as { state: string; events: unknown[] };
      expect(report.state).toBe('online');
      expect(pageErrors).toEqual([]);
    } finally {
      await grid.context().close();
      await phone.context().close();
    }
  }, 240_000);

  it("shows the service's error for a fault it refuses, in the panel's error box, on a 360 px phone", async () => {
    const page = await open('#/cameras/back', 360, 740);
    try {
      await page.getByTestId('health-fault-toggle').click();
      await page.getByTestId('health-fault-kind').selectOption('hang');
      // A hang needs its length; the page leaves that to the service, which says so.
      await page.getByTestId('health-fault-arg').fill('');
      await page.getByTestId('health-fault-inject').click();
      const box = page.getByTestId('hp-error');
      await box.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await page.getByTestId('hp-error-code').textContent()).toBe('E_BAD_INPUT');
      expect(await page.getByTestId('hp-error-message').textContent()).toMatch(/seconds/);
      expect(await page.getByTestId('hp-error-hint').textContent()).toMatch(/^Give seconds from 1 to 3600/);
      expect(await page.getByTestId('health-fault-note').textContent()).toBe('');
      // The panel, its form and the error fit the phone: no sideways scrolling, finger-sized controls.
      const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      expect(fits).toBe(true);
      for (const id of ['health-fault-kind', 'health-fault-arg', 'health-fault-inject']) {
        const box = await page.getByTestId(id).boundingBox();
        expect(box!.height, id).toBeGreaterThanOrEqual(44);
        expect(box!.x + box!.width, id).toBeLessThanOrEqual(360);
      }
      await page.screenshot({ path: join(SHOTS, 'health-phone-refused.png'), fullPage: true });

      // A kind that takes no number has its number field disabled.
      // The form offers every kind the simulator takes, from the camera's status, not a list of its own.
      const offered = await page
        .getByTestId('health-fault-kind')
        .locator('option')
        .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
      for (const { kind } of RUNTIME_FAULT_KINDS) expect(offered.some((v) => v === kind || v.startsWith(`${kind}-`))).toBe(true);
      await page.getByTestId('health-fault-kind').selectOption('desync');
      expect(await page.getByTestId('health-fault-arg').isDisabled()).toBe(true);
      expect(await page.getByTestId('health-state').getAttribute('data-state')).toBe('online');
      expect(pageErrors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
