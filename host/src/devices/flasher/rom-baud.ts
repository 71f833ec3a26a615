import { setTimeout as sleep } from 'node:timers/promises';
import type { ESPLoader, Transport } from 'esptool-js';
import { CHIP_DETECT_MAGIC_REG, CHIP_MAGIC } from '../../../../protocol/src/rom/index.js';

/** Where the ESP32 ROM leaves its calibration of the 8 MHz RC oscillator against the crystal (bits 7..31). */
const RTC_CALI_CFG1_REG = 0x3ff5f06c;
/** Efuse block 0, word 4: its low byte is the RC oscillator's factory-measured frequency (CK8M). */
const EFUSE_CK8M_REG = 0x3ff5a010;

/**
 * The rate to ask the ESP32 ROM for so that its UART ends up at `baud`. The ROM derives its clock from its
 * own measurement of the crystal, which drifts with the RC oscillator; it divides by that figure, not by the
 * real 40 or 26 MHz, so the request is scaled by the same error (esptool `targets/esp32.py`,
 * `ESP32ROM.change_baud` and `get_rom_cal_crystal_freq`). Undefined when the registers make no sense.
 */
export function romBaudRequest(baud: number, caliReg: number, ck8mReg: number): number | undefined {
  const cali = (caliReg >>> 7) & 0x1ffffff;
  const ck8m = ck8mReg & 0xff;
  const romHz = (cali * 15625 * ck8m) / 40;
  if (!(romHz > 10e6 && romHz < 60e6)) return undefined;
  const crystalHz = romHz > 33e6 ? 40e6 : 26e6;
  return Math.floor((baud * romHz) / crystalHz);
}

/**
 * Whether the host's port can run at `baud` (a USB bridge refuses rates above its own limit), tried before
 * the chip is asked to move: the chip cannot be asked back. The port is left at `current`.
 */
export async function hostTakesBaud(transport: Transport, baud: number, current: number): Promise<boolean> {
  try {
    await transport.changeBaudrate(baud);
    return true;
  } catch {
    return false;
  } finally {
    await transport.changeBaudrate(current).catch(() => undefined);
  }
}

/**
 * Moves an ESP32 still in its ROM loader to `baud` (CHANGE_BAUDRATE with 0 as the old rate, as the ROM
 * expects), then the host port, and checks that the chip answers at the new rate. False when it does not:
 * the ROM then sits at a rate nobody knows, and only a reset brings it back to 115200.
 */
export async function raiseRomBaud(loader: ESPLoader, transport: Transport, baud: number): Promise<boolean> {
  const request = romBaudRequest(baud, await loader.readReg(RTC_CALI_CFG1_REG), await loader.readReg(EFUSE_CK8M_REG));
  if (request === undefined) return false;
  const args = new Uint8Array(8);
  const view = new DataView(args.buffer);
  view.setUint32(0, request, true);
  view.setUint32(4, 0, true);
  await loader.checkCommand('change the baud rate', loader.ESP_CHANGE_BAUDRATE, args);
  await transport.changeBaudrate(baud);
  // The UART may emit a broken byte as it switches; esptool waits 50 ms and drops what came.
  await sleep(50);
  transport.flushInput();
  try {
    return (await loader.readReg(CHIP_DETECT_MAGIC_REG, 500)) === CHIP_MAGIC.ESP32;
  } catch {
    return false;
  }
}
