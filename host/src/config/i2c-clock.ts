import type { I2cConfig } from './schema.js';

/** The clock the config gives one real bus, and the key that gave it; undefined leaves the bus to the system. */
export function configuredI2cClock(i2c: I2cConfig | undefined, bus: number): { hz: number; key: string } | undefined {
  const own = i2c?.buses?.[String(bus)]?.clockHz;
  if (own !== undefined) return { hz: own, key: `i2c.buses.${bus}.clockHz` };
  if (i2c?.clockHz !== undefined) return { hz: i2c.clockHz, key: 'i2c.clockHz' };
  return undefined;
}
