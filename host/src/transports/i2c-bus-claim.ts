import { Esp32CamError, isEsp32CamError } from '../errors.js';
import { acquirePortLock, type PortLock } from './serial/port-lock.js';

/**
 * One master process per I2C bus: two programs taking turns on one wire interleave their transactions, and
 * the legacy protocol cannot tell whose reply it is reading. The claim is a UUCP-style lock file
 * (`/run/lock/LCK..i2c-1` holding the owner's pid), as for serial ports, so the second program is told who
 * holds the bus instead of corrupting its photos.
 */
export async function claimI2cBus(bus: number, owner: string, opts: { lockDir?: string | null } = {}): Promise<PortLock> {
  const device = `/dev/i2c-${bus}`;
  try {
    return await acquirePortLock(device, { displayPath: device, owner, ...(opts.lockDir !== undefined ? { lockDir: opts.lockDir } : {}) });
  } catch (err) {
    if (!isEsp32CamError(err, 'E_PORT_BUSY')) throw err;
    throw new Esp32CamError(
      'E_BUS_CLAIMED',
      err.message,
      "Only one program may drive an I2C bus. When that is the esp32cam service, the CLI goes through it (start it, or check its URL in the data folder's service.json); otherwise stop that program.",
      { cause: err },
    );
  }
}
