import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CHIP_DETECT_MAGIC_REG, CHIP_MAGIC, encodeReadReg, Op } from '../../protocol/src/rom/index.js';
import { PtySerialLink } from '../../host/src/sim/uart/index.js';
import { RomTestHost, simBoard } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('the board at a pseudo-terminal (socat)', () => {
  it('syncs and reads the chip magic through a real tty, with the board in download mode', async () => {
    const sim = await simBoard({ downloadMode: true });
    cleanups.push(sim.dispose);
    const path = join(sim.dir, 'esp32cam');
    const link = await PtySerialLink.open(path, sim.board);
    cleanups.push(() => link.close());
    expect(existsSync(path)).toBe(true);
    const host = await RomTestHost.openTty(path);
    cleanups.push(() => host.close());
    const replies = await host.sync();
    expect(replies).toHaveLength(8);
    const magic = await host.command(Op.READ_REG, encodeReadReg(CHIP_DETECT_MAGIC_REG));
    expect(magic.value).toBe(CHIP_MAGIC.ESP32);
    // A second client after the first closes still reaches the board.
    await host.close();
    const again = await RomTestHost.openTty(path);
    cleanups.push(() => again.close());
    expect((await again.command(Op.READ_REG, encodeReadReg(CHIP_DETECT_MAGIC_REG))).value).toBe(CHIP_MAGIC.ESP32);
  });

  it('stops socat and removes the link on close', async () => {
    const sim = await simBoard({ downloadMode: true });
    cleanups.push(sim.dispose);
    const path = join(sim.dir, 'esp32cam');
    const link = await PtySerialLink.open(path, sim.board);
    await link.close();
    expect(existsSync(path)).toBe(false);
  });
});
