import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { packageRoot } from '../../host/src/paths.js';
import { simExposure, type SimExposure, type SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import { tempScript } from '../sim/helpers.js';

export const FIELD_SCRIPT = join(packageRoot(), 'test', 'fixtures', 'legacy_slave.py');
const SCRIPTS = join(packageRoot(), 'device-scripts');

/** Mean luma (0–255) of a JPEG, decoded by sharp. */
export async function meanLuma(jpeg: Buffer): Promise<number> {
  const stats = await sharp(jpeg).greyscale().stats();
  return stats.channels[0]!.mean;
}

/** How the simulated board exposed a photo: the COM segment its camera wrote. */
export function exposure(jpeg: Buffer): SimExposure {
  const found = simExposure(jpeg);
  if (!found) throw new Error('the photo carries no simulated exposure record');
  return found;
}

/**
 * device-scripts/main.py as it was before CAPTURE's flags: its CAPTURE ignores the argument byte and answers the
 * 10-byte reply. Made from today's script so that it stays the same script in every other way; each edit
 * must apply, so a change to main.py cannot quietly turn this into something else.
 */
export function scriptWithoutCaptureFlags(): string {
  let source = readFileSync(join(SCRIPTS, 'main.py'), 'utf8');
  const edits: Array<[string, string]> = [
    ['flags = (args[0] if args else 0) & CAPTURE_KNOWN', 'flags = 0'],
    ["struct.pack('<HIIB', self.photo_id, len(self.photo),", "struct.pack('<HII', self.photo_id, len(self.photo),"],
    ['binascii.crc32(self.photo) & 0xFFFFFFFF, flags))', 'binascii.crc32(self.photo) & 0xFFFFFFFF))'],
  ];
  for (const [from, to] of edits) {
    if (!source.includes(from)) throw new Error(`main.py no longer contains ${JSON.stringify(from)}: update this fixture`);
    source = source.replace(from, to);
  }
  return tempScript(source, { 'camconfig.py': readFileSync(join(SCRIPTS, 'camconfig.py'), 'utf8') });
}

export interface PinChange {
  value: number;
  at: number;
}

/** Records the flash LED's (GPIO4's) changes, with the host's time of each. */
export function flashLedChanges(board: SimulatedEsp32Cam): PinChange[] {
  const changes: PinChange[] = [];
  board.on('pin', (e: { pin: number; value: number }) => {
    if (e.pin === 4) changes.push({ value: e.value, at: Date.now() });
  });
  return changes;
}
