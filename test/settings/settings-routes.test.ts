import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { packageRoot } from '../../host/src/paths.js';
import type { HealthEvent } from '../../host/src/services/health/camera-health.js';
import { v2 } from '../../protocol/src/index.js';
import { until } from '../helpers/until.js';
import { rawRequest } from '../security/raw-http.js';
import { getSettings, photoSize, putSettings, VGA, type SettingsJson } from './helpers.js';

/**
 * A camera's settings through the HTTP API, on simulated boards running the real scripts: "cam" runs the
 * project's slave script (protocol 2), "old" a legacy slave. The keep-alive runs, so a reboot is seen.
 */
describe('camera settings over HTTP', () => {
  let server: RunningServer;
  let dataDir: string;
  let socket: Socket;
  const pushed: SettingsJson[] = [];
  const healthEvents: Array<HealthEvent & { camera: string }> = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-settings-'));
    server = await startServer(
      {
        port: 0,
        host: '127.0.0.1',
        dataDir,
        cameras: [
          { name: 'cam', camera: 'sim' },
          { name: 'old', camera: 'sim:2', sim: { script: join(packageRoot(), 'test', 'fixtures', 'legacy_slave.py') } },
        ],
        health: { keepAliveMs: 300 },
      },
      { log: () => undefined },
    );
    server.services.health.on('event', (e) => healthEvents.push(e));
    socket = connect(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
    socket.on('camera:settings', (view: SettingsJson) => pushed.push(view));
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts with nothing wanted, and the board takes photos at its own frame size', async () => {
    expect(await getSettings(server, 'cam')).toMatchObject({ camera: 'cam', wanted: {}, applied: null, appliedAt: null });
    expect(await photoSize(server, 'cam')).toEqual({ width: 320, height: 240 });
  });

  it('applies VGA and a quality: GET shows them applied, the page hears of it, and the next photos are 640x480', async () => {
    const put = await putSettings(server, 'cam', { framesize: VGA, quality: 20 });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ camera: 'cam', wanted: { framesize: VGA, quality: 20 }, supported: true, lastError: null });
    expect(put.json.applied).toMatchObject({ framesize: VGA, quality: 20 });
    const got = await getSettings(server, 'cam');
    expect(got).toEqual(put.json);
    expect(Date.parse(got.appliedAt!)).toBeGreaterThan(0);
    await until(() => (pushed.some((v) => v.camera === 'cam' && v.applied?.framesize === VGA) ? true : undefined), 'camera:settings with VGA applied');
    expect(await photoSize(server, 'cam')).toEqual({ width: 640, height: 480 });
  });

  it('keeps what was wanted before when a later PUT changes one setting', async () => {
    const put = await putSettings(server, 'cam', { brightness: 1 });
    expect(put.status).toBe(200);
    expect(put.json.wanted).toEqual({ framesize: VGA, quality: 20, brightness: 1 });
    expect(put.json.applied).toMatchObject({ framesize: VGA, quality: 20, brightness: 1 });
  });

  it.each([
    ['a value out of range', { quality: 5 }, ['quality', '10', '63']],
    ['a frame size past UXGA', { framesize: 14 }, ['framesize', '0', '13']],
    ['a fraction', { brightness: 0.5 }, ['brightness', '-2', '2']],
    ['a number as a string', { quality: '20' }, ['quality', 'number']],
    ['an unknown setting', { sharpness: 1 }, ['sharpness', 'framesize', 'wb_mode']],
    ['no setting at all', {}, ['framesize']],
    ['a list instead of an object', [8], ['framesize']],
  ])('answers %s with 400 E_BAD_INPUT naming the setting and what it takes, and changes nothing', async (_name, body, words) => {
    const before = await getSettings(server, 'cam');
    const res = await putSettings(server, 'cam', body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('E_BAD_INPUT');
    for (const word of words) expect(`${res.json.error.message} ${res.json.error.hint}`).toContain(word);
    expect(await getSettings(server, 'cam')).toEqual(before);
  });

  it("hands the page protocol 2's settings table, which it may keep and revalidate", async () => {
    const res = await fetch(`${server.url}/api/settings/spec`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    const spec = (await res.json()) as {
      settings: Array<{ name: string; min: number; max: number; labels?: string[] }>;
      frameSizes: Array<{ value: number; name: string; width: number; height: number; needsPsram: boolean }>;
    };
    expect(spec.settings.map((s) => [s.name, s.min, s.max])).toEqual(v2.SETTING_NAMES.map((n) => [n, v2.SETTINGS[n].min, v2.SETTINGS[n].max]));
    expect(spec.settings.find((s) => s.name === 'special_effect')!.labels).toEqual([...v2.SETTING_LABELS.special_effect]);
    expect(spec.settings.find((s) => s.name === 'wb_mode')!.labels).toEqual(['Auto', 'Sunny', 'Cloudy', 'Office', 'Home']);
    expect(spec.settings.find((s) => s.name === 'quality')!.labels).toBeUndefined();
    expect(spec.frameSizes).toHaveLength(v2.FRAME_SIZES.length);
    expect(spec.frameSizes[VGA]).toEqual({ value: VGA, name: 'VGA', width: 640, height: 480, needsPsram: false });
    expect(spec.frameSizes[VGA + 1]).toEqual({ value: VGA + 1, name: 'SVGA', width: 800, height: 600, needsPsram: true });
    // An unchanged table costs a 304 on the page's next load. (Node's fetch would add no-cache to a
    // conditional request, which asks for the body again; a browser revalidating its cache does not.)
    const again = await rawRequest(server.port, { path: '/api/settings/spec', headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers an unknown camera with 404', async () => {
    expect((await putSettings(server, 'nope', { quality: 20 })).status).toBe(404);
    expect((await fetch(`${server.url}/api/cameras/nope/settings`)).status).toBe(404);
  });

  it('applies the wanted settings again after the board reboots, which forgot them', async () => {
    const before = await getSettings(server, 'cam');
    const rebootsBefore = healthEvents.filter((e) => e.camera === 'cam' && e.type === 'reboot').length;
    const res = await fetch(`${server.url}/api/cameras/cam/sim-fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ kind: 'reboot', cause: 'power' }),
    });
    expect(res.status).toBe(200);
    const reboot = await until(() => healthEvents.filter((e) => e.camera === 'cam' && e.type === 'reboot')[rebootsBefore], 'the reboot event');
    const after = await until(async () => {
      const s = await getSettings(server, 'cam');
      return s.appliedAt !== null && Date.parse(s.appliedAt) >= reboot.at ? s : undefined;
    }, 'the settings applied again after the reboot');
    expect(Date.parse(after.appliedAt!)).toBeGreaterThan(Date.parse(before.appliedAt!));
    expect(after.applied).toMatchObject({ framesize: VGA, quality: 20, brightness: 1 });
    expect(pushed.some((v) => v.camera === 'cam' && v.applied === null)).toBe(true);
    expect(await photoSize(server, 'cam')).toEqual({ width: 640, height: 480 });
  });

  it('refuses settings on a legacy board with E_UNSUPPORTED and the push hint, keeps nothing, and the board still takes photos', async () => {
    const res = await putSettings(server, 'old', { framesize: VGA });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ code: 'E_UNSUPPORTED', hint: expect.stringContaining('esp32cam push') });
    expect(await getSettings(server, 'old')).toMatchObject({ wanted: {}, applied: null, supported: false });
    const photo = await fetch(`${server.url}/capture?camera=old`);
    expect(photo.status).toBe(200);
    expect(Buffer.from(await photo.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(res.json.error.message).not.toMatch(/at .*\.ts:\d+/);
  });
});
