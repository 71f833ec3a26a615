/**
 * One program per I2C bus: the claim is a lock file naming the holder's pid, so a second program is told
 * who has the bus instead of interleaving its transactions with the first's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimI2cBus } from '../../host/src/transports/i2c-bus-claim.js';

describe('claiming an I2C bus', () => {
  let lockDir: string;
  let holder: ChildProcess | undefined;
  beforeEach(async () => {
    lockDir = await mkdtemp(join(tmpdir(), 'esp32cam-buslock-'));
  });
  afterEach(async () => {
    holder?.kill();
    holder = undefined;
    await rm(lockDir, { recursive: true, force: true });
  });

  it('writes a lock file with its pid, refuses a second claim in this process, and removes the file on release', async () => {
    const lock = await claimI2cBus(7, 'esp32cam service', { lockDir });
    const file = join(lockDir, 'LCK..i2c-7');
    expect((await readFile(file, 'latin1')).trim()).toBe(String(process.pid));
    await expect(claimI2cBus(7, 'esp32cam CLI', { lockDir })).rejects.toMatchObject({
      code: 'E_BUS_CLAIMED',
      message: expect.stringMatching(/esp32cam service/),
    });
    // Another bus is another claim.
    const other = await claimI2cBus(8, 'esp32cam service', { lockDir });
    other.release();
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('names the other process that holds the bus, and takes over a lock whose process is gone', async () => {
    holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise<void>((resolve) => holder!.once('spawn', () => resolve()));
    await writeFile(join(lockDir, 'LCK..i2c-1'), `${String(holder.pid).padStart(10)}\n`);
    const err = await claimI2cBus(1, 'esp32cam CLI', { lockDir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_BUS_CLAIMED', message: `/dev/i2c-1 is in use by sleep (pid ${holder.pid})` });
    expect((err as { hint: string }).hint).toMatch(/Only one program may drive an I2C bus/);
    const gone = new Promise<void>((resolve) => holder!.once('exit', () => resolve()));
    holder.kill();
    await gone;
    const lock = await claimI2cBus(1, 'esp32cam CLI', { lockDir });
    expect((await readFile(join(lockDir, 'LCK..i2c-1'), 'latin1')).trim()).toBe(String(process.pid));
    lock.release();
  });
});
