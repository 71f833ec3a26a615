/**
 * The flasher end to end through the simulated board's serialport binding (`sim:*`): a real-sized merged
 * image (1.5 MB, as freshev's firmware_camera.bin) with each reset strategy, read back from the board's flash.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { flashFirmware, type FlashEvent, type FlashOptions } from '../../host/src/devices/flasher/flasher.js';
import { Esp32CamError } from '../../host/src/errors.js';
import { bootSummary } from '../../host/src/cli/commands/flash.js';
import { SimSerialBinding, SimSerialBoard, registerSimSerialBoard, unregisterSimSerialBoard } from '../../host/src/sim/uart/index.js';
import { mergedImage } from './image-builders.js';

const IMAGE = mergedImage(0, 0x170000 - 0x10000); // 0x170000 bytes, about 1.5 MB
let n = 0;
const opened: Array<{ path: string; board: SimSerialBoard }> = [];

async function simBoard(opts: Parameters<typeof SimSerialBoard.create>[0] = {}): Promise<{ path: string; board: SimSerialBoard }> {
  const board = await SimSerialBoard.create({ flashTiming: 'instant', ...opts });
  const path = `sim:esp32cam-flash-${++n}`;
  registerSimSerialBoard(path, board);
  opened.push({ path, board });
  return { path, board };
}

function flash(path: string, extra: Partial<FlashOptions> = {}, events: FlashEvent[] = []) {
  return flashFirmware({ path, image: IMAGE, binding: SimSerialBinding, baudRate: 921600, onEvent: (e) => events.push(e), ...extra });
}

const flashHolds = (board: SimSerialBoard, image: Uint8Array, at = 0) => Buffer.from(board.readFlash(at, image.length)).equals(Buffer.from(image));
const erased = (board: SimSerialBoard) => board.readFlash(0, 0x20000).every((b) => b === 0xff);

afterEach(async () => {
  for (const { path, board } of opened.splice(0)) {
    unregisterSimSerialBoard(path);
    await board.close();
  }
});

describe('flashFirmware through sim:esp32cam', () => {
  it('flashes a 1.5 MB merged image with the automatic reset, verifies it and reports the boot', async () => {
    const { path, board } = await simBoard();
    const events: FlashEvent[] = [];
    const result = await flash(path, {}, events);
    expect(result).toMatchObject({ offset: 0, length: IMAGE.length, baudRate: 921600 });
    expect(result.chip).toMatch(/ESP32-D0WD/);
    expect(result.reset).toMatch(/classic/);
    expect(flashHolds(board, IMAGE)).toBe(true);
    expect(result.bootLog).toMatch(/MicroPython/);
    // The listening ended on the banner line itself.
    expect(result.boot).toMatchObject({ kind: 'micropython', version: '1.20.0' });
    expect(result.bootLog.split('\n').filter((l) => l.startsWith('MicroPython v'))).toHaveLength(1);
    const progress = events.filter((e) => e.type === 'progress' && e.phase === 'write');
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.at(-1)).toMatchObject({ written: IMAGE.length, total: IMAGE.length });
  });

  it('a boot that never says what it is still ends after the bound, with the ROM lines it printed and a clear verdict', async () => {
    // A firmware that hangs before its banner: the ROM and bootloader speak, then nothing.
    const { path, board } = await simBoard({ runtime: { boot: () => undefined, halt: () => undefined, receive: () => undefined } });
    const result = await flash(path, { bootWatchMs: 1500 });
    expect(flashHolds(board, IMAGE)).toBe(true);
    expect(result.boot.kind).toBe('unrecognised');
    expect(result.boot.kind === 'unrecognised' && result.boot.waitedMs).toBeGreaterThanOrEqual(1500);
    expect(result.bootLog).toMatch(/rst:0x1 \(POWERON_RESET\),boot:0x13/);
    expect(result.bootLog).not.toMatch(/MicroPython/);
    expect(bootSummary(result.boot)).toMatch(/^no boot was recognised in the 1\.5 s after the reset/);
  });

  it('flashes with --before classic and erases the chip first with --erase', async () => {
    const { path, board } = await simBoard();
    const result = await flash(path, { before: 'classic', erase: true });
    expect(result.reset).toMatch(/classic/);
    expect(flashHolds(board, IMAGE)).toBe(true);
  });

  it('flashes a board already in download mode with --before no-reset', async () => {
    const { path, board } = await simBoard({ downloadMode: true, autoReset: false });
    const result = await flash(path, { before: 'no-reset' });
    expect(result.reset).toMatch(/no reset/);
    expect(flashHolds(board, IMAGE)).toBe(true);
  });

  it('walks the user through a manual reset on a board without auto-reset', async () => {
    const { path, board } = await simBoard({ autoReset: false });
    const events: FlashEvent[] = [];
    let pressed = false;
    const result = await flash(path, {
      before: 'manual',
      interactive: true,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'manual' && !pressed) {
          pressed = true;
          // What the user does: GPIO0 to GND, press and release RST, then let go of GPIO0.
          board.holdBoot(true);
          board.pressReset();
          setTimeout(() => board.holdBoot(false), 200);
        }
      },
    });
    expect(events.find((e) => e.type === 'manual')).toMatchObject({ instructions: expect.stringMatching(/GPIO0.*GND.*RST/) });
    expect(result.reset).toMatch(/manual/);
    expect(flashHolds(board, IMAGE)).toBe(true);
  });

  it('diagnoses the wrong boot mode when a reset sequence boots the firmware instead (boot:0x13)', async () => {
    const { path, board } = await simBoard();
    // The USB-Serial/JTAG sequence ends with GPIO0 high on a classic two-transistor circuit.
    const err = (await flash(path, { before: 'usb-jtag' }).catch((e: unknown) => e)) as Esp32CamError;
    expect(err).toBeInstanceOf(Esp32CamError);
    expect(err.code).toBe('E_NOT_IN_DOWNLOAD_MODE');
    expect(err.message).toMatch(/boot:0x13/);
    expect(err.hint).toMatch(/GPIO0/);
    expect(erased(board)).toBe(true);
  });

  it('says the board sent nothing when no reset reaches it', async () => {
    const { path, board } = await simBoard({ autoReset: false });
    await new Promise((r) => setTimeout(r, 300)); // let the power-on boot log pass
    const err = (await flash(path, { before: 'classic' }).catch((e: unknown) => e)) as Esp32CamError;
    expect(err.code).toBe('E_NO_SERIAL_DATA');
    expect(err.hint).toMatch(/--before manual/);
    expect(erased(board)).toBe(true);
  });
});

describe('flashFirmware refuses bad images before writing anything', () => {
  const cases: Array<[string, Uint8Array, Partial<FlashOptions>, string]> = [
    ['an ESP32-S3 image', mergedImage(9, 0x8000).subarray(0x1000), {}, 'E_WRONG_CHIP'],
    ['a file that is not an image', new TextEncoder().encode('<html>not firmware</html>'.repeat(100)), {}, 'E_BAD_IMAGE'],
    ['an empty file', new Uint8Array(0), {}, 'E_BAD_IMAGE'],
    ['a truncated image', mergedImage(0, 0x8000).subarray(0, 0x12000), {}, 'E_BAD_IMAGE'],
    ['a merged image at 0x1000', mergedImage(0, 0x8000), { offset: 0x1000 }, 'E_WRONG_OFFSET'],
    ['an image larger than the 4 MB flash', mergedImage(0, 0x400000), {}, 'E_IMAGE_TOO_LARGE'],
  ];
  it.each(cases)('%s', async (_name, image, extra, code) => {
    const { path, board } = await simBoard();
    const err = (await flash(path, { image, ...extra }).catch((e: unknown) => e)) as Esp32CamError;
    expect(err).toBeInstanceOf(Esp32CamError);
    expect(err.code).toBe(code);
    expect(err.hint.length).toBeGreaterThan(10);
    expect(erased(board)).toBe(true);
  });
});

describe('flashFirmware when the board goes away', () => {
  it('reports an unplug mid-write at once, and a second flash recovers the board', async () => {
    const { path, board } = await simBoard();
    let pulled = false;
    const started = Date.now();
    const err = (await flash(path, {
      onEvent: (e) => {
        if (e.type === 'progress' && e.phase === 'write' && e.written > IMAGE.length / 3 && !pulled) {
          pulled = true;
          board.unplug();
        }
      },
    }).catch((e: unknown) => e)) as Esp32CamError;
    expect(err.code).toBe('E_PORT_DISCONNECTED');
    expect(err.message).toMatch(/will not boot until it is flashed again/);
    expect(Date.now() - started).toBeLessThan(30_000);
    board.plug();
    await flash(path);
    expect(flashHolds(board, IMAGE)).toBe(true);
  });
});

describe('flashFirmware when the baud rate cannot be raised', () => {
  it('falls back to 115200 and still writes a verified image', async () => {
    const image = mergedImage(0, 0x8000);
    const board = await SimSerialBoard.create({ flashTiming: 'instant', bridgeMaxBaud: 460800 });
    const path = 'sim:esp32cam-slow-bridge';
    registerSimSerialBoard(path, board);
    opened.push({ path, board });
    const events: FlashEvent[] = [];
    const result = await flashFirmware({ path, image, binding: SimSerialBinding, baudRate: 921600, onEvent: (e) => events.push(e) });
    expect(result.baudRate).toBe(115200);
    expect(events.some((e) => e.type === 'status' && /Unable to use 921600 baud\. Continuing at 115200/.test(e.message))).toBe(true);
    expect(flashHolds(board, image)).toBe(true);
  });
});

describe('flashFirmware checks what the flash really holds', () => {
  it('fails with E_FLASH_VERIFY when a bit does not program, and a second flash fixes it', async () => {
    const image = mergedImage(0, 0x8000);
    const { path, board } = await simBoard();
    board.flash.weakWrites = 1;
    const err = (await flash(path, { image }).catch((e: unknown) => e)) as Esp32CamError;
    expect(err.code).toBe('E_FLASH_VERIFY');
    expect(err.message).toMatch(/does not match the image \(MD5 [0-9a-f]{32}, expected [0-9a-f]{32}\)/);
    expect(flashHolds(board, image)).toBe(false);
    await flash(path, { image });
    expect(flashHolds(board, image)).toBe(true);
  });
});
