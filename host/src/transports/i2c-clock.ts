import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Pi's clock when config.txt does not set `i2c_arm_baudrate` (docs/hardware.md §4). */
export const DEFAULT_I2C_CLOCK_HZ = 100_000;

/** Where a bus clock came from: the config, the system (device tree), the Pi's default, or the simulator's sim.busHz. */
export type I2cClockOrigin = 'config' | 'system' | 'default' | 'simulated';

export interface I2cClock {
  hz: number;
  origin: I2cClockOrigin;
}

/**
 * The clock of a Linux I2C adapter as the system configured it, in Hz, or undefined when the system does not
 * say. On a Raspberry Pi, `dtparam=i2c_arm_baudrate=...` in config.txt ends up as the device-tree property
 * `clock-frequency` of the adapter's node, which sysfs shows as a big-endian u32 under
 * /sys/class/i2c-adapter/i2c-N/of_node/ (docs/hardware.md, "The Pi's bus clock"). Adapters without a
 * device-tree node (USB bridges, i2c-stub, a PC) have no such file.
 */
export function detectI2cClockHz(bus: number, sysRoot = '/'): number | undefined {
  const path = join(sysRoot, 'sys', 'class', 'i2c-adapter', `i2c-${bus}`, 'of_node', 'clock-frequency');
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch {
    return undefined;
  }
  if (raw.length !== 4) return undefined;
  const hz = raw.readUInt32BE(0);
  return hz > 0 ? hz : undefined;
}

/**
 * The clock a real bus runs at: what the config says, else what the system says, else the Pi's default.
 * The config comes first because it is the user's word, and the one way to set a bus the system says
 * nothing about (a USB bridge). `detectedHz` is what the system said, also when the config overrode it.
 */
export function resolveI2cClock(bus: number, configuredHz: number | undefined, sysRoot = '/'): I2cClock & { detectedHz: number | undefined } {
  const detectedHz = detectI2cClockHz(bus, sysRoot);
  if (configuredHz !== undefined) return { hz: configuredHz, origin: 'config', detectedHz };
  if (detectedHz !== undefined) return { hz: detectedHz, origin: 'system', detectedHz };
  return { hz: DEFAULT_I2C_CLOCK_HZ, origin: 'default', detectedHz };
}
