import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { packageRoot } from '../../host/src/paths.js';
import { rawRequest } from '../security/raw-http.js';
import { cwsGet, errorOf, type CwsResponse } from './cws-client.js';

/** The fields this service's /status gives for a camera running the project's slave script, in order. */
const STATUS_FIELDS = ['framesize', 'quality', 'brightness', 'contrast', 'saturation', 'special_effect', 'wb_mode', 'hmirror', 'vflip', 'led_intensity'];

/**
 * A client written for Espressif's CameraWebServer (plain GETs with the token in the URL, as Home Assistant,
 * motionEye or a script sends them) against the real service, bound off loopback so the token is needed,
 * with two simulated boards running real scripts: "cam" the project's slave script, "old" a legacy slave.
 */
describe("CameraWebServer's /status and /control", () => {
  let server: RunningServer;
  let dataDir: string;
  const get = (path: string): Promise<CwsResponse> => cwsGet(server.port, path, server.token);
  const status = async (camera?: string): Promise<Record<string, number>> => {
    const res = await get(camera ? `/status?camera=${camera}` : '/status');
    expect(res.status, res.text).toBe(200);
    return JSON.parse(res.text) as Record<string, number>;
  };
  /** The size of a photo taken now. The camera hands back the frame it held first, so the second one is taken after the change. */
  const photoSize = async (camera: string): Promise<{ width: number; height: number }> => {
    await get(`/capture?camera=${camera}`);
    const res = await get(`/capture?camera=${camera}`);
    expect(res.status).toBe(200);
    const meta = await sharp(res.body).metadata();
    return { width: meta.width!, height: meta.height! };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-cws-'));
    server = await startServer(
      {
        host: '0.0.0.0',
        port: 0,
        dataDir,
        cameras: [
          { name: 'cam', camera: 'sim' },
          { name: 'old', camera: 'sim:2', sim: { script: join(packageRoot(), 'test', 'fixtures', 'legacy_slave.py') } },
          { name: 'small', camera: 'sim:3' },
        ],
      },
      // The keep-alive is off, so only these requests talk to the boards.
      { healthIntervalMs: 0, log: () => undefined },
    );
    expect(server.token).toBeDefined();
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('/status answers JSON with the settings the board holds under CameraWebServer names, the first camera by default', async () => {
    const res = await get('/status');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(res.text) as Record<string, number>;
    expect(Object.keys(body)).toEqual(STATUS_FIELDS);
    // What the slave script starts with (camconfig's QVGA and quality 12, every other setting 0); the LED off.
    expect(body).toEqual({
      framesize: 5,
      quality: 12,
      brightness: 0,
      contrast: 0,
      saturation: 0,
      special_effect: 0,
      wb_mode: 0,
      hmirror: 0,
      vflip: 0,
      led_intensity: 0,
    });
    expect(await status('cam')).toEqual(body);
    // The board was asked: the host now knows what it holds.
    expect(server.services.settings.get('cam')).toMatchObject({ applied: { framesize: 5 }, supported: true, wanted: {} });
  });

  it('/control?var=framesize&val=8 answers 200 with an empty body, /status shows VGA, and the next photos are 640x480', async () => {
    expect(await photoSize('cam')).toEqual({ width: 320, height: 240 });
    const res = await get('/control?var=framesize&val=8');
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect((await status('cam')).framesize).toBe(8);
    expect(await photoSize('cam')).toEqual({ width: 640, height: 480 });
    // Kept as wanted, so it is applied again after a reboot.
    expect(server.services.settings.get('cam').wanted).toEqual({ framesize: 8 });
  });

  it('takes the other settings by their CameraWebServer names, on the camera ?camera= names', async () => {
    for (const [name, value] of [
      ['quality', 20],
      ['brightness', -1],
      ['contrast', 2],
      ['saturation', 1],
      ['vflip', 1],
      ['hmirror', 1],
      ['special_effect', 2],
      ['wb_mode', 3],
    ] as const) {
      const res = await get(`/control?camera=cam&var=${name}&val=${value}`);
      expect(res.status, `${name}: ${res.text}`).toBe(200);
    }
    expect(await status('cam')).toMatchObject({ quality: 20, brightness: -1, contrast: 2, saturation: 1, vflip: 1, hmirror: 1, special_effect: 2, wb_mode: 3 });
    expect(server.services.settings.get('cam').applied).toMatchObject({ vflip: 1, hmirror: 1, special_effect: 2, wb_mode: 3 });
    // A frame size may also be named.
    expect((await get('/control?camera=cam&var=framesize&val=QVGA')).status).toBe(200);
    expect((await status('cam')).framesize).toBe(5);
  });

  it('led_intensity is the flash mode: 0 is off, above 0 on; /status shows 0 or 255, and auto as 255', async () => {
    expect((await get('/control?var=led_intensity&val=128')).status).toBe(200);
    expect(server.services.settings.get('cam').flash).toBe('on');
    expect((await status('cam')).led_intensity).toBe(255);
    expect((await get('/control?var=led_intensity&val=0')).status).toBe(200);
    expect(server.services.settings.get('cam').flash).toBe('off');
    expect((await status('cam')).led_intensity).toBe(0);
    server.services.settings.setFlash('cam', 'auto');
    expect((await status('cam')).led_intensity).toBe(255);
    server.services.settings.setFlash('cam', 'off');
  });

  it.each([
    ['an unknown variable', '/control?var=zoom&val=2', 'Unknown variable "zoom"'],
    ['a CameraWebServer variable freshev cannot set', '/control?var=awb&val=1', 'awb is a CameraWebServer variable this camera cannot set'],
    ['a value that is not a number', '/control?var=quality&val=abc', 'val "abc" is not a whole number'],
    ['a fraction', '/control?var=brightness&val=0.5', 'val "0.5" is not a whole number'],
    ['a value out of range', '/control?var=quality&val=5', 'quality 5 is out of range'],
    ['a frame size past UXGA', '/control?var=framesize&val=14', 'framesize 14 is out of range'],
    ['an LED duty past 255', '/control?var=led_intensity&val=256', 'led_intensity 256 is out of range'],
    ['no val', '/control?var=quality', 'val is missing'],
    ['no var', '/control?val=3', 'var is missing'],
    ['two vars', '/control?var=quality&var=contrast&val=3', 'takes var once'],
  ])('%s is a 400 with the reason, and nothing changes', async (_name, path, reason) => {
    const before = server.services.settings.get('cam');
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('E_BAD_INPUT');
    expect(errorOf(res).message).toContain(reason);
    expect(errorOf(res).hint).toMatch(/framesize 0\.\.13.*quality 10\.\.63.*led_intensity 0\.\.255/);
    expect(server.services.settings.get('cam')).toEqual(before);
  });

  it('says the range of the setting a bad value was for', async () => {
    expect(errorOf(await get('/control?var=brightness&val=3')).hint).toContain('brightness takes a whole number from -2 to 2');
  });

  it('an unknown camera is a 404 naming the cameras', async () => {
    for (const path of ['/status?camera=nope', '/control?camera=nope&var=quality&val=12', '/api/cameras/nope/settings/cws']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(errorOf(res).hint).toContain('cam, old, small');
    }
  });

  it("the project's own route gives the same CameraWebServer view of a named camera", async () => {
    const res = await get('/api/cameras/cam/settings/cws');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual(await status('cam'));
  });

  it('a legacy camera: /status answers with the LED alone, a setting is refused with the push hint, the LED works', async () => {
    expect(await status('old')).toEqual({ led_intensity: 0 });
    expect(server.services.settings.get('old').supported).toBe(false);

    const refused = await get('/control?camera=old&var=framesize&val=8');
    expect(refused.status).toBe(409);
    expect(errorOf(refused)).toMatchObject({ code: 'E_UNSUPPORTED', hint: expect.stringContaining('esp32cam push') });
    expect(server.services.settings.get('old').wanted).toEqual({});

    expect((await get('/control?camera=old&var=led_intensity&val=255')).status).toBe(200);
    expect(await status('old')).toEqual({ led_intensity: 255 });
    // The board still takes photos as before.
    expect((await get('/capture?camera=old')).status).toBe(200);
  });

  it("a frame size the board refuses (above VGA without PSRAM) is a 400 with the board's reason, and the camera keeps its size", async () => {
    const fault = await rawRequest(server.port, {
      method: 'POST',
      path: '/api/cameras/small/sim-fault',
      headers: { authorization: `Bearer ${server.token!}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'no-psram' }),
    });
    expect(fault.status).toBe(200);
    // The fault reboots the board, which answers nothing for a while: ask until it answers at all.
    let res: CwsResponse | undefined;
    const deadline = Date.now() + 30_000;
    do {
      res = await get('/control?camera=small&var=framesize&val=9');
    } while (res.status >= 500 && Date.now() < deadline);
    expect(res.status, res.text).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringContaining('framesize 9 needs PSRAM') });
    expect(server.services.settings.get('small').wanted).toEqual({});
    expect((await status('small')).framesize).toBe(5);
  });

  it('a HEAD of /control changes nothing: 405, GET only, as CameraWebServer registers it', async () => {
    const res = await rawRequest(server.port, { method: 'HEAD', path: `/control?var=led_intensity&val=255&token=${server.token!}` });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    expect(server.services.settings.get('cam').flash).toBe('off');
  });
});
