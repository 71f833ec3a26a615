import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PROMTOOL } from './exposition.js';

const root = join(import.meta.dirname, '..', '..');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'esp32cam-scrape-config-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The README's scrape config is one Prometheus accepts: `promtool check config`, its token file pointed at a real file. */
it.skipIf(!PROMTOOL && !process.env.CI)(
  PROMTOOL || process.env.CI ? "the README's scrape config passes promtool check config" : "the README's scrape config (skipped: promtool is not installed)",
  async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const section = /^### Metrics\n([\s\S]*?)^## /m.exec(readme)?.[1];
    expect(section, 'the README has a "### Metrics" section').toBeDefined();
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section!)?.[1];
    expect(yaml, 'with a yaml block').toBeDefined();
    expect(yaml).toMatch(/credentials_file: \/etc\/prometheus\/esp32cam\.token/);
    const tokenFile = join(work, 'esp32cam.token');
    await writeFile(tokenFile, 'a-token\n', { mode: 0o600 });
    const config = join(work, 'prometheus.yml');
    await writeFile(config, yaml!.replace('/etc/prometheus/esp32cam.token', tokenFile));
    const run = spawnSync(PROMTOOL ?? 'promtool', ['check', 'config', config], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status).toBe(0);
  },
);
