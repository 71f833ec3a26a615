import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * udev's stable names: `/dev/serial/by-id/usb-<vendor>_<product>_<serial>-if00-port0` survives re-plugging,
 * where ttyUSB0 may become ttyUSB1. Maps each resolved device path to its by-id link.
 */
export async function readByIdLinks(devRoot: string): Promise<Map<string, string>> {
  const dir = join(devRoot, 'serial', 'by-id');
  const links = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return links;
  }
  for (const name of names.sort()) {
    const link = join(dir, name);
    const target = await realpath(link).catch(() => undefined);
    if (target && !links.has(target)) links.set(target, link);
  }
  return links;
}
