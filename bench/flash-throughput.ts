import { deflateSync } from 'node:zlib';
import { flashFirmware } from '../host/src/devices/flasher/flasher.js';
import { SimSerialBinding, SimSerialBoard, registerSimSerialBoard, unregisterSimSerialBoard } from '../host/src/sim/uart/index.js';
import { mergedImage } from '../test/flasher/image-builders.js';

export interface FlashThroughput {
  baud: number;
  bytes: number;
  compressed: number;
  seconds: number;
  effectiveKbps: number;
  /** The wire time of the compressed bytes (10 bits a byte) over the write's time. */
  wireShare: number;
}

/**
 * Writes a 1.5 MB firmware-like merged image (it deflates like MicroPython's) into the simulated board at
 * `baud`, with the board's realistic flash erase/program times, and times the write and its MD5 check as
 * esptool does: uncompressed bytes over time.
 */
export async function flashThroughput(baud: number): Promise<FlashThroughput> {
  const image = mergedImage(0, 0x170000 - 0x10000 - 0x1000, 'firmware');
  const compressed = deflateSync(image, { level: 9 }).length;
  const board = await SimSerialBoard.create({ flashTiming: 'realistic' });
  const path = `sim:esp32cam-bench-${baud}`;
  registerSimSerialBoard(path, board);
  try {
    const result = await flashFirmware({ path, image, binding: SimSerialBinding, baudRate: baud, bootWatchMs: 0 });
    const wireSeconds = (compressed * 10) / baud;
    return {
      baud,
      bytes: image.length,
      compressed,
      seconds: result.writeSeconds,
      effectiveKbps: result.effectiveKbps,
      wireShare: wireSeconds / result.writeSeconds,
    };
  } finally {
    unregisterSimSerialBoard(path);
    await board.close();
  }
}
