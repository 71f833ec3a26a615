import { readdirSync } from 'node:fs';

/** Which camera the service talks to: the simulated board, or a real board on a Linux I2C bus. */
export type CameraSpec = { kind: 'sim' } | { kind: 'i2c'; bus: number; address: number };

/** freshev's I2C slave default (hardware-facts §1). */
export const DEFAULT_CAMERA_ADDRESS = 0x2c;

const I2C_SPEC = /^i2c:(\d{1,3})@(0x[0-9a-f]{1,2}|\d{1,3})$/i;

/** Parses `sim` or `i2c:<bus>@<addr>` (address in hex `0x2c` or decimal `44`); undefined when it is neither. */
export function parseCameraSpec(text: string): CameraSpec | undefined {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'sim') return { kind: 'sim' };
  const m = I2C_SPEC.exec(trimmed);
  if (!m) return undefined;
  const bus = Number(m[1]);
  const address = m[2].toLowerCase().startsWith('0x') ? parseInt(m[2].slice(2), 16) : Number(m[2]);
  // 0x00-0x07 and 0x78-0x7f are reserved I2C addresses; a slave can never answer there.
  if (bus > 255 || address < 0x08 || address > 0x77) return undefined;
  return { kind: 'i2c', bus, address };
}

/** The canonical spelling, used in records and status: `sim` or `i2c:1@0x2c`. */
export function formatCameraSpec(spec: CameraSpec): string {
  if (spec.kind === 'sim') return 'sim';
  return `i2c:${spec.bus}@0x${spec.address.toString(16).padStart(2, '0')}`;
}

/** `sim` on machines without any I2C bus (laptops, CI), the Pi's usual bus 1 otherwise. */
export function defaultCameraSpec(devDir = '/dev'): string {
  let entries: string[] = [];
  try {
    entries = readdirSync(devDir);
  } catch {
    return 'sim';
  }
  return entries.some((name) => /^i2c-\d+$/.test(name))
    ? formatCameraSpec({ kind: 'i2c', bus: 1, address: DEFAULT_CAMERA_ADDRESS })
    : 'sim';
}
