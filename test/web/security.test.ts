import { createServer, type Server as HttpServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { newToken, writeTokenFile } from '../../host/src/services/auth/index.js';
import { launchChromium } from './chromium.js';

/**
 * The doors in a real Chromium: the printed ?token= URL signs the page in and leaves the address bar; the
 * page runs under the CSP with no violation, console and panels included; a rotated token sends the page
 * back to sign in; and a page on another origin cannot make the browser act on a loopback service.
 */

interface Watched {
  page: Page;
  violations: string[];
  errors: string[];
}

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** A page that records every CSP violation (the DOM event and the console report) from its first script on. */
async function watchedPage(): Promise<Watched> {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  const violations: string[] = [];
  const errors: string[] = [];
  await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportViolation(t: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  return { page, violations, errors };
}

describe('the page with a token (bound off loopback)', () => {
  let server: RunningServer;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-web-token-'));
    server = await startServer({ host: '0.0.0.0', port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
    base = `http://127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('opens from the printed ?token= URL, shows the gallery, takes a photo, drops the token from the address bar, under the CSP', async () => {
    const { page, violations, errors } = await watchedPage();
    await page.goto(`${base}/?token=${server.token}`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(page.url()).toBe(`${base}/`);
    expect(await page.evaluate(() => window.location.search)).toBe('');
    // HttpOnly: the page's own scripts cannot read the token.
    expect(await page.evaluate(() => document.cookie)).not.toContain('esp32cam_token');
    await page.waitForFunction(() => document.getElementById('connection')?.dataset.state === 'live');
    expect(await page.locator('#gallery-heading').isVisible()).toBe(true);
    expect(await page.locator('#gallery-empty').isVisible()).toBe(true);

    await page.getByTestId('capture-button').click();
    await page.waitForSelector('[data-testid="gallery-item"] img', { timeout: 45_000 });
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('[data-testid="gallery-item"] img')).every((img) => (img as HTMLImageElement).naturalWidth > 0),
    );
    expect(server.services.store.list({ limit: 10 }).items).toHaveLength(1);

    // Every panel, the xterm.js console included, renders under the same policy.
    await page.getByTestId('fw-toggle').click();
    await page.getByTestId('sc-toggle').click();
    await page.getByTestId('con-toggle').click();
    await page.waitForSelector('[data-testid="con-port"] option[data-simulated="true"]', { state: 'attached' });
    await page.getByTestId('con-connect').click();
    await page.waitForSelector('[data-testid="console-panel"][data-state="open"]');
    await page.locator('[data-testid="con-term"] .xterm-rows').waitFor();
    await page.getByTestId('con-connect').click();
    await page.waitForSelector('[data-testid="console-panel"][data-state="closed"]');

    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('shows the sign-in page without the token, and signs in with the token typed there', async () => {
    const { page, violations } = await watchedPage();
    const res = await page.goto(`${base}/`);
    expect(res?.status()).toBe(401);
    await page.getByTestId('signin').waitFor();
    await page.locator('#token').fill(server.token!);
    await page.locator('form button[type="submit"]').click();
    await page.waitForSelector('body[data-ready="true"]');
    expect(page.url()).toBe(`${base}/`);
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it('sends an open page back to sign in when the token is rotated', async () => {
    const { page } = await watchedPage();
    await page.goto(`${base}/?token=${server.token}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForFunction(() => document.getElementById('connection')?.dataset.state === 'live');
    await writeTokenFile(dataDir, newToken());
    await page.getByTestId('signin').waitFor({ timeout: 30_000 });
    await page.context().close();
  });
});

describe('a page on another origin against the service on loopback (no token)', () => {
  let server: RunningServer;
  let dataDir: string;
  let evil: HttpServer;
  let evilUrl: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-web-csrf-'));
    server = await startServer({ port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
    const made = await fetch(`${server.url}/api/capture`, { method: 'POST' });
    expect(made.status).toBe(201);
    // The attacker's page: another origin (localhost, not 127.0.0.1), as a page open in another tab would be.
    evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>cute cats</title><iframe name="sink"></iframe>');
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const address = evil.address();
    evilUrl = `http://localhost:${typeof address === 'object' && address ? address.port : 0}/`;
  });

  afterAll(async () => {
    await server?.close();
    await new Promise((resolve) => evil?.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('cannot capture, delete, switch the LED, flash, push or reach the console through the browser', async () => {
    const target = server.url;
    const photoId = server.services.store.list({ limit: 1 }).items[0]!.id;
    const state = () => ({
      frames: server.sim!.info().frames,
      flashLed: server.sim!.info().flashLed,
      photos: server.services.store.list({ limit: 100 }).items.map((p) => p.id),
      jobs: server.services.flashJobs.list().length + server.services.pushJobs.list().length,
      console: server.services.consoles.isOpen('sim:cam'),
    });
    let boardInput = 0;
    server.sim!.serial.on('uart-in', (bytes: Uint8Array) => void (boardInput += bytes.length));
    const before = state();

    const { page } = await watchedPage();
    await page.goto(evilUrl);
    const outcome = await page.evaluate(
      async ({ target, photoId }) => {
        const tries: Record<string, string> = {};
        const attempt = async (name: string, url: string, init: RequestInit): Promise<void> => {
          try {
            const res = await fetch(url, { ...init, mode: 'no-cors' });
            tries[name] = `opaque ${res.type}`;
          } catch (err) {
            tries[name] = `failed ${String(err)}`;
          }
        };
        await attempt('capture', `${target}/api/capture`, { method: 'POST' });
        await attempt('delete', `${target}/api/photos/${photoId}`, { method: 'DELETE' });
        await attempt('led', `${target}/api/flash`, { method: 'POST', body: '{"on": true}' });
        await attempt('flash', `${target}/api/firmware?port=sim:cam`, { method: 'POST', body: new Uint8Array(4096).fill(0xe9) });
        await attempt('push', `${target}/api/scripts/push?name=main.py`, { method: 'POST', body: 'import machine\nmachine.reset()\n' });
        // A form post in a hidden frame, text/plain: the classic CSRF.
        await new Promise<void>((resolve) => {
          const form = document.createElement('form');
          form.method = 'POST';
          form.enctype = 'text/plain';
          form.action = `${target}/api/scripts/push?name=evil.py`;
          form.target = 'sink';
          const input = document.createElement('input');
          input.name = 'print(6*7)\n#';
          input.value = '';
          form.append(input);
          document.body.append(form);
          document.querySelector('iframe')!.addEventListener('load', () => resolve(), { once: true });
          form.submit();
        });
        // An <img> still URL on the attacker's page would take a photo and store it.
        await new Promise<void>((resolve) => {
          const img = new Image();
          img.onload = img.onerror = () => resolve();
          img.src = `${target}/capture?store=1`;
        });
        // A WebSocket to socket.io, then the console.
        tries.socket = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`${target.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
          ws.onopen = () => {
            ws.send('40');
            ws.send('42["console:join",{}]');
            ws.send('42["console:input","print(6*7)\\r"]');
            resolve('opened');
          };
          ws.onerror = () => resolve('refused');
        });
        return tries;
      },
      { target, photoId },
    );

    expect(outcome.socket).toBe('refused');
    expect(state()).toEqual(before);
    expect(boardInput).toBe(0);
    await page.context().close();
  });
});
