import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { until } from '../helpers/until.js';
import { getSettings, photoSize, putSettings, VGA } from './helpers.js';

/** The wanted settings outlive the service: a restart on the same data dir applies them at first contact. */
describe('camera settings across restarts', () => {
  let dataDir: string;
  let server: RunningServer | undefined;
  const start = (): Promise<RunningServer> =>
    startServer({ port: 0, host: '127.0.0.1', dataDir, camera: 'sim', health: { keepAliveMs: 300 } }, { log: () => undefined });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-settings-persist-'));
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps them in dataDir/settings/cam.json, and a new service (on a new board) applies them at first contact', async () => {
    server = await start();
    expect((await putSettings(server, 'cam', { framesize: VGA, hmirror: 1 })).status).toBe(200);
    await server.close();
    server = undefined;
    const saved = JSON.parse(await readFile(join(dataDir, 'settings', 'cam.json'), 'utf8')) as { wanted: unknown };
    expect(saved.wanted).toEqual({ framesize: VGA, hmirror: 1 });

    // Each start boots a new simulated board, which holds only its script's defaults.
    server = await start();
    const applied = await until(async () => {
      const s = await getSettings(server!, 'cam');
      return s.applied !== null && s.lastError === null ? s : undefined;
    }, 'the saved settings applied at first contact');
    expect(applied.wanted).toEqual({ framesize: VGA, hmirror: 1 });
    expect(applied.applied).toMatchObject({ framesize: VGA, hmirror: 1 });
    expect(await photoSize(server, 'cam')).toEqual({ width: 640, height: 480 });
  });

  it('sets a damaged settings file aside and starts with none', async () => {
    await mkdir(join(dataDir, 'settings'), { recursive: true });
    await writeFile(join(dataDir, 'settings', 'cam.json'), '{"version": 1, "camera": "cam", "wanted": {"quality": 500}');
    server = await start();
    expect(await getSettings(server, 'cam')).toMatchObject({ wanted: {}, applied: null });
    expect((await readdir(join(dataDir, 'settings'))).some((f) => f.startsWith('cam.json.damaged-'))).toBe(true);
    expect(await photoSize(server, 'cam')).toEqual({ width: 320, height: 240 });
  });

  it('sets aside a file whose values are out of range, which no board would take', async () => {
    await writeFile(
      join(dataDir, 'settings', 'cam.json'),
      JSON.stringify({ version: 1, camera: 'cam', wanted: { quality: 500 }, applied: null, appliedAt: null, supported: null, lastError: null }),
    );
    const asideBefore = (await readdir(join(dataDir, 'settings'))).filter((f) => f.startsWith('cam.json.damaged-')).length;
    server = await start();
    expect(await getSettings(server, 'cam')).toMatchObject({ wanted: {} });
    expect((await readdir(join(dataDir, 'settings'))).filter((f) => f.startsWith('cam.json.damaged-')).length).toBe(asideBefore + 1);
  });
});
