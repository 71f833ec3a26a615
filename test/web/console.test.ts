/**
 * The serial console panel in a real Chromium against the real service and its simulated board: connect
 * without resetting the board, see what it prints, type into it, share it with a second tab, keep a flash
 * out while it is open, and show an unplugged board's error. At phone width.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { mergedImage } from '../flasher/image-builders.js';
import { launchChromium } from './chromium.js';

let dataDir: string;
let srv: RunningServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let other: Page;
const pageErrors: string[] = [];
/** Bytes that reached the simulated board's RX pin. */
let boardInput = '';

const board = () => srv.sim!.serial;
const termText = (p: Page) => p.locator('[data-testid="con-term"] .xterm-rows').innerText();

async function openConsole(p: Page): Promise<void> {
  await p.goto(srv.url);
  await p.waitForSelector('body[data-ready="true"]');
  await p.getByTestId('con-toggle').click();
  await p.waitForSelector('[data-testid="con-port"] option[data-simulated="true"]', { state: 'attached' });
  await p.getByTestId('con-connect').click();
  await p.waitForSelector('[data-testid="console-panel"][data-state="open"]');
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-ui-console-'));
  srv = await startServer({ port: 0, host: '127.0.0.1', dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
  board().on('uart-in', (bytes: Uint8Array) => {
    boardInput += Buffer.from(bytes).toString('latin1');
  });
  browser = await launchChromium();
  ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  page = await ctx.newPage();
  other = await ctx.newPage();
  for (const p of [page, other]) p.on('pageerror', (err) => pageErrors.push(String(err)));
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('serial console panel in Chromium', () => {
  it('connects to the simulated board without resetting it, and Ctrl-C stops the slave script for the REPL, at 360 px', async () => {
    let resets = 0;
    const onBoot = () => void resets++;
    board().on('boot', onBoot);
    await openConsole(page);
    await page.getByTestId('con-ctrl-c').click();
    await expect.poll(() => termText(page), { timeout: 10_000 }).toMatch(/KeyboardInterrupt:[^]*>>>/);
    board().off('boot', onBoot);
    expect(resets).toBe(0);
    expect(await page.getByTestId('con-status').textContent()).toMatch(/Connected to sim:cam at 115200 baud/);
    // Fits a phone: no sideways scrolling, a terminal as wide as the card, buttons a finger can hit.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const term = (await page.getByTestId('con-term').boundingBox())!;
    expect(term.width).toBeGreaterThan(250);
    expect(term.x + term.width).toBeLessThanOrEqual(360);
    expect((await page.getByTestId('con-ctrl-c').boundingBox())!.height).toBeGreaterThanOrEqual(44);
    expect(await page.evaluate(() => (document.querySelector('.xterm') as HTMLElement | null)?.clientWidth ?? 0)).toBeGreaterThan(250);
    await page.screenshot({ path: join(process.env.UI_SCREENSHOT_DIR ?? tmpdir(), 'console-360.png'), fullPage: false });
  });

  it('sends what is typed, Ctrl-C from its button and raw bytes to the board', async () => {
    boardInput = '';
    await page.locator('[data-testid="con-term"] .xterm').click();
    await page.keyboard.type('print(6*7)');
    await page.keyboard.press('Enter');
    await page.getByTestId('con-ctrl-c').click();
    await page.getByTestId('con-raw-input').fill('02 0d');
    await page.getByTestId('con-raw-send').click();
    await expect.poll(() => boardInput, { timeout: 10_000 }).toBe('print(6*7)\r\x03\x02\r');
    await page.getByTestId('con-raw-input').fill('zz');
    await page.getByTestId('con-raw-send').click();
    expect(await page.getByTestId('con-error-message').textContent()).toMatch(/hex/);
  });

  it('runs print(6*7) on the board and shows 42', async () => {
    await page.locator('[data-testid="con-term"] .xterm').click();
    await page.keyboard.type('print(6*7)');
    await page.keyboard.press('Enter');
    await expect.poll(() => termText(page), { timeout: 10_000 }).toMatch(/^42\s*$/m);
  });

  it('shares the session with a second tab: the same output, and each sees the other', async () => {
    await openConsole(other);
    expect(await other.getByTestId('con-status').textContent()).toMatch(/1 other tab watching/);
    await expect.poll(() => page.getByTestId('con-status').textContent()).toMatch(/1 other tab watching/);
    // The scrollback came first: what the board printed before this tab joined.
    await expect.poll(() => termText(other)).toMatch(/KeyboardInterrupt:[^]*>>>/);
    boardInput = '';
    await other.locator('[data-testid="con-term"] .xterm').click();
    await other.keyboard.type('x');
    await expect.poll(() => boardInput).toBe('x');
  });

  it('refuses a flash from the firmware panel while the console is open, naming the console', async () => {
    await other.getByTestId('fw-toggle').click();
    await other.waitForSelector('[data-testid="fw-port"] option[data-simulated="true"]', { state: 'attached' });
    await other
      .getByTestId('fw-file')
      .setInputFiles({ name: 'firmware.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(mergedImage(0, 0x20000)) });
    await other.getByTestId('fw-flash').click();
    await other.waitForSelector('[data-testid="fw-error"]:not([hidden])');
    expect(await other.getByTestId('fw-error-code').textContent()).toBe('E_PORT_BUSY');
    expect(await other.locator('#fw-error-message').textContent()).toMatch(/web console/);
    expect(await other.getByTestId('fw-error-hint').textContent()).toMatch(/Disconnect the serial console/);
    expect(srv.services.flashJobs.list()).toEqual([]);
  });

  it('shows E_PORT_DISCONNECTED in every tab when the board is unplugged, and connects again once it is back', async () => {
    board().unplug();
    try {
      for (const p of [page, other]) {
        await p.waitForSelector('[data-testid="console-panel"][data-state="failed"]');
        expect(await p.getByTestId('con-error-code').textContent()).toBe('E_PORT_DISCONNECTED');
        expect(await p.getByTestId('con-status').textContent()).toMatch(/Disconnected: sim:cam went away/);
      }
    } finally {
      board().plug();
    }
    await page.getByTestId('con-connect').click();
    await page.waitForSelector('[data-testid="console-panel"][data-state="open"]');
    await page.getByTestId('con-connect').click();
    await page.waitForSelector('[data-testid="console-panel"][data-state="closed"]');
    expect(srv.services.consoles.isOpen(srv.simPort!)).toBe(false);
    expect(pageErrors).toEqual([]);
  });
});

describe('scripts panel in Chromium', () => {
  it('refuses a .py with a syntax error, naming file:line, and pushes nothing', async () => {
    await page.getByTestId('sc-toggle').click();
    await page.waitForSelector('[data-testid="sc-port"] option[data-simulated="true"]', { state: 'attached' });
    await page.getByTestId('sc-file').setInputFiles({ name: 'broken.py', mimeType: 'text/x-python', buffer: Buffer.from('x = 1\ndef f(:\n    pass\n') });
    expect(await page.getByTestId('sc-use-file').isChecked()).toBe(true);
    await page.getByTestId('sc-push').click();
    await page.waitForSelector('[data-testid="scripts-panel"][data-state="refused"]');
    expect(await page.getByTestId('sc-error-code').textContent()).toBe('E_SCRIPT_SYNTAX');
    expect(await page.getByTestId('sc-error-message').textContent()).toMatch(/^broken\.py:2: /);
    expect(srv.services.pushJobs.list()).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  });

  it('pushes the bundled script with progress and lists main.py after', async () => {
    await page.getByTestId('sc-bundled').check();
    await page.getByTestId('sc-force').check();
    await page.getByTestId('sc-push').click();
    await page.waitForSelector('[data-testid="scripts-panel"][data-state="done"]', { timeout: 60_000 });
    expect(await page.getByTestId('sc-result').textContent()).toMatch(/Pushed 2 files.*on the wire.*verified by SHA-256/);
    expect(await page.locator('[data-testid="sc-files"] li[data-name="main.py"]').count()).toBe(1);
  });
});
