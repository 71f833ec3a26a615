/**
 * Opcodes, error codes and fixed values of the ESP ROM serial bootloader and esptool's flasher stub
 * (esptool `docs/en/advanced-topics/serial-protocol.rst`, `esptool/loader.py` v4.8.1; docs/hardware.md §7).
 */
export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  READ_FLASH_SLOW: 0x0e,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  // Stub only.
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;
export type RomOp = (typeof Op)[keyof typeof Op];

export function opName(op: number): string {
  for (const [name, value] of Object.entries(Op)) if (value === op) return name;
  return `0x${op.toString(16).padStart(2, '0')}`;
}

/** Error byte of a failed ROM reply (status byte 1). */
export const RomError = {
  INVALID_MESSAGE: 0x05,
  FAILED_TO_ACT: 0x06,
  INVALID_CRC: 0x07,
  FLASH_WRITE: 0x08,
  FLASH_READ: 0x09,
  FLASH_READ_LENGTH: 0x0a,
  DEFLATE: 0x0b,
} as const;

/** Error byte of a failed stub reply (esptool `flasher_stub/include/stub_flasher.h`). */
export const StubError = {
  BAD_DATA_LEN: 0xc0,
  BAD_DATA_CHECKSUM: 0xc1,
  BAD_BLOCKSIZE: 0xc2,
  INVALID_COMMAND: 0xc3,
  FAILED_SPI_OP: 0xc4,
  FAILED_SPI_UNLOCK: 0xc5,
  NOT_IN_FLASH_MODE: 0xc6,
  INFLATE: 0xc7,
  NOT_ENOUGH_DATA: 0xc8,
  TOO_MUCH_DATA: 0xc9,
  CMD_NOT_IMPLEMENTED: 0xff,
} as const;

/** The ESP32 ROM ends every reply with 4 status bytes; the ESP8266 ROM and every stub with 2. */
export const ESP32_ROM_STATUS_LENGTH = 4;
export const STUB_STATUS_LENGTH = 2;

export const CHECKSUM_SEED = 0xef;
export const SYNC_PAYLOAD: Uint8Array = Uint8Array.from([0x07, 0x07, 0x12, 0x20, ...new Array<number>(32).fill(0x55)]);

/** Block sizes esptool uses: the ROM takes 0x400-byte flash blocks, the stub 0x4000; RAM blocks are 0x1800. */
export const ROM_FLASH_BLOCK = 0x400;
export const STUB_FLASH_BLOCK = 0x4000;
export const RAM_BLOCK = 0x1800;
export const FLASH_SECTOR = 0x1000;

/** The unsolicited packet a freshly started stub sends. */
export const STUB_HELLO: Uint8Array = Uint8Array.from([0x4f, 0x48, 0x41, 0x49]); // "OHAI"

export const CHIP_DETECT_MAGIC_REG = 0x40001000;
export const CHIP_MAGIC = { ESP32: 0x00f01d83, ESP8266: 0xfff0c101, ESP32S2: 0x000007c6 } as const;
