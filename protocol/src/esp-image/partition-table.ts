/**
 * Reads an ESP-IDF partition table (`gen_esp32part.py`): 32-byte entries `AA 50 type subtype offset32 size32
 * label[16] flags32`, optionally followed by an `EB EB` row carrying an MD5, ended by 0xFF.
 */
import type { PartitionEntry } from './types.js';

const ENTRY_SIZE = 32;
/** The table region is 0xC00 bytes: at most 95 entries plus the MD5 row. */
const MAX_ENTRIES = 0xc00 / ENTRY_SIZE;
export const PARTITION_TYPE_APP = 0x00;

export interface ParsedPartitionTable {
  entries: PartitionEntry[];
  hasMd5: boolean;
}

/** The table at `at`, or undefined when the bytes there are not one (erased flash, or anything else). */
export function readPartitionTable(bytes: Uint8Array, at: number): ParsedPartitionTable | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: PartitionEntry[] = [];
  let hasMd5 = false;
  for (let i = 0; i < MAX_ENTRIES; i++) {
    const pos = at + i * ENTRY_SIZE;
    if (pos + ENTRY_SIZE > bytes.length) break;
    const b0 = bytes[pos]!;
    const b1 = bytes[pos + 1]!;
    if (b0 === 0xaa && b1 === 0x50) {
      const labelBytes = bytes.subarray(pos + 12, pos + 28);
      const nul = labelBytes.indexOf(0);
      entries.push({
        type: bytes[pos + 2]!,
        subtype: bytes[pos + 3]!,
        offset: view.getUint32(pos + 4, true),
        size: view.getUint32(pos + 8, true),
        label: String.fromCharCode(...labelBytes.subarray(0, nul < 0 ? 16 : nul)),
      });
    } else if (b0 === 0xeb && b1 === 0xeb) {
      hasMd5 = true;
    } else {
      break;
    }
  }
  return entries.length > 0 ? { entries, hasMd5 } : undefined;
}

/** The app the bootloader starts by default: the factory app, else the first app partition. */
export function defaultAppPartition(entries: PartitionEntry[]): PartitionEntry | undefined {
  const apps = entries.filter((e) => e.type === PARTITION_TYPE_APP);
  return apps.find((e) => e.subtype === 0x00) ?? apps[0];
}
