/**
 * A camera's live view and settings panel in a real Chromium against the real service and simulated boards
 * running the project's slave script: the live view reads the MJPEG stream and shows its frames with a
 * counter and the frame rate, leaving the view stops the camera's stream, a setting changed in the panel is
 * shown as applied and reaches the live view and the next photo, a board whose script cannot take settings
 * says so with its controls disabled, and with ffmpeg on the Pi the export form links an MP4 that is one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v2 } from '../../protocol/src/index.js';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { packageRoot } from '../../host/src/paths.js';
import { launchChromium } from './chromium.js';

const SHOTS = process.env.UI_SCREENSHOT_DIR ?? tmpdir();
const LEGACY_SCRIPT = join(packageRoot(), 'test', 'fixtures', 'legacy_slave.py');
const CAMERAS = [
  { name: 'front', camera: 'sim' },
  // The original slave script: it speaks only the legacy protocol, which has no settings.
  { name: 'back', camera: 'sim:2@0x2c', sim: { script: LEGACY_SCRIPT } },
];
/** Generous: two simulated boards and a browser share two busy cores. */
const SLOW = { timeout: 90_000, intervals: [100, 250, 500] };

interface PhotoRecord {
  id: string;
  width: number;
  height: number;
}

let server: RunningServer;
let dataDir: string;
let browser: Browser;
const pageErrors: string[] = [];
const violations: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-web-live-'));
  server = await startServer(
    { port: 0, host: '127.0.0.1', dataDir, cameras: CAMERAS, stream: { maxViewers: 1 } },
    { healthIntervalMs: 0, log: () => undefined },
  );
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function open(hash: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  await page.goto(`${server.url}/${hash}`);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

/**
 * Imports one of the page's modules into `window.__module`. The import is written as a string so vitest's
 * transform leaves it alone: it runs in the page, against the service's own files.
 */
async function loadModule(page: Page, path: string): Promise<void> {
  await page.evaluate(`import(${JSON.stringify(path)}).then((m) => { window.__module = m; })`);
}

/** The settings panel is folded until opened. */
async function openSettings(page: Page): Promise<void> {
  await page.getByTestId('settings-toggle').click();
  await page.getByTestId('setting-framesize').waitFor();
}

const frames = async (page: Page): Promise<number> => Number(await page.getByTestId('live-frames').textContent());
const stream = (name: string) => server.services.streams.of(name);

/** Keeps every URL the live image shows, in the page, so revoked ones can be checked afterwards. */
async function recordSources(page: Page): Promise<void> {
  await page.evaluate(() => {
    const img = document.querySelector('[data-testid="live-image"]') as HTMLImageElement;
    const seen: string[] = [];
    (window as unknown as { __liveSources: string[] }).__liveSources = seen;
    new MutationObserver(() => seen.push(img.src)).observe(img, { attributes: true, attributeFilter: ['src'] });
  });
}

describe('the live view', () => {
  it('cuts the stream into its JPEGs by Content-Length, however the bytes arrive', async () => {
    const page = await open('#/cameras/front');
    try {
      await loadModule(page, '/lib/mjpeg-parts.js');
      const result = await page.evaluate(() => {
        type Cutter = new () => { push(b: Uint8Array): Uint8Array[] };
        const { MjpegParts, MjpegFormatError } = (window as unknown as { __module: { MjpegParts: Cutter; MjpegFormatError: ErrorConstructor } }).__module;
        const enc = new TextEncoder();
        // JPEG-like bodies that contain a blank line and the boundary, which must not cut them.
        const bodies = [
          Uint8Array.from([0xff, 0xd8, 13, 10, 13, 10, 0xff, 0xd9]),
          enc.encode('--123456789000000000000987654321\r\nContent-Length: 3\r\n\r\nxyz'),
          new Uint8Array(70_000).map((_, i) => i % 251),
        ];
        const parts = bodies.map((b) => [
          enc.encode(`\r\n--123456789000000000000987654321\r\nContent-Type: image/jpeg\r\nContent-Length: ${b.length}\r\nX-Timestamp: 1.000000\r\n\r\n`),
          b,
        ]);
        const whole = new Uint8Array(parts.flat().reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts.flat()) {
          whole.set(p, at);
          at += p.length;
        }
        const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
        const outcomes: boolean[] = [];
        for (const size of [1, 7, 4096, whole.length]) {
          const cutter = new MjpegParts();
          const got: Uint8Array[] = [];
          for (let i = 0; i < whole.length; i += size) got.push(...cutter.push(whole.subarray(i, i + size)));
          outcomes.push(got.length === bodies.length && got.every((g, i) => same(g, bodies[i]!)));
        }
        let refused = '';
        try {
          new MjpegParts().push(enc.encode('\r\n--b\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8'));
        } catch (err) {
          refused = err instanceof MjpegFormatError ? err.message : `wrong error: ${String(err)}`;
        }
        return { outcomes, refused };
      });
      expect(result.outcomes).toEqual([true, true, true, true]);
      expect(result.refused).toMatch(/Content-Length/);
    } finally {
      await page.context().close();
    }
  });

  it('shows the stream running with a frame counter and the frame rate, and stops it when the view is left', async () => {
    const page = await open('#/cameras/front');
    try {
      expect(await page.getByTestId('live-state').getAttribute('data-state')).toBe('stopped');
      // Nothing streams until asked: each frame is a capture on the camera's bus.
      expect(stream('front').viewers).toBe(0);
      await recordSources(page);
      await page.getByTestId('live-toggle').click();
      await expect.poll(() => page.getByTestId('live-state').getAttribute('data-state'), SLOW).toBe('live');
      await expect.poll(() => frames(page), SLOW).toBeGreaterThanOrEqual(5);
      expect(stream('front').viewers).toBe(1);
      expect(stream('front').running).toBe(true);

      const fps = Number(await page.getByTestId('live-fps').getAttribute('data-fps'));
      expect(fps).toBeGreaterThan(0);
      expect(await page.getByTestId('live-fps').textContent()).toMatch(/^\d+\.\d fps$/);
      // A decoded JPEG of the camera's frame size, not a broken image.
      const img = await page.evaluate(async () => {
        const el = document.querySelector('[data-testid="live-image"]') as HTMLImageElement;
        await el.decode();
        return { width: el.naturalWidth, height: el.naturalHeight, src: el.src };
      });
      expect(img.width).toBeGreaterThan(0);
      expect(img.height).toBeGreaterThan(0);
      expect(img.src).toMatch(/^blob:/);
      await expect.poll(() => page.getByTestId('live-size').textContent(), SLOW).toBe(`${img.width}×${img.height}`);

      await page.screenshot({ path: join(SHOTS, 'live-view-running.png'), fullPage: true });

      // Hiding the page stops the stream (the last frame stays shown); showing it starts it again.
      await page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      expect(await page.getByTestId('live-state').getAttribute('data-state')).toBe('paused');
      await expect.poll(() => stream('front').viewers, SLOW).toBe(0);
      await expect.poll(() => stream('front').running, SLOW).toBe(false);

      // Every frame's URL but the one shown is revoked, so a long-running view does not hold every frame.
      const probed = await page.evaluate(async () => {
        const all = (window as unknown as { __liveSources: string[] }).__liveSources;
        // An image, not fetch(): the page's CSP allows blob: images and no blob: connections.
        const load = (u: string) =>
          new Promise<string>((resolve) => {
            const probe = new Image();
            probe.onload = () => resolve('readable');
            probe.onerror = () => resolve('revoked');
            probe.src = u;
          });
        return Promise.all(all.map(load));
      });
      expect(probed.length).toBeGreaterThanOrEqual(5);
      expect(probed.at(-1)).toBe('readable');
      expect(probed.slice(0, -1).filter((r) => r !== 'revoked')).toEqual([]);

      await page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      await expect.poll(() => page.getByTestId('live-state').getAttribute('data-state'), SLOW).toBe('live');
      await expect.poll(() => frames(page), SLOW).toBeGreaterThanOrEqual(2);

      // Leaving the camera's view for another camera's ends the fetch, and with it the camera's capture loop.
      const idle = new Promise<void>((resolve) => stream('front').once('idle', () => resolve()));
      await page.evaluate(() => (window.location.hash = '#/cameras/back'));
      await expect.poll(() => page.getByTestId('camera-name').textContent(), SLOW).toBe('back');
      await idle;
      expect(stream('front').viewers).toBe(0);
      expect(stream('front').running).toBe(false);
      expect(await page.getByTestId('live-state').getAttribute('data-state')).toBe('stopped');
      expect(await frames(page)).toBe(0);
      expect(stream('back').viewers).toBe(0);
    } finally {
      await page.context().close();
    }
  });

  it('says when the stream is full, with the service hint', async () => {
    const first = await open('#/cameras/front');
    const second = await open('#/cameras/front', { width: 390, height: 844 });
    try {
      await first.getByTestId('live-toggle').click();
      await expect.poll(() => frames(first), SLOW).toBeGreaterThanOrEqual(1);
      await second.getByTestId('live-toggle').click();
      await expect.poll(() => second.getByTestId('live-state').getAttribute('data-state'), SLOW).toBe('failed');
      expect(await second.getByTestId('lv-error-code').textContent()).toBe('E_STREAM_FULL');
      expect((await second.getByTestId('lv-error-hint').textContent())?.length).toBeGreaterThan(10);
      expect(stream('front').viewers).toBe(1);
      // The first viewer stops: the stream ends and the second can have it.
      await first.getByTestId('live-toggle').click();
      await expect.poll(() => stream('front').viewers, SLOW).toBe(0);
      await second.getByTestId('live-toggle').click();
      await expect.poll(() => frames(second), SLOW).toBeGreaterThanOrEqual(1);
      expect(await second.getByTestId('lv-error').isHidden()).toBe(true);
    } finally {
      await first.context().close();
      await second.context().close();
    }
    await expect.poll(() => stream('front').viewers, SLOW).toBe(0);
  });
});

describe('the settings panel', () => {
  it('offers the settings protocol 2 defines, as the service hands them over, with their ranges and frame sizes', async () => {
    const page = await open('#/cameras/front');
    try {
      await openSettings(page);
      // A field for each setting, in protocol 2's order, then the host's flash mode.
      const shown = await page.locator('#st-form [data-setting]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.setting));
      expect(shown).toEqual([...v2.SETTING_NAMES, 'flash']);
      // The controls that fit: a select of every frame size, a slider over quality's range, steps, switches.
      const sizes = await page.getByTestId('setting-framesize').locator('option:not([data-unknown])').allTextContents();
      expect(sizes).toEqual(v2.FRAME_SIZES.map((f, i) => `${f.name} (${f.width}×${f.height})${v2.frameSizeNeedsPsram(i) ? ', needs PSRAM' : ''}`));
      expect(sizes[8]).toBe('VGA (640×480)');
      expect(sizes[9]).toBe('SVGA (800×600), needs PSRAM');
      const quality = page.getByTestId('setting-quality');
      expect(await quality.getAttribute('type')).toBe('range');
      expect([await quality.getAttribute('min'), await quality.getAttribute('max')]).toEqual(['10', '63']);
      expect(await page.getByTestId('setting-brightness').getByRole('radio').count()).toBe(5);
      expect(await page.getByTestId('setting-vflip').getAttribute('role')).toBe('switch');
      expect(await page.getByTestId('setting-special_effect').locator('option:not([data-unknown])').allTextContents()).toEqual([
        'None',
        'Negative',
        'Grayscale',
        'Red tint',
        'Green tint',
        'Blue tint',
        'Sepia',
      ]);
      expect(await page.getByTestId('setting-wb_mode').locator('option:not([data-unknown])').allTextContents()).toEqual([...v2.SETTING_LABELS.wb_mode]);
    } finally {
      await page.context().close();
    }
  });

  it('applies a change at once, shows it applied, and the live view and the next photo have the new size', async () => {
    const page = await open('#/cameras/front');
    const other = await open('#/cameras/front', { width: 390, height: 844 });
    try {
      await openSettings(page);
      await expect.poll(() => page.getByTestId('settings-state').getAttribute('data-state'), SLOW).toBe('default');
      await page.getByTestId('live-toggle').click();
      await expect.poll(() => frames(page), SLOW).toBeGreaterThanOrEqual(1);

      await page.getByTestId('setting-framesize').selectOption(String(v2.frameSizeNumber('QQVGA')));
      const field = page.getByTestId('setting-framesize-field');
      await expect.poll(() => field.getAttribute('data-state'), SLOW).toBe('applied');
      expect(await page.getByTestId('setting-framesize-status').textContent()).toBe('Applied');
      expect(await page.getByTestId('settings-state').getAttribute('data-state')).toBe('applied');
      expect(await page.getByTestId('settings-state').textContent()).toMatch(/^Applied /);
      const view = (await (await fetch(`${server.url}/api/cameras/front/settings`)).json()) as { wanted: v2.CameraSettings; applied: v2.CameraSettings };
      expect(view.wanted.framesize).toBe(1);
      expect(view.applied.framesize).toBe(1);
      // The other page got the change through the socket.
      await expect.poll(() => other.getByTestId('setting-framesize').inputValue(), SLOW).toBe('1');
      expect(await other.getByTestId('setting-framesize-field').getAttribute('data-state')).toBe('applied');

      // The stream's frames follow at once.
      await expect.poll(() => page.getByTestId('live-size').textContent(), SLOW).toBe('160×120');

      // A row of steps for brightness; a switch for the mirror.
      await page.getByTestId('setting-brightness--1').check();
      await expect.poll(() => page.getByTestId('setting-brightness-field').getAttribute('data-state'), SLOW).toBe('applied');
      await page.getByTestId('setting-hmirror').check();
      await expect.poll(() => page.getByTestId('setting-hmirror-field').getAttribute('data-state'), SLOW).toBe('applied');
      const after = (await (await fetch(`${server.url}/api/cameras/front/settings`)).json()) as { applied: v2.CameraSettings };
      expect(after.applied).toMatchObject({ framesize: 1, brightness: -1, hmirror: 1 });
      await page.screenshot({ path: join(SHOTS, 'settings-applied.png'), fullPage: true });

      // The stream's own captures do not hold the Capture button: a still shares the stream's next frame.
      expect(await page.getByTestId('capture-button').isEnabled()).toBe(true);
      await page.getByTestId('capture-button').click();
      await expect.poll(() => page.locator('#latest-dims').textContent(), SLOW).toBe('160×120');
      expect(await page.getByTestId('live-state').getAttribute('data-state')).toBe('live');
      await page.getByTestId('live-toggle').click();
      await expect.poll(() => stream('front').viewers, SLOW).toBe(0);
      const id = await page.getByTestId('latest-photo').getAttribute('data-id');
      const record = (await (await fetch(`${server.url}/api/photos/${id}`)).json()) as PhotoRecord;
      expect([record.width, record.height]).toEqual([160, 120]);
      const jpeg = Buffer.from(await (await fetch(`${server.url}/api/photos/${id}/jpeg`)).arrayBuffer());
      const meta = await sharp(jpeg).metadata();
      expect([meta.width, meta.height]).toEqual([160, 120]);
    } finally {
      await page.context().close();
      await other.context().close();
    }
  });

  it('keeps the flash mode, and shows a change the board refuses under its field with the reason and hint', async () => {
    const page = await open('#/cameras/front');
    try {
      await openSettings(page);
      await expect.poll(() => page.getByTestId('settings-state').getAttribute('data-state'), SLOW).toBe('applied');
      // The flash mode is the host's: kept at once, whatever the board.
      await page.getByTestId('setting-flash').selectOption('auto');
      await expect.poll(() => page.getByTestId('setting-flash-field').getAttribute('data-state'), SLOW).toBe('applied');
      const view = (await (await fetch(`${server.url}/api/cameras/front/settings`)).json()) as { flash: string };
      expect(view.flash).toBe('auto');
      expect(await page.getByTestId('setting-flash-error').isHidden()).toBe(true);

      // The board reboots without PSRAM: sizes above VGA need it, and it says so.
      const fault = await fetch(`${server.url}/api/cameras/front/sim-fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'no-psram' }),
      });
      expect(fault.status).toBeLessThan(300);
      await expect.poll(async () => (await fetch(`${server.url}/api/cameras/front/ping`, { method: 'POST' })).status, SLOW).toBe(200);
      await page.getByTestId('setting-framesize').selectOption(String(v2.frameSizeNumber('SVGA')));
      const field = page.getByTestId('setting-framesize-field');
      await expect.poll(() => field.getAttribute('data-state'), SLOW).toBe('error');
      const error = page.getByTestId('setting-framesize-error');
      expect(await error.isVisible()).toBe(true);
      expect(await error.textContent()).toMatch(/PSRAM/);
      expect(await error.textContent()).toMatch(/E_BAD_INPUT/);
      expect(await page.getByTestId('setting-framesize-status').textContent()).toBe('Not applied: it stays QQVGA');
      // The control shows what is still wanted, not the refused size.
      expect(await page.getByTestId('setting-framesize').inputValue()).toBe('1');
      const after = (await (await fetch(`${server.url}/api/cameras/front/settings`)).json()) as { wanted: v2.CameraSettings };
      expect(after.wanted.framesize).toBe(1);
      await page.screenshot({ path: join(SHOTS, 'settings-refused.png'), fullPage: true });

      // The next change of that field clears its error.
      await page.getByTestId('setting-framesize').selectOption(String(v2.frameSizeNumber('QVGA')));
      await expect.poll(() => field.getAttribute('data-state'), SLOW).toBe('applied');
      expect(await error.isHidden()).toBe(true);
    } finally {
      await page.context().close();
    }
  });

  it('a board whose script cannot take settings shows why and the push hint, its controls disabled', async () => {
    const page = await open('#/cameras/back');
    try {
      await openSettings(page);
      // Nothing was asked of this board yet: the first change finds out, and is refused with the reason.
      // A refused change puts the control back, so this is a click, not a check that expects it to stay.
      await page.getByTestId('setting-contrast-1').click();
      await expect.poll(() => page.getByTestId('settings-state').getAttribute('data-state'), SLOW).toBe('unsupported');
      expect(await page.getByTestId('setting-contrast-error').isVisible()).toBe(true);
      expect(await page.getByTestId('settings-unsupported').isVisible()).toBe(true);
      expect(await page.getByTestId('settings-unsupported').textContent()).toMatch(/esp32cam push/);
      expect(await page.getByTestId('setting-framesize').isDisabled()).toBe(true);
      expect(await page.getByTestId('setting-quality').isDisabled()).toBe(true);
      expect(await page.getByTestId('setting-contrast-1').isDisabled()).toBe(true);
      expect(await page.getByTestId('setting-vflip').isDisabled()).toBe(true);
      // Nothing was kept, and the board goes on taking photos.
      const view = (await (await fetch(`${server.url}/api/cameras/back/settings`)).json()) as { wanted: object; supported: boolean };
      expect(view).toMatchObject({ wanted: {}, supported: false });
      await page.screenshot({ path: join(SHOTS, 'settings-legacy.png'), fullPage: true });
      // A page opened later shows it at once.
      const later = await open('#/cameras/back', { width: 390, height: 844 });
      try {
        await expect.poll(() => later.getByTestId('settings-state').getAttribute('data-state'), SLOW).toBe('unsupported');
        expect(await later.getByTestId('setting-wb_mode').isDisabled()).toBe(true);
      } finally {
        await later.context().close();
      }
    } finally {
      await page.context().close();
    }
  });
});

describe('the export form, with ffmpeg on the Pi', () => {
  it('offers the MP4 at the frames per second chosen', async () => {
    const made = await fetch(`${server.url}/api/cameras/front/capture`, { method: 'POST' });
    expect(made.status).toBe(201);
    const page = await open('#/cameras/front');
    try {
      await page.getByTestId('export-toggle').click();
      const preview = page.getByTestId('export-preview');
      await expect.poll(() => preview.getAttribute('data-state'), SLOW).toBe('ready');
      const count = Number(await preview.getAttribute('data-count'));
      expect(count).toBeGreaterThanOrEqual(2);
      expect(await page.getByTestId('export-mp4-note').isHidden()).toBe(true);
      const mp4 = page.getByTestId('export-mp4');
      expect(await mp4.getAttribute('aria-disabled')).toBeNull();
      expect(await mp4.getAttribute('href')).toMatch(/\/api\/cameras\/front\/export\.mp4\?.*fps=10/);
      await page.getByTestId('export-fps').fill('4');
      await expect.poll(() => mp4.getAttribute('href'), SLOW).toMatch(/fps=4$/);
      const res = await fetch(new URL((await mp4.getAttribute('href'))!, server.url));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('video/mp4');
      expect(res.headers.get('x-export-frames')).toBe(String(count));
      const video = Buffer.from(await res.arrayBuffer());
      // An MP4 starts with its ftyp box.
      expect(video.subarray(4, 8).toString('latin1')).toBe('ftyp');
    } finally {
      await page.context().close();
    }
  });
});

describe('the live view behind the token', () => {
  it('streams with the cookie the ?token= link set, as every other call of the page does', async () => {
    const tokenDir = await mkdtemp(join(tmpdir(), 'esp32cam-web-live-token-'));
    const guarded = await startServer({ host: '0.0.0.0', port: 0, dataDir: tokenDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
    const base = `http://127.0.0.1:${guarded.port}`;
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      // Without the token the stream is refused, so frames on the page prove the cookie went with the fetch.
      expect((await fetch(`${base}/api/cameras/cam/stream`)).status).toBe(401);
      const page = await ctx.newPage();
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.goto(`${base}/?token=${guarded.token}`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.getByTestId('live-toggle').click();
      await expect.poll(() => frames(page), SLOW).toBeGreaterThanOrEqual(2);
      expect(await page.getByTestId('lv-error').isHidden()).toBe(true);
      await page.getByTestId('live-toggle').click();
      await expect.poll(() => guarded.services.streams.of('cam').viewers, SLOW).toBe(0);
    } finally {
      await ctx.close();
      await guarded.close();
      await rm(tokenDir, { recursive: true, force: true });
    }
  });
});

describe('the page', () => {
  it('ran without a page error or a CSP violation', () => {
    expect(pageErrors).toEqual([]);
    expect(violations).toEqual([]);
  });
});
