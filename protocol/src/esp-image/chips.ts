/**
 * The chips an ESP firmware image can be built for, as esptool names them, with the facts the image checks
 * need: the chip id written in the image's extended header (esptool `targets/*.py` IMAGE_CHIP_ID) and the
 * flash offset of the second-stage bootloader (esptool `firmware-image-format.rst`, BOOTLOADER_OFFSET).
 */
export const CHIPS = {
  esp8266: { label: 'ESP8266', imageChipId: undefined, bootloaderOffset: 0x0 },
  esp32: { label: 'ESP32', imageChipId: 0, bootloaderOffset: 0x1000 },
  esp32s2: { label: 'ESP32-S2', imageChipId: 2, bootloaderOffset: 0x1000 },
  esp32c3: { label: 'ESP32-C3', imageChipId: 5, bootloaderOffset: 0x0 },
  esp32s3: { label: 'ESP32-S3', imageChipId: 9, bootloaderOffset: 0x0 },
  esp32c2: { label: 'ESP32-C2', imageChipId: 12, bootloaderOffset: 0x0 },
  esp32c6: { label: 'ESP32-C6', imageChipId: 13, bootloaderOffset: 0x0 },
  esp32h2: { label: 'ESP32-H2', imageChipId: 16, bootloaderOffset: 0x0 },
  esp32p4: { label: 'ESP32-P4', imageChipId: 18, bootloaderOffset: 0x2000 },
  esp32c61: { label: 'ESP32-C61', imageChipId: 20, bootloaderOffset: 0x0 },
  esp32c5: { label: 'ESP32-C5', imageChipId: 23, bootloaderOffset: 0x2000 },
} as const satisfies Record<string, { label: string; imageChipId: number | undefined; bootloaderOffset: number }>;

export type ChipName = keyof typeof CHIPS;

export function isChipName(name: string): name is ChipName {
  return Object.prototype.hasOwnProperty.call(CHIPS, name);
}

/** The chip an extended header's chip id stands for, or undefined for an id no chip uses. */
export function chipFromImageChipId(id: number): ChipName | undefined {
  for (const [name, chip] of Object.entries(CHIPS)) {
    if (chip.imageChipId === id) return name as ChipName;
  }
  return undefined;
}

/** `ESP32-S3` (esptool's and esptool-js's CHIP_NAME) → `esp32s3`. */
export function chipFromLabel(label: string): ChipName | undefined {
  const key = label.toLowerCase().replace(/-/g, '');
  return isChipName(key) ? key : undefined;
}

/** Where every ESP-IDF partition table sits in flash, whatever the chip. */
export const PARTITION_TABLE_OFFSET = 0x8000;
/** Where the first app partition sits in ESP-IDF's default tables (and MicroPython's). */
export const DEFAULT_APP_OFFSET = 0x10000;
/** The flash is erased and written in 4 KB sectors. */
export const FLASH_SECTOR_SIZE = 0x1000;
