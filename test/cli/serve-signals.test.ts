/** `esp32cam serve` stops cleanly on SIGTERM at any moment: while it starts, and the instant it serves. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli } from '../cli-device/cli-run.js';

let work: string | undefined;
afterEach(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  work = undefined;
});

function exited(child: ReturnType<typeof spawnCli>): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('serve and signals', () => {
  it('stops cleanly on a SIGTERM sent the moment it says it serves', async () => {
    work = await mkdtemp(join(tmpdir(), 'esp32cam-serve-sig-'));
    for (let i = 0; i < 3; i++) {
      const child = spawnCli(['serve', '--camera', 'sim', '--port', '0', '--data-dir', join(work, `d${i}`)], work);
      let out = '';
      const done = exited(child);
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('esp32cam: serving')) resolve();
        });
      });
      child.kill('SIGTERM');
      const end = await done;
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      expect(end).toEqual({ code: 0, signal: null });
      expect(out).toContain('esp32cam: stopping');
    }
  });

  it('stops cleanly on a SIGTERM that arrives while it is still starting', async () => {
    work = await mkdtemp(join(tmpdir(), 'esp32cam-serve-sig-'));
    const dataDir = join(work, 'data');
    const child = spawnCli(['serve', '--camera', 'sim', '--port', '0', '--data-dir', dataDir], work);
    const done = exited(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // The photo store's folder is made first, then the simulated board boots (a second or more) before the
    // service serves: a SIGTERM sent once the folder is there lands in the start-up.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(dataDir, 'photos'))) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    const servingAtKill = out.includes('esp32cam: serving');
    child.kill('SIGTERM');
    expect(await done).toEqual({ code: 0, signal: null });
    expect(servingAtKill).toBe(false);
    // It finished opening what it had begun, closed it all, and never announced that it serves.
    expect(out).not.toContain('esp32cam: serving');
    expect(out).toContain('esp32cam: stopping');
  });
});
