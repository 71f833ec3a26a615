import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
