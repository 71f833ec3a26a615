import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HealthLog } from '../../host/src/services/health/health-log.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'health-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const event = (at: number) => ({ at, type: 'state' as const, from: 'online' as const, to: 'offline' as const, reason: `r${at}`, hint: 'h' });

describe("a camera's health log", () => {
  it('keeps the last events within its bound and reads them back after a restart', async () => {
    const log = await HealthLog.open(dir, 'front', { limit: 5 });
    for (let i = 1; i <= 8; i++) log.append(event(i));
    log.remember({ bootCount: 7, resetCause: 'WDT_RESET', lastSeenAt: 8 });
    log.countReboot('WDT_RESET');
    await log.flush();
    const again = await HealthLog.open(dir, 'front', { limit: 5 });
    expect(again.list().map((e) => e.at)).toEqual([4, 5, 6, 7, 8]);
    expect(again.board).toEqual({ bootCount: 7, resetCause: 'WDT_RESET', lastSeenAt: 8, reboots: { WDT_RESET: 1 } });
    // Written whole through a temp file: nothing else is left in the folder.
    expect(await readdir(join(dir, 'health'))).toEqual(['front.json']);
  });

  it('sets a damaged file aside and starts a new one instead of failing', async () => {
    const log = await HealthLog.open(dir, 'back');
    await log.flush();
    await writeFile(join(dir, 'health', 'back.json'), '{"version": 1, "events": [tru');
    const fresh = await HealthLog.open(dir, 'back');
    expect(fresh.list()).toEqual([]);
    const files = await readdir(join(dir, 'health'));
    expect(files.some((f) => f.startsWith('back.json.damaged-'))).toBe(true);
    fresh.append(event(1));
    await fresh.flush();
    expect(JSON.parse(await readFile(join(dir, 'health', 'back.json'), 'utf8')).events).toHaveLength(1);
  });
});
