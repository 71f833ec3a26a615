import { afterEach, describe, expect, it } from 'vitest';
import { encodeBegin, encodeSpiAttach, Op } from '../../protocol/src/rom/index.js';
import { SimSerialBinding } from '../../host/src/sim/uart/index.js';
import { RomTestHost, simBoard, until } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('port ownership and a lost USB cable', () => {
  it('refuses a second open of a locked port with EBUSY, and a missing board with ENOENT', async () => {
    const sim = await simBoard({ downloadMode: true });
    const host = await RomTestHost.open(sim.path);
    cleanups.push(sim.dispose, () => host.close());
    await expect(SimSerialBinding.open({ path: sim.path, baudRate: 115200 })).rejects.toMatchObject({ code: 'EBUSY' });
    await expect(SimSerialBinding.open({ path: 'sim:nothing-here', baudRate: 115200 })).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await SimSerialBinding.list()).map((p) => p.path)).toContain(sim.path);
  });

  it('unplugged mid-write: the stream closes as disconnected, the port vanishes, and comes back on plug', async () => {
    const sim = await simBoard({ downloadMode: true });
    const host = await RomTestHost.open(sim.path, 115200);
    cleanups.push(sim.dispose, () => host.close());
    await host.sync();
    await host.command(Op.SPI_ATTACH, encodeSpiAttach(0, true));
    await host.command(Op.FLASH_BEGIN, encodeBegin({ size: 0x4000, blocks: 16, blockSize: 0x400, offset: 0x10000 }));
    const closed = new Promise<Error | null>((resolve) => host.port.once('close', (err: Error | null) => resolve(err)));
    const write = host.dataCommand(Op.FLASH_DATA, 0, Buffer.alloc(0x400, 0x42), 2000).catch((err: Error) => err);
    await until(() => sim.board.flash.read(0x10000, 1)[0] === 0xff, 1000, 'erase');
    sim.board.unplug();
    const err = await closed;
    expect(err).toMatchObject({ disconnected: true });
    expect(err?.message).toContain('EIO');
    expect(await write).toBeInstanceOf(Error);
    expect(sim.board.state).toBe('reset');
    await expect(SimSerialBinding.open({ path: sim.path, baudRate: 115200 })).rejects.toMatchObject({ code: 'ENOENT' });
    sim.board.plug();
    const again = await RomTestHost.open(sim.path);
    cleanups.push(() => again.close());
    expect(await again.sync()).toHaveLength(8);
  });
});
