/**
 * The ESP32's SPI0 controller as esptool drives it in `run_spiflash_command` (loader.py): set lengths in
 * MOSI_DLEN/MISO_DLEN, flags in USR, the command in USR2, data in W0.., then set bit 18 of CMD and poll it
 * until it clears. The commands esptool sends are answered from the flash chip's point of view: RDID
 * (flash_id), RDSFDP (the XMC start-up check), the status registers; others (WREN, WRSR...) do nothing.
 */
export const SPI0_BASE = 0x3ff42000;
const CMD = 0x00;
const ADDR = 0x04;
const USR = 0x1c;
const USR1 = 0x20;
const USR2 = 0x24;
const MISO_DLEN = 0x2c;
const W0 = 0x80;
const W_COUNT = 16;
const REG_SPAN = W0 + W_COUNT * 4;

const CMD_USR = 1 << 18;
const USR_ADDR = 1 << 30;
const USR_MISO = 1 << 28;
const USR_ADDR_LEN_SHIFT = 26;

const RDID = 0x9f;
const RDSFDP = 0x5a;
const RDSR = [0x05, 0x35, 0x15];

/** The first bytes of a Winbond SFDP table: signature, revision, then the JEDEC parameter header (vendor byte 0xEF at 0x10). */
const SFDP = Uint8Array.from([
  0x53, 0x46, 0x44, 0x50, 0x06, 0x01, 0x01, 0xff, 0x00, 0x06, 0x01, 0x10, 0x80, 0x00, 0x00, 0xff, 0xef, 0x00, 0x01, 0x03, 0x00, 0x01, 0x00, 0xff,
]);

export class SpiFlashController {
  private readonly regs = new Map<number, number>();

  constructor(private readonly jedecId: number) {}

  owns(address: number): boolean {
    return address >= SPI0_BASE && address < SPI0_BASE + REG_SPAN;
  }

  read(address: number): number {
    return this.regs.get(address - SPI0_BASE) ?? 0;
  }

  write(address: number, value: number): void {
    const offset = address - SPI0_BASE;
    if (offset === CMD && value & CMD_USR) {
      this.execute();
      // The transaction is over by the time anyone polls: the USR bit reads back clear.
      this.regs.set(CMD, value & ~CMD_USR);
      return;
    }
    this.regs.set(offset, value >>> 0);
  }

  private execute(): void {
    const usr = this.read(SPI0_BASE + USR);
    const command = this.read(SPI0_BASE + USR2) & 0xffff;
    const misoBits = usr & USR_MISO ? (this.read(SPI0_BASE + MISO_DLEN) & 0xffffff) + 1 : 0;
    let address = 0;
    if (usr & USR_ADDR) {
      const addrBits = ((this.read(SPI0_BASE + USR1) >>> USR_ADDR_LEN_SHIFT) & 0x3f) + 1;
      address = this.read(SPI0_BASE + ADDR) >>> (32 - addrBits);
    }
    const reply = this.reply(command & 0xff, address);
    if (reply === undefined || misoBits === 0) return;
    const mask = misoBits >= 32 ? 0xffffffff : (1 << misoBits) - 1;
    this.regs.set(W0, (reply & mask) >>> 0);
  }

  /** What the flash shifts out, first byte in the low bits of W0 (as the controller stores it). */
  private reply(command: number, address: number): number | undefined {
    if (command === RDID) return this.jedecId;
    if (RDSR.includes(command)) return 0;
    if (command === RDSFDP) {
      let word = 0;
      for (let i = 3; i >= 0; i--) word = (word << 8) | (SFDP[address + i] ?? 0xff);
      return word >>> 0;
    }
    return undefined;
  }
}
