import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inspectImage, planFlash, readPartitionTable, sha256, type ImageDescription, type ImageInspection } from '../../protocol/src/esp-image/index.js';
import {
  app,
  bootloader,
  buildImage,
  buildPartitionTable,
  DEFAULT_PARTITIONS,
  layOut,
  mergedImage,
  micropythonImage,
  pattern,
} from '../flasher/image-builders.js';

const MB4 = 4 << 20;

function described(inspection: ImageInspection): ImageDescription {
  if (!inspection.ok) throw new Error(`expected an image, got ${inspection.reason}: ${inspection.message}`);
  return inspection;
}

/** The small valid ESP32 image of the brief: 2 segments, 4 + 11 data bytes, no hash. */
const small = buildImage({
  chipId: 0,
  entry: 0x40080404,
  segments: [
    { address: 0x3ffb0000, data: Uint8Array.of(1, 2, 3, 4) },
    { address: 0x40080000, data: Uint8Array.of(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0) },
  ],
});

describe('sha256', () => {
  it('matches node:crypto at every padding boundary and on a megabyte', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 1000, 1 << 20]) {
      const data = pattern(n, n + 7);
      expect(Buffer.from(sha256(data)).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });
});

describe('readPartitionTable', () => {
  it('reads the entry gen_esp32part.py writes for a 1 MB factory app: AA 50, type, subtype, offset, size, label', () => {
    const entry = Buffer.from('aa50000000000100000010006661637' + '46f7279' + '00'.repeat(9) + '00000000', 'hex');
    const table = new Uint8Array(0x60).fill(0xff);
    table.set(entry, 0);
    expect(entry.length).toBe(32);
    expect(readPartitionTable(table, 0)).toEqual({
      entries: [{ label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x100000 }],
      hasMd5: false,
    });
    // Byte-swapped magic is not a table.
    table[0] = 0x50;
    table[1] = 0xaa;
    expect(readPartitionTable(table, 0)).toBeUndefined();
  });
});

describe('inspectImage: a single image', () => {
  it('reads the small two-segment ESP32 image byte for byte', () => {
    // 24 header bytes, 8 + 4, 8 + 11 = 55 bytes of segments; zero padding to 63; checksum at 63.
    expect(small.length).toBe(64);
    const expectedChecksum = [1, 2, 3, 4, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0].reduce((a, b) => a ^ b, 0xef);
    expect(small[63]).toBe(expectedChecksum);
    const d = described(inspectImage(small));
    expect(d).toMatchObject({ layout: 'single', chip: 'esp32', size: 64, flashBase: 0x1000, app: undefined, partitionTable: undefined });
    expect(d.image).toEqual({
      fileOffset: 0,
      chip: 'esp32',
      chipId: 0,
      kind: 'bootloader',
      flashMode: 'dio',
      flashSize: 4 << 20,
      entry: 0x40080404,
      segments: [
        { address: 0x3ffb0000, length: 4, fileOffset: 32 },
        { address: 0x40080000, length: 11, fileOffset: 44 },
      ],
      checksum: expectedChecksum,
      sha256: undefined,
      minChipRevision: 0,
      maxChipRevision: 0xffff,
      end: 64,
    });
    expect(d.notes).toEqual(['the file ends before the partition table at 0x8000: it holds a bootloader only']);
    expect(planFlash(d, { chip: 'esp32', offset: 'auto', flashSize: MB4 })).toEqual({ ok: true, offset: 0x1000, length: 64, warnings: [] });
  });

  it('checks the appended SHA-256 when byte 23 is 1', () => {
    const image = bootloader(0, true);
    expect(image[23]).toBe(1);
    const d = described(inspectImage(image));
    const body = image.subarray(0, image.length - 32);
    expect(d.image.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(d.image.end).toBe(image.length);

    const tampered = image.slice();
    tampered[tampered.length - 1]! ^= 0x01;
    expect(inspectImage(tampered)).toEqual({
      ok: false,
      code: 'E_BAD_IMAGE',
      reason: 'bad-sha256',
      message: 'The image at 0x0 is corrupt: its appended SHA-256 does not match its contents',
      hint: 'The file is corrupt: download it again.',
      size: image.length,
    });
  });

  it('reads a micropython.org esp32-*.bin: bootloader at byte 0, table and app 0x1000 earlier than in flash', () => {
    const file = micropythonImage();
    const d = described(inspectImage(file));
    expect(d.layout).toBe('single');
    expect(d.flashBase).toBe(0x1000);
    expect(d.partitionTable).toEqual({
      flashOffset: 0x8000,
      fileOffset: 0x7000,
      hasMd5: true,
      entries: DEFAULT_PARTITIONS.map(({ label, type, subtype, offset, size }) => ({ label, type, subtype, offset, size })),
    });
    expect(d.app?.fileOffset).toBe(0xf000);
    expect(d.app?.kind).toBe('app');
    expect(d.notes).toEqual([]);
    expect(planFlash(d, { chip: 'esp32', offset: 'auto', flashSize: MB4 })).toMatchObject({ ok: true, offset: 0x1000 });
    expect(planFlash(d, { chip: 'esp32', offset: 0x1000, flashSize: MB4 })).toMatchObject({ ok: true, offset: 0x1000 });
    expect(planFlash(d, { chip: 'esp32', offset: 0, flashSize: MB4 })).toEqual({
      ok: false,
      code: 'E_WRONG_OFFSET',
      reason: 'wrong-offset',
      message: 'This file starts with the bootloader, which on the ESP32 goes at 0x1000, not 0x0: the board would not boot',
      hint: 'Use --offset 0x1000, or leave --offset at auto.',
      size: file.length,
    });
  });

  it('puts an S3 image (bootloader at 0x0 on that chip) at 0x0', () => {
    const d = described(inspectImage(micropythonImage(9)));
    expect(d.chip).toBe('esp32s3');
    expect(d.flashBase).toBe(0);
    // Relative to flash 0x0 the table is at file 0x8000, where this file (laid out for an ESP32) has app bytes.
    expect(d.partitionTable).toBeUndefined();
    const s3 = described(inspectImage(mergedImage(9).subarray(0x1000).slice()));
    expect(planFlash(s3, { chip: 'esp32s3', offset: 'auto', flashSize: MB4 })).toMatchObject({ ok: true, offset: 0 });
    expect(planFlash(s3, { chip: 'esp32s3', offset: 0x1000, flashSize: MB4 })).toMatchObject({
      ok: false,
      code: 'E_WRONG_OFFSET',
      message: 'This file starts with the bootloader, which on the ESP32-S3 goes at 0x0, not 0x1000: the board would not boot',
    });
  });

  it('puts an app-only image in the app partition at 0x10000', () => {
    const d = described(inspectImage(app(0)));
    expect(d.image.kind).toBe('app');
    expect(d.flashBase).toBe(0x10000);
    expect(planFlash(d, { chip: 'esp32', offset: 'auto', flashSize: MB4 })).toMatchObject({ ok: true, offset: 0x10000 });
    expect(planFlash(d, { chip: 'esp32', offset: 0x110000, flashSize: MB4 })).toMatchObject({ ok: true, offset: 0x110000 });
    expect(planFlash(d, { chip: 'esp32', offset: 0x1000, flashSize: MB4 })).toMatchObject({
      ok: false,
      code: 'E_WRONG_OFFSET',
      message: 'This file is an app without a bootloader; it belongs in an app partition (0x10000 by default), not at 0x1000',
    });
  });
});

describe('inspectImage: a merged image (freshev firmware_camera.bin)', () => {
  const file = mergedImage();

  it('finds the bootloader behind 0x1000 bytes of 0xFF, the partition table and the app', () => {
    const d = described(inspectImage(file));
    expect(d.layout).toBe('merged');
    expect(d.flashBase).toBe(0);
    expect(d.image.fileOffset).toBe(0x1000);
    expect(d.image.kind).toBe('bootloader');
    expect(d.partitionTable?.fileOffset).toBe(0x8000);
    expect(d.partitionTable?.entries.map((e) => e.label)).toEqual(['nvs', 'phy_init', 'factory']);
    expect(d.app).toMatchObject({ fileOffset: 0x10000, kind: 'app', chip: 'esp32', end: file.length });
  });

  it('goes at 0x0, and 0x1000 is refused unless forced', () => {
    const d = inspectImage(file);
    expect(planFlash(d, { chip: 'esp32', offset: 'auto', flashSize: MB4 })).toEqual({ ok: true, offset: 0, length: file.length, warnings: [] });
    const refusal = {
      ok: false,
      code: 'E_WRONG_OFFSET',
      reason: 'wrong-offset',
      message: 'This file already contains the 0x1000 padding (bootloader, partition table and app merged); flash it at 0x0, not 0x1000',
      hint: 'Use --offset 0x0, or leave --offset at auto.',
      size: file.length,
    };
    expect(planFlash(d, { chip: 'esp32', offset: 0x1000, flashSize: MB4 })).toEqual(refusal);
    expect(planFlash(d, { chip: 'esp32', offset: 0x1000, flashSize: MB4, force: true })).toEqual({
      ok: true,
      offset: 0x1000,
      length: file.length,
      warnings: [refusal],
    });
  });

  it('refuses a merged file cut inside its app, saying where it ends', () => {
    const cut = file.subarray(0, 0x10000 + 0x4000);
    expect(inspectImage(cut)).toEqual({
      ok: false,
      code: 'E_BAD_IMAGE',
      reason: 'truncated',
      message:
        'The app at 0x10000: the file is truncated: it ends at byte 81920 (0x14000), inside segment 1 of 2 (32768 bytes for 0x3f400020) that starts at 0x10020',
      hint: 'Download the firmware again and compare its size with the published one.',
      size: 0x14000,
    });
  });

  it('notes a merged file that ends before its app', () => {
    const d = described(inspectImage(file.subarray(0, 0x9000)));
    expect(d.partitionTable?.entries).toHaveLength(3);
    expect(d.app).toBeUndefined();
    expect(d.notes).toEqual(['the file ends before the app at 0x10000']);
  });

  it('refuses a file whose bootloader and app are for different chips', () => {
    const mixed = layOut(0x10000 + app(9).length, [
      [0x1000, bootloader(0)],
      [0x8000, buildPartitionTable(DEFAULT_PARTITIONS)],
      [0x10000, app(9)],
    ]);
    expect(inspectImage(mixed)).toMatchObject({
      ok: false,
      reason: 'bad-header',
      message: 'The file mixes chips: its bootloader is for the ESP32 but its app is for the ESP32-S3',
    });
  });
});

describe('planFlash: the chip', () => {
  it('refuses an S3 image on an ESP32 and an ESP32 image on an S3', () => {
    expect(planFlash(inspectImage(bootloader(9)), { chip: 'esp32', offset: 'auto', flashSize: MB4 })).toEqual({
      ok: false,
      code: 'E_WRONG_CHIP',
      reason: 'wrong-chip',
      message: 'This firmware is built for the ESP32-S3, but the board is an ESP32',
      hint: 'Download the firmware built for the ESP32; an ESP32-S3 image would leave the board unable to boot.',
      size: bootloader(9).length,
    });
    expect(planFlash(inspectImage(bootloader(0)), { chip: 'esp32s3', offset: 'auto', flashSize: MB4 })).toMatchObject({
      ok: false,
      code: 'E_WRONG_CHIP',
      message: 'This firmware is built for the ESP32, but the board is an ESP32-S3',
    });
  });

  it('refuses an ESP32 image going to an ESP8266, which esptool lets through', () => {
    expect(planFlash(inspectImage(mergedImage()), { chip: 'esp8266', offset: 'auto', flashSize: MB4 })).toMatchObject({
      ok: false,
      code: 'E_WRONG_CHIP',
      message: 'This firmware is built for the ESP32, but the board is an ESP8266',
    });
  });

  it('reads an ESP8266 image (no extended header) and keeps it off an ESP32', () => {
    const image = buildImage({
      chipId: undefined,
      flashSizeFreq: 0x40,
      entry: 0x40100004,
      segments: [
        { address: 0x40100000, data: pattern(0x6f0, 8) },
        { address: 0x3ffe8000, data: pattern(0x344, 9) },
      ],
    });
    const d = described(inspectImage(image));
    expect(d.chip).toBe('esp8266');
    expect(d.image.chipId).toBeUndefined();
    expect(d.image.flashSize).toBe(4 << 20);
    expect(d.image.segments.map((s) => s.fileOffset)).toEqual([16, 16 + 0x6f0 + 8]);
    expect(planFlash(d, { chip: 'esp8266', offset: 'auto', flashSize: MB4 })).toEqual({ ok: true, offset: 0, length: image.length, warnings: [] });
    expect(planFlash(d, { chip: 'esp32', offset: 'auto', flashSize: MB4 })).toMatchObject({
      ok: false,
      code: 'E_WRONG_CHIP',
      message: 'This firmware is built for the ESP8266, but the board is an ESP32',
    });
  });

  it('lets --force write a wrong-chip image, keeping the refusal as a warning', () => {
    const plan = planFlash(inspectImage(bootloader(9)), { chip: 'esp32', offset: 'auto', flashSize: MB4, force: true });
    expect(plan).toMatchObject({ ok: true, offset: 0, warnings: [{ code: 'E_WRONG_CHIP' }] });
  });
});

describe('planFlash: size and offset', () => {
  it('refuses an image that runs past the end of the flash, even forced', () => {
    const big = layOut(MB4 - 0x800, [[0, micropythonImage()]]);
    const expected = {
      ok: false,
      code: 'E_IMAGE_TOO_LARGE',
      reason: 'too-large',
      message: 'The image does not fit: 4192256 bytes at 0x1000 end at 0x400800, past the 4 MB flash',
      hint: 'Choose firmware built for this flash size, or a board with more flash.',
      size: MB4 - 0x800,
    };
    expect(planFlash(inspectImage(big), { chip: 'esp32', offset: 'auto', flashSize: MB4 })).toEqual(expected);
    expect(planFlash(inspectImage(big), { chip: 'esp32', offset: 'auto', flashSize: MB4, force: true })).toEqual(expected);
    // The same bytes, merged (at 0x0), fill the flash exactly and fit.
    const exact = layOut(MB4, [[0, mergedImage()]]);
    expect(planFlash(inspectImage(exact), { chip: 'esp32', offset: 'auto', flashSize: MB4 })).toMatchObject({ ok: true, offset: 0, length: MB4 });
    expect(planFlash(inspectImage(mergedImage()), { chip: 'esp32', offset: 'auto', flashSize: 0x10000 })).toMatchObject({
      ok: false,
      code: 'E_IMAGE_TOO_LARGE',
      message: `The image does not fit: ${mergedImage().length} bytes at 0x0 end at 0x${mergedImage().length.toString(16)}, past the 64 KB flash`,
    });
  });

  it('refuses an offset that is not on a 4 KB sector, even forced', () => {
    expect(planFlash(inspectImage(mergedImage()), { chip: 'esp32', offset: 0x800, flashSize: MB4, force: true })).toMatchObject({
      ok: false,
      code: 'E_WRONG_OFFSET',
      reason: 'unaligned-offset',
      message: 'The offset 0x800 is not the start of a 4 KB flash sector',
    });
  });
});

describe('inspectImage: files that are not images', () => {
  it('refuses an empty file, even forced', () => {
    const refusal = {
      ok: false,
      code: 'E_BAD_IMAGE',
      reason: 'empty',
      message: 'The file is empty (0 bytes)',
      hint: 'Download the firmware again: an empty file usually means the download failed.',
      size: 0,
    };
    expect(inspectImage(new Uint8Array(0))).toEqual(refusal);
    expect(planFlash(inspectImage(new Uint8Array(0)), { chip: 'esp32', offset: 0, flashSize: MB4, force: true })).toEqual(refusal);
  });

  it('names a JPEG, a zip, a text file and an erased dump', () => {
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9);
    expect(inspectImage(jpeg)).toEqual({
      ok: false,
      code: 'E_BAD_IMAGE',
      reason: 'not-an-image',
      message: 'This file is not an ESP firmware image (a JPEG picture)',
      hint: "Choose the firmware .bin: for the ESP32-CAM, freshev's firmware_camera.bin or micropython.org's esp32-*.bin.",
      size: jpeg.length,
    });
    const zip = Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0);
    expect(inspectImage(zip)).toMatchObject({
      reason: 'not-an-image',
      message: 'This file is not an ESP firmware image (a zip archive: unpack it and choose the .bin inside)',
    });
    expect(inspectImage(buildPartitionTable(DEFAULT_PARTITIONS))).toMatchObject({
      reason: 'not-an-image',
      message: 'This file is not an ESP firmware image (a partition table: it goes at 0x8000, after the bootloader)',
    });
    const text = new TextEncoder().encode('import camera\nprint("hello")\n');
    expect(inspectImage(text)).toMatchObject({ reason: 'not-an-image', message: 'This file is not an ESP firmware image (a text file)' });
    expect(inspectImage(new Uint8Array(0x3000).fill(0xff))).toMatchObject({
      reason: 'not-an-image',
      message: 'This file is not an ESP firmware image (only 0xFF bytes, like an erased flash)',
    });
  });

  it('refuses a bad magic byte', () => {
    const bad = small.slice();
    bad[0] = 0xe8;
    expect(inspectImage(bad)).toMatchObject({
      code: 'E_BAD_IMAGE',
      reason: 'not-an-image',
      message: 'This file is not an ESP firmware image (it starts with E8 02 02 20)',
    });
  });

  it('lets --force write a non-image only at an explicit offset', () => {
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 1, 2, 0xff, 0xd9);
    expect(planFlash(inspectImage(jpeg), { chip: 'esp32', offset: 0x200000, flashSize: MB4, force: true })).toMatchObject({
      ok: true,
      offset: 0x200000,
      length: 8,
      warnings: [{ reason: 'not-an-image' }],
    });
    expect(planFlash(inspectImage(jpeg), { chip: 'esp32', offset: 'auto', flashSize: MB4, force: true })).toEqual({
      ok: false,
      code: 'E_BAD_IMAGE',
      reason: 'no-offset',
      message: 'This file is not an ESP firmware image (a JPEG picture), so its offset cannot be worked out',
      hint: 'Give the offset with --offset to write it anyway.',
      size: 8,
    });
    expect(planFlash(inspectImage(jpeg), { chip: 'esp32', offset: 0x200000, flashSize: MB4 })).toMatchObject({ ok: false, reason: 'not-an-image' });
  });
});

describe('inspectImage: damaged images', () => {
  it('refuses a file truncated in a segment, in the header and before the checksum, saying where it ends', () => {
    expect(inspectImage(small.subarray(0, 50))).toEqual({
      ok: false,
      code: 'E_BAD_IMAGE',
      reason: 'truncated',
      message: 'The file is truncated: it ends at byte 50 (0x32), inside segment 2 of 2 (11 bytes for 0x40080000) that starts at 0x2c',
      hint: 'Download the firmware again and compare its size with the published one.',
      size: 50,
    });
    expect(inspectImage(small.subarray(0, 20))).toMatchObject({
      reason: 'truncated',
      message: 'The file is truncated: it ends at byte 20 (0x14), inside the image header that starts at 0x0',
    });
    expect(inspectImage(small.subarray(0, 60))).toMatchObject({
      reason: 'truncated',
      message: 'The file is truncated: it ends at byte 60 (0x3c), inside the checksum footer that starts at 0x37',
    });
    const hashed = bootloader(0, true);
    expect(inspectImage(hashed.subarray(0, hashed.length - 1))).toMatchObject({
      reason: 'truncated',
      message: expect.stringContaining('inside the appended SHA-256'),
    });
  });

  it('refuses a wrong checksum byte', () => {
    const bad = small.slice();
    bad[45]! ^= 0xff;
    expect(inspectImage(bad)).toEqual({
      ok: false,
      code: 'E_BAD_IMAGE',
      reason: 'bad-checksum',
      message: `The image at 0x0 is corrupt: its checksum byte is 0x${small[63]!.toString(16)} but its segments give 0x${(small[63]! ^ 0xff).toString(16)}`,
      hint: 'The file is corrupt: download it again.',
      size: 64,
    });
  });

  it('refuses 0 or more than 16 segments, a segment larger than any flash, an unknown chip id', () => {
    const zero = small.slice();
    zero[1] = 0;
    expect(inspectImage(zero)).toMatchObject({ reason: 'bad-segments', message: 'The image at 0x0 declares 0 segments (an image has 1 to 16)' });
    const many = small.slice();
    many[1] = 17;
    expect(inspectImage(many)).toMatchObject({ reason: 'bad-segments', message: 'The image at 0x0 declares 17 segments (an image has 1 to 16)' });
    const huge = small.slice();
    new DataView(huge.buffer).setUint32(28, 0x2000000, true);
    expect(inspectImage(huge)).toMatchObject({
      reason: 'bad-segments',
      message: 'Segment 1 of the image at 0x0 claims 33554432 bytes, more than any flash holds',
    });
    const unknown = small.slice();
    unknown[12] = 7;
    expect(inspectImage(unknown)).toMatchObject({
      code: 'E_BAD_IMAGE',
      reason: 'unknown-chip',
      message: 'The image at 0x0 is for chip id 7, which no ESP chip has',
    });
  });
});
