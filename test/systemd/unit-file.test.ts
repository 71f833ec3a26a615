import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const unitPath = join(root, 'systemd', 'esp32cam.service');
const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

/** systemd's major version, from `systemd-analyze --version` ("systemd 252 (252.38-1~deb12u1)"). */
function systemdVersion(bin: string): number {
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout;
  return Number(/^systemd (\d+)/.exec(out)?.[1] ?? 0);
}

/** Keys the unit uses that systemd older than the version given does not know, and ignores with a warning. */
const NEWER_KEYS: Record<string, number> = { RestartSteps: 254, RestartMaxDelaySec: 254 };

describe.skipIf(!analyze)(analyze ? 'systemd/esp32cam.service' : 'systemd/esp32cam.service (skipped: systemd-analyze is not installed)', () => {
  let work: string;
  let shipped: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'esp32cam-unit-'));
    shipped = await readFile(unitPath, 'utf8');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /**
   * `verify` checks that ExecStart's program exists, and a Pi's /usr/bin/node and /opt/esp32cam-host are not
   * on this machine: so a copy is verified, with the install path pointing at this checkout and the node
   * path at the node running the tests. Nothing else in the unit is changed.
   */
  async function verify(text: string, name = 'esp32cam.service'): Promise<{ status: number | null; stderr: string }> {
    const path = join(work, name);
    await writeFile(path, text);
    const run = spawnSync(analyze!, ['verify', path], { encoding: 'utf8' });
    return { status: run.status, stderr: run.stderr };
  }

  /** What verify said, less the warnings about keys this systemd is too old to know. */
  const complaints = (stderr: string): string[] => {
    const version = systemdVersion(analyze!);
    return stderr
      .split('\n')
      .filter(Boolean)
      .filter((line) => {
        const key = /Unknown key '?(\w+)'? in section \[Service\]/.exec(line)?.[1];
        return !(key !== undefined && NEWER_KEYS[key] !== undefined && version < NEWER_KEYS[key]);
      });
  };

  const forThisMachine = (text: string): string =>
    text.replaceAll('/opt/esp32cam-host', root).replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `);

  it('passes systemd-analyze verify, with no complaint but keys newer than this systemd', async () => {
    expect(shipped).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/esp32cam-host\/bin\/esp32cam\.js serve /m);
    const { status, stderr } = await verify(forThisMachine(shipped));
    expect(complaints(stderr)).toEqual([]);
    expect(status).toBe(0);
  });

  it('is a notify service with a watchdog, restarts without looping hot, and runs as its own user', () => {
    const service = Object.fromEntries(
      shipped
        .split('\n')
        .filter((l) => /^\w+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(service).toMatchObject({
      Type: 'notify',
      NotifyAccess: 'all',
      WatchdogSec: '30s',
      Restart: 'on-failure',
      RestartSec: '10s',
      User: 'esp32cam',
      SupplementaryGroups: 'i2c dialout gpio',
      StateDirectory: 'esp32cam',
      ProtectSystem: 'strict',
    });
  });

  it('the verification can fail: a unit whose program is missing, or with a bad value, is refused', async () => {
    const missing = await verify(forThisMachine(shipped).replace(`ExecStart=${process.execPath} `, 'ExecStart=/nonexistent/node '), 'missing.service');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/nonexistent/);
    const bad = await verify(forThisMachine(shipped).replace('Type=notify', 'Type=notifyy'), 'bad.service');
    expect(complaints(bad.stderr)).toEqual([expect.stringMatching(/Failed to parse service type.*notifyy/)]);
  });
});
