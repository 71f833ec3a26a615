import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { loadConfig } from '../../host/src/config/index.js';
import { meanLuma } from './helpers.js';

/**
 * The simulated scene's light is a config setting, so a user of `npm start` can try the flash LED: a camera
 * set to dusk takes dark photos, and lit ones with the flash.
 */
let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-sim-light-'));
  server = await startServer(
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      sim: { ambientLight: 1 },
      cameras: [
        { name: 'day', camera: 'sim' },
        { name: 'dusk', camera: 'sim:2', sim: { ambientLight: 0.1 } },
      ],
    },
    { healthIntervalMs: 0, log: () => undefined },
  );
});

afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function still(camera: string, flash: string): Promise<number> {
  const res = await fetch(`${server.url}/capture?camera=${camera}&flash=${flash}`);
  expect(res.status).toBe(200);
  return meanLuma(Buffer.from(await res.arrayBuffer()));
}

it('a camera set to dusk takes dark photos, lit ones with the flash; the config-wide light is the default', async () => {
  const day = await still('day', 'off');
  const dusk = await still('dusk', 'off');
  const duskLit = await still('dusk', 'on');
  expect(dusk).toBeLessThan(day / 3);
  expect(duskLit).toBeGreaterThan(dusk * 3);
  expect(server.hardware.boards.get('dusk')!.info().ambientLight).toBe(0.1);
});

it('a light level outside 0..1 is refused naming the key and the range', async () => {
  await expect(loadConfig({ env: {}, flags: { camera: 'sim', sim: { ambientLight: 2 } } })).rejects.toMatchObject({
    code: 'E_CONFIG',
    message: expect.stringContaining('ambientLight'),
    hint: expect.stringContaining('from 0 (night) to 1'),
  });
});
