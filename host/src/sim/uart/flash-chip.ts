import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { FLASH_SECTOR } from '../../../../protocol/src/rom/index.js';

/**
 * The board's SPI NOR flash (a 4 MB Winbond W25Q32 by default). Programming can only clear bits, as on
 * the real part, so a loader that writes without erasing first leaves the AND of old and new data, which
 * the MD5 check then catches. With a backing file every change is written through at once, so a test can
 * read the file while the board runs.
 */
export const DEFAULT_FLASH_SIZE = 4 * 1024 * 1024;
/** JEDEC id as esptool's flash_id reads it: manufacturer 0xEF (Winbond), type 0x40, capacity 0x16 (4 MB). */
export const W25Q32_JEDEC_ID = 0x1640ef;

export class SimFlash {
  readonly size: number;
  private readonly bytes: Buffer;
  private fd: number | undefined;

  private constructor(size: number, bytes: Buffer, fd: number | undefined) {
    this.size = size;
    this.bytes = bytes;
    this.fd = fd;
  }

  /** An erased flash, or the image in `file` (created erased when missing; must be exactly `size` bytes). */
  static open(size = DEFAULT_FLASH_SIZE, file?: string): SimFlash {
    if (!Number.isInteger(size) || size <= 0 || size % FLASH_SECTOR !== 0) throw new RangeError(`flash size ${size} is not a whole number of 4 KB sectors`);
    const bytes = Buffer.alloc(size, 0xff);
    if (!file) return new SimFlash(size, bytes, undefined);
    const created = !existsSync(file);
    const fd = openSync(file, created ? 'w+' : 'r+');
    try {
      if (created) {
        writeSync(fd, bytes, 0, size, 0);
      } else {
        const actual = fstatSync(fd).size;
        if (actual !== size) throw new RangeError(`${file} holds ${actual} bytes; a flash image must be exactly ${size} bytes`);
        readSync(fd, bytes, 0, size, 0);
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new SimFlash(size, bytes, fd);
  }

  contains(offset: number, length: number): boolean {
    return Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= this.size;
  }

  read(offset: number, length: number): Buffer {
    if (!this.contains(offset, length)) throw new RangeError(`read of ${length} bytes at 0x${offset.toString(16)} is outside the ${this.size}-byte flash`);
    return Buffer.from(this.bytes.subarray(offset, offset + length));
  }

  md5(offset: number, length: number): Buffer {
    return createHash('md5')
      .update(this.bytes.subarray(offset, offset + length))
      .digest();
  }

  /** Erases whole sectors covering [offset, offset+length). */
  erase(offset: number, length: number): void {
    const start = Math.floor(offset / FLASH_SECTOR) * FLASH_SECTOR;
    const end = Math.min(this.size, Math.ceil((offset + length) / FLASH_SECTOR) * FLASH_SECTOR);
    if (end <= start) return;
    this.bytes.fill(0xff, start, end);
    this.persist(start, end);
  }

  eraseAll(): void {
    this.erase(0, this.size);
  }

  /** Program operations left that will leave one bit unprogrammed, as a worn cell does (tests of the MD5 check). */
  weakWrites = 0;

  /** Page program: each bit can only go from 1 to 0. */
  program(offset: number, data: Uint8Array): void {
    const victim = this.weakWrites > 0 ? data.findIndex((b) => b !== 0xff) : -1;
    if (victim >= 0) {
      // A cell that stays erased: one of the bits this write should clear keeps reading 1.
      this.weakWrites--;
      const weak = Uint8Array.from(data);
      weak[victim] = weak[victim]! | (~weak[victim]! & -~weak[victim]! & 0xff);
      data = weak;
    }
    if (!this.contains(offset, data.length))
      throw new RangeError(`write of ${data.length} bytes at 0x${offset.toString(16)} is outside the ${this.size}-byte flash`);
    for (let i = 0; i < data.length; i++) this.bytes[offset + i]! &= data[i]!;
    this.persist(offset, offset + data.length);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private persist(start: number, end: number): void {
    if (this.fd !== undefined) writeSync(this.fd, this.bytes, start, end - start, start);
  }
}
