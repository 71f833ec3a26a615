/** The page shows the MQTT connection in its status, read in a real Chromium: connected, then the broker gone. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { launchChromium } from '../web/chromium.js';
import { startBroker, type Broker } from './broker.js';

describe('the MQTT connection on the page', () => {
  let broker: Broker;
  let srv: RunningServer;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-mqtt-page-'));
    broker = await startBroker();
    srv = await startServer({ port: 0, dataDir, camera: 'sim', mqtt: { url: broker.url, hostId: 'pagehost' } }, { healthIntervalMs: 0, log: () => undefined });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    await broker?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function mqttRow(): Promise<{ page: Page; text: string; state: string | null }> {
    const page = await browser.newPage();
    await page.goto(srv.url);
    await page.waitForSelector('body[data-ready="true"]');
    const row = page.locator('#status-mqtt');
    await row.waitFor();
    return { page, text: (await row.textContent()) ?? '', state: await row.getAttribute('data-state') };
  }

  it('says where it is connected, and that it retries once the broker is gone', async () => {
    await expect.poll(() => srv.services.mqtt.status(), { timeout: 30_000 }).toMatchObject({ state: 'connected' });
    const connected = await mqttRow();
    expect(connected.text).toBe(`Connected to ${broker.url} as pagehost`);
    expect(connected.state).toBe('connected');
    // The row comes right after the service's uptime, under its own label.
    expect(await connected.page.locator('#status-uptime + dt').textContent()).toBe('MQTT');
    await connected.page.close();

    await broker.stop();
    await expect.poll(() => srv.services.mqtt.status(), { timeout: 30_000 }).toMatchObject({ state: 'reconnecting' });
    const gone = await mqttRow();
    expect(gone.state).toBe('reconnecting');
    expect(gone.text).toMatch(new RegExp(`^Not connected to ${broker.url.replace(/[.]/g, '\\.')}: .+; retrying$`));
    await gone.page.close();
  }, 90_000);
});
