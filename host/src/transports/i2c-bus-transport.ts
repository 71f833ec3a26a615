import { access, constants } from 'node:fs/promises';
import { Esp32CamError, systemErrorCode } from '../errors.js';
import type { I2cTransport } from './i2c-transport.js';

/**
 * Opens Linux i2c-dev bus `/dev/i2c-<busNumber>` through the i2c-bus package. i2c-bus's promisified bus already
 * has the transport's shape; this adds the checks that turn a missing or forbidden device into advice.
 */
export async function openI2cBus(busNumber = 1): Promise<I2cTransport> {
  if (!Number.isInteger(busNumber) || busNumber < 0) {
    throw new Esp32CamError('E_CONFIG', `I2C bus number ${busNumber} is not valid`, 'Use the number N of /dev/i2c-N, e.g. 1 on a Raspberry Pi.');
  }
  const device = `/dev/i2c-${busNumber}`;
  try {
    await access(device, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw deviceError(device, err);
  }
  let i2c: typeof import('i2c-bus');
  try {
    i2c = (await import('i2c-bus')).default;
  } catch (err) {
    throw new Esp32CamError(
      'E_NO_I2C_DEVICE',
      `The i2c-bus native module could not be loaded: ${(err as Error).message}`,
      'Reinstall with `npm install` on the Pi (it needs make, g++ and python3) and check that package.json allowScripts lists i2c-bus.',
      { cause: err },
    );
  }
  try {
    const bus = await i2c.openPromisified(busNumber);
    return {
      i2cWrite: (address, length, buffer) => bus.i2cWrite(address, length, buffer),
      i2cRead: (address, length, buffer) => bus.i2cRead(address, length, buffer),
      close: () => bus.close(),
    };
  } catch (err) {
    throw deviceError(device, err);
  }
}

function deviceError(device: string, err: unknown): Esp32CamError {
  const code = systemErrorCode(err);
  if (code === 'ENOENT') {
    return new Esp32CamError(
      'E_NO_I2C_DEVICE',
      `${device} does not exist`,
      'Enable I2C with `sudo raspi-config` (Interface Options → I2C) and reboot, or run with `--camera sim` to use the simulated camera.',
      { cause: err },
    );
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new Esp32CamError(
      'E_I2C_PERMISSION',
      `No permission to open ${device}`,
      'Add your user to the i2c group (`sudo usermod -aG i2c $USER`, then log in again).',
      { cause: err },
    );
  }
  return new Esp32CamError(
    'E_NO_I2C_DEVICE',
    `${device} could not be opened: ${(err as Error).message}`,
    'Check that I2C is enabled with `sudo raspi-config`.',
    { cause: err },
  );
}
