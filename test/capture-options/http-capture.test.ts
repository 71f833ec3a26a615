import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import type { SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import { sleep } from '../sim/helpers.js';
import { until } from '../helpers/until.js';
import { exposure, FIELD_SCRIPT, flashLedChanges, meanLuma, type PinChange } from './helpers.js';

/**
 * flash and fresh through the HTTP API, on a service with two simulated boards running real scripts: "cam"
 * runs the project's slave script (the board lights and discards), "old" the field's legacy slave (the host
 * does both with its ASCII commands).
 */
describe('capture options over HTTP', () => {
  let server: RunningServer;
  let dataDir: string;
  const led = new Map<string, PinChange[]>();
  const board = (name: string): SimulatedEsp32Cam => server.hardware.boards.get(name)!;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-capture-options-'));
    server = await startServer(
      {
        port: 0,
        host: '127.0.0.1',
        dataDir,
        cameras: [
          { name: 'cam', camera: 'sim' },
          { name: 'old', camera: 'sim:2', sim: { script: FIELD_SCRIPT } },
        ],
      },
      { healthIntervalMs: 0, log: () => undefined },
    );
    for (const name of ['cam', 'old']) led.set(name, flashLedChanges(board(name)));
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const url = (path: string) => new URL(path, server.url);
  /** A POST as the page sends it: same origin, JSON when there is a body. */
  async function post(path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { origin: server.url };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(url(path), { method: 'POST', headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  }
  /** Takes and stores a photo; answers its JPEG. */
  async function stored(camera: string, body?: unknown): Promise<Buffer> {
    const res = await post(`/api/cameras/${camera}/capture`, body);
    expect(res.status, await res.clone().text()).toBe(201);
    const record = (await res.json()) as { urls: { jpeg: string } };
    return Buffer.from(await (await fetch(url(record.urls.jpeg))).arrayBuffer());
  }
  async function still(query: string): Promise<{ jpeg: Buffer; flash: string | null }> {
    const res = await fetch(url(`/capture?${query}`));
    expect(res.status, res.ok ? '' : await res.clone().text()).toBe(200);
    return { jpeg: Buffer.from(await res.arrayBuffer()), flash: res.headers.get('x-flash') };
  }
  async function setFlashMode(camera: string, flash: string): Promise<void> {
    const res = await fetch(url(`/api/cameras/${camera}/settings`), {
      method: 'PUT',
      headers: { origin: server.url, 'content-type': 'application/json' },
      body: JSON.stringify({ flash }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }

  describe.each(['cam', 'old'])('camera %s', (camera) => {
    it('lights a dark scene with {"flash": "on"}: brighter, the LED on 150 ms before the frame and off after', async () => {
      board(camera).setAmbientLight(0.1);
      const dark = await stored(camera, { flash: 'off' });
      const changes = led.get(camera)!;
      const before = changes.length;
      const lit = await stored(camera, { flash: 'on' });
      expect(await meanLuma(lit)).toBeGreaterThan((await meanLuma(dark)) * 4);
      const { exposedAt, flashOnAt } = exposure(lit);
      expect(exposedAt.getTime() - flashOnAt!.getTime()).toBeGreaterThanOrEqual(150);
      expect(exposure(dark).flashOnAt).toBeUndefined();
      expect(changes.slice(before).map((c) => c.value)).toEqual([1, 0]);
      expect(board(camera).info().flashLed).toBe(false);
      board(camera).setAmbientLight(1);
    });

    it('returns the held frame with ?fresh=0 and a new one by default, after a pause', async () => {
      await still(`camera=${camera}`);
      await sleep(1200); // the pause is what is under test: the held frame ages meanwhile
      const askedStale = Date.now();
      const stale = await still(`camera=${camera}&fresh=0`);
      await sleep(1200);
      const askedFresh = Date.now();
      const fresh = await still(`camera=${camera}`);
      expect(exposure(stale.jpeg).exposedAt.getTime()).toBeLessThan(askedStale - 1000);
      expect(exposure(fresh.jpeg).exposedAt.getTime()).toBeGreaterThanOrEqual(askedFresh - 5);
      // The same through the JSON body of a stored photo.
      await sleep(1200);
      const askedStored = Date.now();
      const held = await stored(camera, { fresh: false });
      expect(exposure(held).exposedAt.getTime()).toBeLessThan(askedStored - 1000);
    });

    it('lights a photo that does not choose when the camera is set to flash on, and says so in X-Flash', async () => {
      await setFlashMode(camera, 'on');
      try {
        const lit = await still(`camera=${camera}`);
        expect(lit.flash).toBe('on');
        expect(exposure(lit.jpeg).flashOnAt).toBeInstanceOf(Date);
        // The request's own choice wins over the camera's.
        const plain = await still(`camera=${camera}&flash=off`);
        expect(plain.flash).toBe('off');
        expect(exposure(plain.jpeg).flashOnAt).toBeUndefined();
      } finally {
        await setFlashMode(camera, 'off');
      }
    });
  });

  describe('flash auto', () => {
    it('leaves a bright scene unlit', async () => {
      board('cam').setAmbientLight(1);
      const changes = led.get('cam')!;
      const before = changes.length;
      const photo = await still('camera=cam&flash=auto');
      expect(photo.flash).toBe('off');
      expect(exposure(photo.jpeg).flashOnAt).toBeUndefined();
      expect(changes.length).toBe(before);
    });

    it('retakes a dark scene with the LED, then goes straight to the LED while the scene is known dark', async () => {
      const sim = board('cam');
      sim.setAmbientLight(0.05);
      const first = await still('camera=cam&flash=auto');
      expect(first.flash).toBe('on');
      expect(exposure(first.jpeg).flashOnAt).toBeInstanceOf(Date);
      expect(await meanLuma(first.jpeg)).toBeGreaterThan(40);
      // The second photo: no unlit attempt first. A photo judged without the LED takes two frames (fresh)
      // and a lit one two more; straight to the LED is two in all.
      const frames = sim.info().frames;
      const second = await still('camera=cam&flash=auto');
      expect(second.flash).toBe('on');
      expect(sim.info().frames - frames).toBe(2);
      sim.setAmbientLight(1);
    });

    it('lights a live stream from start to end, not frame by frame, when the camera is set to flash on', async () => {
      await setFlashMode('cam', 'on');
      const changes = led.get('cam')!;
      const before = changes.length;
      const controller = new AbortController();
      try {
        const res = await fetch(url('/stream?camera=cam'), { signal: controller.signal });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        let bytes = 0;
        // Several frames' worth of multipart: the LED stays on all along.
        while (bytes < 60_000) bytes += (await reader.read()).value?.length ?? 0;
        expect(changes.slice(before).map((c) => c.value)).toEqual([1]);
        controller.abort();
      } finally {
        await setFlashMode('cam', 'off');
      }
      await until(() => (changes.length > before + 1 ? true : undefined), 'the LED to go off when the stream ends');
      expect(changes.slice(before).map((c) => c.value)).toEqual([1, 0]);
      expect(board('cam').info().flashLed).toBe(false);
    });
  });

  describe('bad capture options', () => {
    it.each([
      ['an unknown flash mode', { flash: 'blink' }, /flash must be "off", "on" or "auto", not "blink"/],
      ['fresh as a string', { fresh: 'yes' }, /fresh must be true or false, not "yes"/],
      ['an unknown option', { flsh: 'on' }, /Unknown capture option "flsh"/],
      ['a list', [1], /The capture options are a JSON object/],
    ])('POST with %s is 400 E_BAD_INPUT naming the field, and takes no photo', async (_name, body, message) => {
      const frames = board('cam').info().frames;
      const res = await post('/api/cameras/cam/capture', body);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string; hint: string } };
      expect(error.code).toBe('E_BAD_INPUT');
      expect(error.message).toMatch(message);
      expect(error.hint.length).toBeGreaterThan(10);
      expect(board('cam').info().frames).toBe(frames);
    });

    it('is the same for POST /api/capture', async () => {
      const res = await post('/api/capture?camera=cam', { flash: 'strobe' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/flash must be/);
    });

    it.each([
      ['flash=bright', /flash must be "off", "on" or "auto", not "bright"/, /flash LED/],
      ['fresh=maybe', /fresh must be 1 or 0 \(true or false\), not "maybe"/, /\?fresh=0/],
      ['flash=on&flash=off', /flash must be .* not several values/, /flash LED/],
    ])('GET /capture?%s is 400 E_BAD_INPUT naming the field and the fix', async (query, message, hint) => {
      const res = await fetch(url(`/capture?camera=cam&${query}`));
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string; hint: string } };
      expect(error).toMatchObject({ code: 'E_BAD_INPUT' });
      expect(error.message).toMatch(message);
      expect(error.hint).toMatch(hint);
    });
  });
});
