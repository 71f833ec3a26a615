/**
 * The simulated board's filesystem, kept in the `vfs` partition of its flash. Real firmware formats that
 * partition as littlefs v2 (freshev `_boot.py`/`inisetup.py`); reproducing littlefs is out of scope, so the
 * simulator stores its own serialisation there: a magic, the entries, and a SHA-256 of them. What matters is
 * kept: the files live in the flash (so they persist with the flash file, and `erase_flash` wipes them), an
 * erased partition gets MicroPython's initial setup, and any other content reads as a corrupted filesystem.
 *
 * The worker running MicroPython holds the working copy; it reports each change here, and this side owns
 * the copy in the flash.
 */
import { createHash } from 'node:crypto';
import { readPartitionTable } from '../../../protocol/src/esp-image/index.js';
import { Esp32CamError } from '../errors.js';
import { PARTITION_TABLE_OFFSET } from './uart/factory-image.js';
import type { SimFlash } from './uart/flash-chip.js';

const MAGIC = Buffer.from('SIMVFS1\n', 'latin1');
const TYPE_FILE = 1;
const TYPE_DIR = 2;
/** littlefs's block size on the ESP32 port (the flash sector). */
export const FS_BLOCK = 4096;

export type FsState = 'ok' | 'erased' | 'corrupt' | 'none';

export interface FsRegion {
  offset: number;
  size: number;
}

export type FsChange =
  | { op: 'write'; path: string; data: Uint8Array }
  | { op: 'remove'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'mkdir'; path: string }
  | { op: 'rmdir'; path: string };

/** The data partition freshev's `flashbdev.py` mounts: the one labelled `vfs`. */
export function findFsRegion(flash: SimFlash): FsRegion | undefined {
  const table = readPartitionTable(flash.read(PARTITION_TABLE_OFFSET, 0xc00), 0);
  const vfs = table?.entries.find((e) => e.type === 0x01 && e.label === 'vfs');
  if (!vfs || !flash.contains(vfs.offset, vfs.size)) return undefined;
  return { offset: vfs.offset, size: vfs.size };
}

export class SimFs {
  readonly files = new Map<string, Buffer>();
  readonly dirs = new Set<string>();
  private written = 0;

  private constructor(
    private readonly flash: SimFlash,
    readonly region: FsRegion | undefined,
    public state: FsState,
  ) {}

  /** Reads the filesystem from the flash as the board would find it at boot. */
  static load(flash: SimFlash): SimFs {
    const region = findFsRegion(flash);
    if (!region) return new SimFs(flash, undefined, 'none');
    const bytes = flash.read(region.offset, region.size);
    if (bytes.every((b) => b === 0xff)) return new SimFs(flash, region, 'erased');
    const fs = new SimFs(flash, region, 'corrupt');
    if (fs.parse(bytes)) fs.state = 'ok';
    return fs;
  }

  /** Capacity in blocks: the partition, or less when a test shrinks it. */
  blocks(capacityBytes?: number): number {
    const size = Math.min(capacityBytes ?? Infinity, this.region?.size ?? 0);
    return Math.floor(size / FS_BLOCK);
  }

  apply(change: FsChange): void {
    switch (change.op) {
      case 'write':
        this.files.set(change.path, Buffer.from(change.data));
        break;
      case 'remove':
        this.files.delete(change.path);
        break;
      case 'rename': {
        const data = this.files.get(change.from);
        if (data) {
          this.files.delete(change.from);
          this.files.set(change.to, data);
        } else if (this.dirs.has(change.from)) {
          const moved = (p: string): string | undefined =>
            p === change.from || p.startsWith(`${change.from}/`) ? change.to + p.slice(change.from.length) : undefined;
          for (const [p, d] of [...this.files]) {
            const to = moved(p);
            if (to === undefined) continue;
            this.files.delete(p);
            this.files.set(to, d);
          }
          for (const p of [...this.dirs]) {
            const to = moved(p);
            if (to === undefined) continue;
            this.dirs.delete(p);
            this.dirs.add(to);
          }
        }
        break;
      }
      case 'mkdir':
        this.dirs.add(change.path);
        break;
      case 'rmdir':
        this.dirs.delete(change.path);
        break;
    }
    this.state = 'ok';
    this.persist();
  }

  /** Installs files from the host (the `script` option), as a fresh or existing filesystem. */
  install(files: Array<[string, Buffer]>): void {
    if (!this.region) {
      throw new Esp32CamError(
        'E_SIM_SCRIPT',
        'The simulated flash has no `vfs` partition to install the script into',
        'Start the simulated board without a flash file, or flash firmware with a vfs partition (freshev firmware_camera.bin).',
      );
    }
    if (this.state !== 'ok') {
      this.files.clear();
      this.dirs.clear();
    }
    for (const [path, data] of files) this.files.set(path, data);
    this.state = 'ok';
    this.persist();
  }

  /** What the worker is seeded with. */
  snapshot(): { files: Array<[string, string]>; dirs: string[] } {
    return { files: [...this.files].map(([p, d]) => [p, d.toString('hex')]), dirs: [...this.dirs] };
  }

  private persist(): void {
    if (!this.region) return;
    const parts: Buffer[] = [];
    const entry = (type: number, path: string, data: Buffer): void => {
      const name = Buffer.from(path, 'utf8');
      const head = Buffer.alloc(7);
      head.writeUInt8(type, 0);
      head.writeUInt16LE(name.length, 1);
      head.writeUInt32LE(data.length, 3);
      parts.push(head, name, data);
    };
    for (const d of [...this.dirs].sort()) entry(TYPE_DIR, d, Buffer.alloc(0));
    for (const [p, d] of [...this.files].sort(([a], [b]) => (a < b ? -1 : 1))) entry(TYPE_FILE, p, d);
    const body = Buffer.concat(parts);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(body.length, 0);
    const digest = createHash('sha256').update(body).digest().subarray(0, 8);
    const image = Buffer.concat([MAGIC, len, body, digest]);
    if (image.length > this.region.size) return; // the worker's block accounting keeps it far below this
    const span = Math.max(image.length, this.written);
    this.flash.erase(this.region.offset, span);
    this.flash.program(this.region.offset, image);
    this.written = image.length;
  }

  private parse(bytes: Buffer): boolean {
    if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return false;
    const len = bytes.readUInt32LE(MAGIC.length);
    const start = MAGIC.length + 4;
    if (start + len + 8 > bytes.length) return false;
    const body = bytes.subarray(start, start + len);
    if (
      !createHash('sha256')
        .update(body)
        .digest()
        .subarray(0, 8)
        .equals(bytes.subarray(start + len, start + len + 8))
    )
      return false;
    for (let at = 0; at < body.length;) {
      const type = body.readUInt8(at);
      const nameLen = body.readUInt16LE(at + 1);
      const dataLen = body.readUInt32LE(at + 3);
      const path = body.subarray(at + 7, at + 7 + nameLen).toString('utf8');
      const data = Buffer.from(body.subarray(at + 7 + nameLen, at + 7 + nameLen + dataLen));
      if (type === TYPE_DIR) this.dirs.add(path);
      else this.files.set(path, data);
      at += 7 + nameLen + dataLen;
    }
    this.written = start + len + 8;
    return true;
  }
}
