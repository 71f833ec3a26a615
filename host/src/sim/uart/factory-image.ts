/**
 * The flash a simulated ESP32-CAM leaves the factory with when no flash file exists yet: freshev's build for
 * the ESP32_CAM board (`ports/esp32/boards/ESP32_CAM/partitions.csv`), with a small stand-in for each
 * image. Only the layout and the headers are real; the code bytes are filler, since the simulator runs
 * MicroPython-WASM instead of Xtensa code.
 */
import { appDescriptor, buildImage, buildPartitionTable, xorshiftFill as filler, type AppDescriptor, type PartitionSpec } from './firmware-builder.js';

export const BOOTLOADER_OFFSET = 0x1000;
export const PARTITION_TABLE_OFFSET = 0x8000;
export const APP_OFFSET = 0x10000;

/** freshev ESP32_CAM partitions.csv: half the usual data partition, a 2.5 MB factory app. */
export const FRESHEV_ESP32_CAM_PARTITIONS: PartitionSpec[] = [
  { label: 'nvs', type: 0x01, subtype: 0x02, offset: 0x9000, size: 0x6000 },
  { label: 'phy_init', type: 0x01, subtype: 0x01, offset: 0xf000, size: 0x1000 },
  { label: 'factory', type: 0x00, subtype: 0x00, offset: 0x10000, size: 0x280000 },
  { label: 'vfs', type: 0x01, subtype: 0x81, offset: 0x300000, size: 0x100000 },
];

/** What freshev's camera build reports about itself: ports/esp32/CMakeLists.txt has `project(micropython)`. */
export const FRESHEV_APP: AppDescriptor = {
  version: 'v1.20.0',
  projectName: 'micropython',
  time: '12:00:00',
  date: 'Apr 26 2023',
  idfVersion: 'v5.0.2',
};

export function factoryBootloader(): Uint8Array {
  return buildImage({
    chipId: 0,
    appendSha256: false,
    entry: 0x40080680,
    segments: [
      { address: 0x3fff0030, data: filler(0x11bc, 11) },
      { address: 0x40078000, data: filler(0x3038, 12) },
      { address: 0x40080400, data: filler(0x101c, 13) },
    ],
  });
}

/** An app image whose first segment starts with `desc`. */
export function appImage(desc: AppDescriptor, codeBytes = 0x2000, seed = 21): Uint8Array {
  const drom = filler(0x400, seed);
  drom.set(appDescriptor(desc), 0);
  return buildImage({
    chipId: 0,
    appendSha256: true,
    entry: 0x40081f2c,
    segments: [
      { address: 0x3f400020, data: drom },
      { address: 0x400d0020, data: filler(codeBytes, seed + 1) },
    ],
  });
}

/** [offset, bytes] pieces of the factory flash; everything else stays erased. */
export function factoryFlashPieces(): Array<[number, Uint8Array]> {
  return [
    [BOOTLOADER_OFFSET, factoryBootloader()],
    [PARTITION_TABLE_OFFSET, buildPartitionTable(FRESHEV_ESP32_CAM_PARTITIONS)],
    [APP_OFFSET, appImage(FRESHEV_APP)],
  ];
}
