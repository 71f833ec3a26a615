/**
 * Builds firmware files byte by byte, as esptool's elf2image and merge_bin lay them out, so that the image
 * checks are tested against files whose every byte the test controls.
 */
import {
  APP_DESC_SIZE,
  appDescriptor,
  buildImage,
  buildPartitionTable,
  concat,
  layOut,
  xorshiftFill,
  type AppDescriptor,
  type PartitionSpec,
} from '../../host/src/sim/uart/firmware-builder.js';
import { FRESHEV_APP } from '../../host/src/sim/uart/factory-image.js';

export { buildImage, buildPartitionTable, concat, layOut };
export type { ImageSpec, PartitionSpec, SegmentSpec } from '../../host/src/sim/uart/firmware-builder.js';

/** Deterministic filler so that checksums are not trivially 0xEF. */
export const pattern = xorshiftFill;

/**
 * Filler that compresses like real firmware (code and tables repeat short runs): about 0.64 of its size under
 * deflate level 9, where micropython.org's ESP32 image gives 0.66 (1,475,584 bytes to 971,936 in esptool's log).
 */
export function firmwareLike(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < length;) {
    if (i >= 64 && next() % 100 >= 92) {
      const back = 4 + (next() % 60);
      const run = 4 + (next() % 12);
      for (let k = 0; k < run && i < length; k++, i++) out[i] = out[i - back]!;
    } else {
      out[i++] = next() & 0xff;
    }
  }
  return out;
}

/** ESP-IDF's app descriptor magic, which starts an app's first segment. */
export const APP_DESC = Uint8Array.of(0x32, 0x54, 0xcd, 0xab);

export type Fill = 'random' | 'firmware';

/** An app that is not MicroPython (an Arduino sketch), for the simulator's "other firmware" case. */
export const ARDUINO_APP: AppDescriptor = {
  version: 'esp-idf: v4.4.7',
  projectName: 'arduino-lib-builder',
  time: '08:00:00',
  date: 'Mar 21 2024',
  idfVersion: 'v4.4.7',
};

/** The app's first segment: ESP-IDF's app descriptor (MicroPython's by default), then filler. */
export function appSegment(length: number, seed: number, fill: Fill = 'random', desc: AppDescriptor = FRESHEV_APP): Uint8Array {
  const data = fill === 'firmware' ? firmwareLike(length, seed) : pattern(length, seed);
  data.set(appDescriptor(desc).subarray(0, Math.min(APP_DESC_SIZE, length)), 0);
  return data;
}

export const DEFAULT_PARTITIONS: PartitionSpec[] = [
  { label: 'nvs', type: 1, subtype: 2, offset: 0x9000, size: 0x6000 },
  { label: 'phy_init', type: 1, subtype: 1, offset: 0xf000, size: 0x1000 },
  { label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x1f0000 },
];

export const bootloader = (chipId = 0, appendSha256 = true): Uint8Array =>
  buildImage({
    chipId,
    appendSha256,
    entry: 0x40080400,
    segments: [
      { address: 0x3fff0030, data: pattern(0x2a4, 1) },
      { address: 0x40078000, data: pattern(0x3d18, 2) },
      { address: 0x40080400, data: pattern(0x0ab6, 3) },
    ],
  });

export const app = (chipId = 0, size = 0x8000, fill: Fill = 'random', desc: AppDescriptor = FRESHEV_APP): Uint8Array =>
  buildImage({
    chipId,
    appendSha256: true,
    entry: 0x400810c0,
    segments: [
      { address: 0x3f400020, data: appSegment(size, 4, fill, desc) },
      { address: 0x400d0020, data: pattern(0x1000, 5) },
    ],
  });

/** freshev's firmware_camera.bin: 0xFF to 0x1000, the bootloader, the table at 0x8000, the app at 0x10000. */
export function mergedImage(chipId = 0, appSize = 0x8000, fill: Fill = 'random', desc: AppDescriptor = FRESHEV_APP): Uint8Array {
  const theApp = app(chipId, appSize, fill, desc);
  return layOut(0x10000 + theApp.length, [
    [0x1000, bootloader(chipId)],
    [0x8000, buildPartitionTable(DEFAULT_PARTITIONS)],
    [0x10000, theApp],
  ]);
}

/** micropython.org's esp32-*.bin: the same, without the first 0x1000 bytes; it is flashed at 0x1000. */
export function micropythonImage(chipId = 0): Uint8Array {
  return mergedImage(chipId).subarray(0x1000).slice();
}

/** A merged image of another firmware (an Arduino sketch): boots, but never answers a REPL. */
export function otherFirmwareImage(appSize = 0x8000): Uint8Array {
  return mergedImage(0, appSize, 'random', ARDUINO_APP);
}
