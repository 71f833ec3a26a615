import { CHIP_DETECT_MAGIC_REG, CHIP_MAGIC } from '../../../../protocol/src/rom/index.js';
import { SpiFlashController, SPI0_BASE } from './spi-flash-controller.js';

/**
 * The registers esptool and esptool-js read from an ESP32 in download mode, with the values of an
 * ESP32-D0WDQ6 revision 1 on a 40 MHz crystal (esptool `targets/esp32.py` decodes them; the efuse words
 * match dumps of real D0WDQ6 boards in esptool issue traces). Anything else reads as the last value
 * written, or 0, as plain RAM would.
 */
export const EFUSE_BASE = 0x3ff5a000;
export const UART0_CLKDIV_REG = 0x3ff40014;
export const APB_CTL_DATE_REG = 0x3ff6607c;
export const RTC_CALI_CFG1_REG = 0x3ff5f06c;
export const GPIO_STRAP_REG = 0x3ff44038;
export const XTAL_HZ = 40_000_000;

/** MAC 24:0a:c4:5e:1c:a0 (Espressif OUI), stored as esptool's read_mac unpacks it: words 2 and 1 big-endian, first 2 bytes dropped. */
const EFUSE_WORDS = [
  0x00000000, // 0: no read/write protection, flash_crypt_cnt 0
  0xc45e1ca0, // 1: MAC low 4 bytes
  0x00a1240a, // 2: CRC byte, MAC high 2 bytes
  // 3: bit 15 = revision bit 0 (rev 1), bit 13 = CPU frequency rated (240 MHz), package 0 = D0WDQ6, dual core, BT on
  0x0000a000,
  // 4: CK8M frequency 0x32 (the ROM's 8 MHz calibration, see RTC_CALI_CFG1) and ADC vref trim 5
  0x00000532,
  0x00000000, // 5: revision bit 1 clear, minor 0, default SPI pads, no flash_crypt_config
  0x00000000, // 6: coding scheme none, no secure boot
];

export class ChipRegisters {
  private readonly written = new Map<number, number>();
  readonly spi: SpiFlashController;

  constructor(
    jedecId: number,
    private readonly uartBaud: () => number,
    private readonly strapping: () => number,
  ) {
    this.spi = new SpiFlashController(jedecId);
  }

  read(address: number): number {
    const addr = address >>> 0;
    if (addr === CHIP_DETECT_MAGIC_REG) return CHIP_MAGIC.ESP32;
    if (addr >= EFUSE_BASE && addr < EFUSE_BASE + EFUSE_WORDS.length * 4 && addr % 4 === 0) return EFUSE_WORDS[(addr - EFUSE_BASE) / 4]!;
    if (addr === UART0_CLKDIV_REG) return uartClockDivider(this.uartBaud());
    // Bit 31 clear: not an ECO3 chip. The rest is the date code the ROM leaves there.
    if (addr === APB_CTL_DATE_REG) return 0x16042000;
    // The ROM's RC-oscillator calibration, in bits 7..31: with CK8M = 0x32 it puts the crystal at exactly 40 MHz,
    // so esptool's CHANGE_BAUDRATE correction for ESP32 leaves the rate unchanged.
    if (addr === RTC_CALI_CFG1_REG) return 2048 << 7;
    if (addr === GPIO_STRAP_REG) return this.strapping();
    if (this.spi.owns(addr)) return this.spi.read(addr);
    return this.written.get(addr) ?? 0;
  }

  /** WRITE_REG: `mask` selects the bits that change (esptool always sends 0xFFFFFFFF). */
  write(address: number, value: number, mask = 0xffffffff): void {
    const addr = address >>> 0;
    const merged = ((this.read(addr) & ~mask) | (value & mask)) >>> 0;
    if (this.spi.owns(addr)) this.spi.write(addr, merged);
    else this.written.set(addr, merged);
  }
}

/** UART_CLKDIV as the ROM programs it: APB clock (the 40 MHz crystal in download mode) over baud, 4 fractional bits at 20..23. */
export function uartClockDivider(baud: number): number {
  const div = XTAL_HZ / baud;
  const whole = Math.floor(div);
  const frag = Math.floor((div - whole) * 16) & 0xf;
  return ((frag << 20) | whole) >>> 0;
}

export { SPI0_BASE };
