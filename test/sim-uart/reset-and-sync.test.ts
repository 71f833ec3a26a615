import { afterEach, describe, expect, it } from 'vitest';
import { CHIP_DETECT_MAGIC_REG, CHIP_MAGIC, encodeReadReg, Op, RomError } from '../../protocol/src/rom/index.js';
import { RomTestHost, simBoard, sleep, until } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(opts: Parameters<typeof simBoard>[0] = {}, baud = 115200) {
  const sim = await simBoard(opts);
  const host = await RomTestHost.open(sim.path, baud);
  cleanups.push(sim.dispose, () => host.close());
  // Let the power-on boot log finish crossing the wire before a test looks at what arrives.
  await sleep(60);
  return { ...sim, host };
}

describe('auto-reset circuit and ROM boot log', () => {
  it('enters download mode on the classic DTR/RTS sequence and prints the ROM log', async () => {
    const { board, host } = await setup();
    expect(board.state).toBe('boot-loop'); // erased flash, GPIO0 high at power-on
    host.clearInput();
    await host.classicReset();
    await until(() => host.text().includes('waiting for download\r\n'), 2000, 'download log');
    expect(board.state).toBe('download');
    expect(host.text()).toContain('rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n');
    expect(host.text()).toMatch(/^ets Jun {2}8 2016 00:22:57\r\n\r\n/);
  });

  it('ignores opening the port and both lines asserted or released', async () => {
    const { board, host } = await setup({ downloadMode: true });
    expect(board.state).toBe('download');
    host.clearInput();
    await host.setLines(true, true);
    await host.setLines(false, false);
    await sleep(50);
    expect(board.state).toBe('download');
    expect(host.text()).toBe('');
  });

  it('boots from flash when EN rises with IO0 high (RTS pulse alone) and reports boot:0x13', async () => {
    const { board, host } = await setup();
    host.clearInput();
    await host.setLines(false, true);
    expect(board.state).toBe('reset');
    await host.setLines(false, false);
    await until(() => host.text().includes('invalid header: 0xffffffff\r\n'), 2000, 'boot loop');
    expect(host.text()).toContain('rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\ninvalid header: 0xffffffff\r\n');
    expect(board.state).toBe('boot-loop');
  });

  it('keeps printing invalid header on an erased flash, throttled', async () => {
    const { host } = await setup();
    host.clearInput();
    await sleep(450);
    const count = host.text().split('invalid header: 0xffffffff').length - 1;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(count).toBeLessThanOrEqual(8);
  });

  it('without the auto-reset circuit the lines do nothing; GPIO0 + RST enter download mode', async () => {
    const { board, host } = await setup({ autoReset: false });
    host.clearInput();
    await host.classicReset();
    await sleep(100);
    expect(board.state).toBe('boot-loop');
    expect(host.text()).not.toContain('waiting for download');
    board.holdBoot(true);
    board.pressReset();
    board.holdBoot(false);
    await until(() => host.text().includes('waiting for download\r\n'), 2000, 'download log');
    expect(board.state).toBe('download');
    const replies = await host.sync();
    expect(replies).toHaveLength(8);
  });
});

describe('ROM loader basics', () => {
  it('answers SYNC eight times with a non-zero value and 4 status bytes', async () => {
    const { host } = await setup({ downloadMode: true });
    const replies = await host.sync();
    expect(replies).toHaveLength(8);
    for (const r of replies) {
      expect(r.value).not.toBe(0);
      expect(r.status).toBe(0);
    }
  });

  it('READ_REG gives the ESP32 chip magic and a UART divider consistent with a 40 MHz crystal', async () => {
    const { host } = await setup({ downloadMode: true });
    await host.sync();
    const magic = await host.command(Op.READ_REG, encodeReadReg(CHIP_DETECT_MAGIC_REG));
    expect(magic.value).toBe(CHIP_MAGIC.ESP32);
    const div = await host.command(Op.READ_REG, encodeReadReg(0x3ff40014));
    const xtalMHz = (115200 * (div.value & 0xfffff)) / 1e6;
    expect(Math.abs(xtalMHz - 40)).toBeLessThan(1);
  });

  it('syncs at 921600 (the ROM detects the rate from the SYNC) and garbles the boot log at the wrong rate', async () => {
    const { board, host } = await setup({}, 921600);
    host.clearInput();
    await host.classicReset();
    await sleep(100);
    expect(board.state).toBe('download');
    expect(host.text()).not.toContain('waiting for download');
    expect(host.text().length).toBeGreaterThan(20);
    await host.sync();
    expect(board.baud).toBe(921600);
  });

  it('answers a command the ESP32 ROM lacks with error 0x05 (GET_SECURITY_INFO, READ_FLASH)', async () => {
    const { host } = await setup({ downloadMode: true });
    await host.sync();
    host.send(new Uint8Array([0, Op.GET_SECURITY_INFO, 0, 0, 0, 0, 0, 0]));
    const r = await host.response(undefined);
    expect(r.status).toBe(1);
    expect(r.error).toBe(RomError.INVALID_MESSAGE);
    expect(r.op).not.toBe(Op.GET_SECURITY_INFO);
  });

  it('refuses flash commands before SPI_ATTACH', async () => {
    const { host } = await setup({ downloadMode: true });
    await host.sync();
    const r = await host.command(Op.SPI_FLASH_MD5, new Uint8Array(16));
    expect(r.status).toBe(1);
    expect(r.error).toBe(RomError.FAILED_TO_ACT);
  });
});
