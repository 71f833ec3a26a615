import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeBegin,
  encodeFlashEnd,
  encodeMd5,
  encodeMemEnd,
  encodeReadFlash,
  encodeReadFlashAck,
  encodeSpiAttach,
  encodeChangeBaud,
  encodeEraseRegion,
  Op,
  RAM_BLOCK,
  RomError,
  STUB_FLASH_BLOCK,
  STUB_STATUS_LENGTH,
  StubError,
} from '../../protocol/src/rom/index.js';
import { MICROPYTHON_BANNER, type SimSerialBoard } from '../../host/src/sim/uart/index.js';
import { factoryFlashPieces } from '../../host/src/sim/uart/factory-image.js';

/** The bootloader alone does not boot: the partition table and a MicroPython app must be there too. */
function withTableAndApp(board: SimSerialBoard): void {
  for (const [at, bytes] of factoryFlashPieces()) if (at >= 0x8000) board.flash.program(at, bytes);
}
import { RomTestHost, simBoard, sleep, until } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function rom(opts: Parameters<typeof simBoard>[0] = {}) {
  const sim = await simBoard({ downloadMode: true, ...opts });
  const host = await RomTestHost.open(sim.path, 921600);
  cleanups.push(sim.dispose, () => host.close());
  await host.sync();
  expect((await host.command(Op.SPI_ATTACH, encodeSpiAttach(0, true))).status).toBe(0);
  return { ...sim, host };
}

/** A small but well-formed ESP32 image: header, extended header (chip id 0), two segments, checksum. */
function esp32Image(): Buffer {
  const seg = (addr: number, len: number, fill: number) => {
    const b = Buffer.alloc(8 + len, fill);
    b.writeUInt32LE(addr, 0);
    b.writeUInt32LE(len, 4);
    return b;
  };
  const header = Buffer.from([0xe9, 2, 2, 0x20, 0x2c, 0x06, 0x08, 0x40]);
  const ext = Buffer.alloc(16);
  const body = Buffer.concat([header, ext, seg(0x3fff0030, 64, 0x11), seg(0x40078000, 256, 0x22)]);
  const pad = Buffer.alloc(16 - (body.length % 16), 0);
  return Buffer.concat([body, pad]);
}

async function stub(host: RomTestHost) {
  const text = Buffer.alloc(RAM_BLOCK + 100, 0x5a);
  expect((await host.command(Op.MEM_BEGIN, encodeBegin({ size: text.length, blocks: 2, blockSize: RAM_BLOCK, offset: 0x40080000 }))).status).toBe(0);
  expect((await host.dataCommand(Op.MEM_DATA, 0, text.subarray(0, RAM_BLOCK))).status).toBe(0);
  expect((await host.dataCommand(Op.MEM_DATA, 1, text.subarray(RAM_BLOCK))).status).toBe(0);
  expect((await host.command(Op.MEM_END, encodeMemEnd(0x4008055c))).status).toBe(0);
  const hello = await host.nextPacket();
  expect(hello.toString('latin1')).toBe('OHAI');
  host.statusLength = STUB_STATUS_LENGTH;
}

describe('ROM flash download', () => {
  it('FLASH_BEGIN/DATA/END writes blocks that readFlash and the flash file both show', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-flash-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'flash.bin');
    const { board, host } = await rom({ flashFile: file });
    const data = Buffer.alloc(0x900);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    expect((await host.command(Op.FLASH_BEGIN, encodeBegin({ size: data.length, blocks: 3, blockSize: 0x400, offset: 0x10000 }))).status).toBe(0);
    for (let seq = 0; seq < 3; seq++) {
      const block = Buffer.alloc(0x400, 0xff);
      data.copy(block, 0, seq * 0x400, Math.min(data.length, (seq + 1) * 0x400));
      const r = await host.dataCommand(Op.FLASH_DATA, seq, block);
      expect([r.status, r.error]).toEqual([0, 0]);
    }
    expect(board.readFlash(0x10000, data.length)).toEqual(data);
    expect(readFileSync(file).subarray(0x10000, 0x10000 + data.length)).toEqual(data);
    expect(readFileSync(file)).toHaveLength(4 * 1024 * 1024);
    const md5 = await host.command(Op.SPI_FLASH_MD5, encodeMd5(0x10000, data.length));
    expect(md5.data.toString()).toBe(createHash('md5').update(data).digest('hex'));
  });

  it('rejects a block with a bad checksum with the ROM error 0x07', async () => {
    const { host } = await rom();
    await host.command(Op.FLASH_BEGIN, encodeBegin({ size: 0x400, blocks: 1, blockSize: 0x400, offset: 0 }));
    const { payload } = (await import('../../protocol/src/rom/index.js')).encodeDataBlock(0, Buffer.alloc(0x400, 1));
    const r = await host.command(Op.FLASH_DATA, payload, 0x12);
    expect([r.status, r.error]).toEqual([1, RomError.INVALID_CRC]);
  });

  it('writes a compressed image through FLASH_DEFL_* and boots it into the MicroPython banner', async () => {
    const { board, host } = await rom();
    const image = esp32Image();
    const packed = deflateSync(image, { level: 9 });
    const blocks = Math.ceil(packed.length / 0x400);
    expect((await host.command(Op.FLASH_DEFL_BEGIN, encodeBegin({ size: 0x1000, blocks, blockSize: 0x400, offset: 0x1000 }))).status).toBe(0);
    for (let seq = 0; seq < blocks; seq++) {
      const r = await host.dataCommand(Op.FLASH_DEFL_DATA, seq, packed.subarray(seq * 0x400, (seq + 1) * 0x400));
      expect([r.status, r.error]).toEqual([0, 0]);
    }
    expect(board.readFlash(0x1000, image.length)).toEqual(image);
    withTableAndApp(board);
    board.holdBoot(false);
    host.clearInput();
    // FLASH_END with 1 = run user code: the ROM leaves the loader and boots the image.
    expect((await host.command(Op.FLASH_DEFL_END, encodeFlashEnd(true))).status).toBe(0);
    await host.setBaud(115200);
    await until(() => host.text().includes('>>> '), 3000, 'banner');
    expect(host.text()).toContain('load:0x3fff0030,len:64\r\nload:0x40078000,len:256\r\nentry 0x4008062c\r\n');
    expect(host.text()).toContain(MICROPYTHON_BANNER);
    expect(board.state).toBe('running');
  });

  it('a reset with IO0 high boots a flashed image and prints the banner', async () => {
    const { board, host } = await rom();
    const image = esp32Image();
    await host.command(Op.FLASH_BEGIN, encodeBegin({ size: 0x400, blocks: 1, blockSize: 0x400, offset: 0x1000 }));
    const block = Buffer.alloc(0x400, 0xff);
    image.copy(block);
    await host.dataCommand(Op.FLASH_DATA, 0, block);
    withTableAndApp(board);
    const boots: Array<{ mode: string; log: string }> = [];
    board.on('boot', (b) => boots.push(b));
    board.holdBoot(false);
    await host.setBaud(115200);
    host.clearInput();
    board.pressReset();
    await until(() => board.state === 'running', 3000, 'running');
    expect(boots[0]!.mode).toBe('flash');
    expect(boots[0]!.log).toContain('boot:0x13 (SPI_FAST_FLASH_BOOT)');
    expect(boots[0]!.log).toContain('MicroPython v1.20.0');
    await sleep(20);
    expect(host.text()).toContain(MICROPYTHON_BANNER);
  });
});

describe('the flasher stub', () => {
  it('uploads with MEM_*, says OHAI, then answers with 2 status bytes and stub-only commands', async () => {
    const { board, host } = await rom();
    await stub(host);
    expect(board.loaderKind).toBe('stub');
    const r = await host.command(Op.ERASE_REGION, encodeEraseRegion(0x20000, 0x1000));
    expect([r.status, r.error]).toEqual([0, 0]);
    const unknown = await host.command(Op.GET_SECURITY_INFO);
    expect(unknown.status).toBe(StubError.CMD_NOT_IMPLEMENTED);
    const syncs = await host.sync();
    expect(syncs.every((s) => s.value === 0)).toBe(true);
  });

  it('writes 16 KB compressed blocks, gives a raw MD5, and streams READ_FLASH with acks', async () => {
    const { board, host } = await rom();
    await stub(host);
    const data = Buffer.alloc(40_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
    const packed = deflateSync(data);
    const blocks = Math.ceil(packed.length / STUB_FLASH_BLOCK);
    expect((await host.command(Op.FLASH_DEFL_BEGIN, encodeBegin({ size: data.length, blocks, blockSize: STUB_FLASH_BLOCK, offset: 0x30000 }))).status).toBe(0);
    for (let seq = 0; seq < blocks; seq++) {
      expect((await host.dataCommand(Op.FLASH_DEFL_DATA, seq, packed.subarray(seq * STUB_FLASH_BLOCK, (seq + 1) * STUB_FLASH_BLOCK))).status).toBe(0);
    }
    expect((await host.command(Op.FLASH_DEFL_END, encodeFlashEnd(true))).status).toBe(0);
    const md5 = await host.command(Op.SPI_FLASH_MD5, encodeMd5(0x30000, data.length));
    expect(md5.data).toEqual(createHash('md5').update(data).digest());
    expect(board.readFlash(0x30000, data.length)).toEqual(data);

    const length = 10_000;
    const r = await host.command(Op.READ_FLASH, encodeReadFlash({ offset: 0x30000, length, packetSize: 0x1000, maxInFlight: 2 }));
    expect(r.status).toBe(0);
    const got: Buffer[] = [];
    let received = 0;
    while (received < length) {
      const p = await host.nextPacket();
      got.push(p);
      received += p.length;
      host.send(encodeReadFlashAck(received));
    }
    const digest = await host.nextPacket();
    expect(Buffer.concat(got)).toEqual(data.subarray(0, length));
    expect(digest).toEqual(createHash('md5').update(data.subarray(0, length)).digest());
  });

  it('CHANGE_BAUDRATE answers at the old rate, then talks at the new one', async () => {
    const { board, host } = await rom();
    await stub(host);
    expect((await host.command(Op.CHANGE_BAUDRATE, encodeChangeBaud(460800, 921600))).status).toBe(0);
    expect(board.baud).toBe(460800);
    await host.setBaud(460800);
    const r = await host.command(Op.READ_REG, new Uint8Array([0x00, 0x10, 0x00, 0x40]));
    expect(r.value).toBe(0x00f01d83);
  });

  it('reports a corrupt deflate stream on the next command and refuses FLASH_END', async () => {
    const { host } = await rom();
    await stub(host);
    await host.command(Op.FLASH_DEFL_BEGIN, encodeBegin({ size: 1000, blocks: 2, blockSize: STUB_FLASH_BLOCK, offset: 0 }));
    expect((await host.dataCommand(Op.FLASH_DEFL_DATA, 0, Buffer.from('this is not zlib data'))).status).toBe(0);
    const second = await host.dataCommand(Op.FLASH_DEFL_DATA, 1, Buffer.from('more'));
    expect(second.status).toBe(StubError.INFLATE);
    const end = await host.command(Op.FLASH_DEFL_END, encodeFlashEnd(true));
    expect(end.status).not.toBe(0);
  });
});
