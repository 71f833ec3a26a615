import { readdirSync } from 'node:fs';

/**
 * Where a camera is: a simulated board on a simulated I2C bus, or a real board on a Linux I2C bus, at a
 * 7-bit address. Simulated buses are numbered like real ones; boards on the same number share a wire.
 */
export interface CameraSpec {
  kind: 'sim' | 'i2c';
  bus: number;
  address: number;
}

/** freshev's I2C slave default (docs/hardware.md, "The I2C slave"). */
export const DEFAULT_CAMERA_ADDRESS = 0x2c;
/** The simulated bus a bare `sim` means, numbered as the Pi's usual bus. */
export const DEFAULT_SIM_BUS = 1;

const SPEC = /^(sim|i2c)(?::(\d{1,3}))?(?:@(0x[0-9a-f]{1,2}|\d{1,3}))?$/i;

/**
 * Parses `sim`, `sim@0x2d`, `sim:2@0x2c` or `i2c:<bus>@<addr>` (address in hex `0x2c` or decimal `44`);
 * undefined when it is none of them. A real bus needs both its number and the address.
 */
export function parseCameraSpec(text: string): CameraSpec | undefined {
  const m = SPEC.exec(text.trim());
  if (!m) return undefined;
  const kind = m[1].toLowerCase() as CameraSpec['kind'];
  if (kind === 'i2c' && (m[2] === undefined || m[3] === undefined)) return undefined;
  const bus = m[2] === undefined ? DEFAULT_SIM_BUS : Number(m[2]);
  const address = m[3] === undefined ? DEFAULT_CAMERA_ADDRESS : m[3].toLowerCase().startsWith('0x') ? parseInt(m[3].slice(2), 16) : Number(m[3]);
  // 0x00-0x07 and 0x78-0x7f are reserved I2C addresses; a slave can never answer there.
  if (bus > 255 || address < 0x08 || address > 0x77) return undefined;
  return { kind, bus, address };
}

const hex = (address: number): string => `0x${address.toString(16).padStart(2, '0')}`;

/** The canonical spelling, used in records and status: `sim`, `sim@0x2d`, `sim:2@0x2c` or `i2c:1@0x2c`. */
export function formatCameraSpec(spec: CameraSpec): string {
  if (spec.kind === 'i2c') return `i2c:${spec.bus}@${hex(spec.address)}`;
  if (spec.bus !== DEFAULT_SIM_BUS) return `sim:${spec.bus}@${hex(spec.address)}`;
  return spec.address === DEFAULT_CAMERA_ADDRESS ? 'sim' : `sim@${hex(spec.address)}`;
}

/** Names the bus a spec is on, the same for every camera on it: `sim:1` or `i2c:1`. */
export function busKey(spec: CameraSpec): string {
  return `${spec.kind}:${spec.bus}`;
}

/** `sim` on machines without any I2C bus (laptops, CI), the Pi's usual bus 1 otherwise. */
export function defaultCameraSpec(devDir = '/dev'): string {
  let entries: string[];
  try {
    entries = readdirSync(devDir);
  } catch {
    return 'sim';
  }
  return entries.some((name) => /^i2c-\d+$/.test(name)) ? formatCameraSpec({ kind: 'i2c', bus: 1, address: DEFAULT_CAMERA_ADDRESS }) : 'sim';
}
