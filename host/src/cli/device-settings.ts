import { renderConfigModule } from '../devices/push/index.js';
import { Esp32CamError, isEsp32CamError } from '../errors.js';
import type { Config } from '../config/index.js';

/** `--set NAME=VALUE`, repeatable: commander's collector. */
export function collectSetting(text: string, previous: string[] = []): string[] {
  return [...previous, text];
}

/**
 * The camconfig.py values for a push: the config file's `device` section, then `--set` flags (later wins).
 * Each source is checked against camconfig.py on its own, so an error names where the bad value came from.
 */
export function deviceSettings(config: Pick<Config, 'device'>, sets: string[] = []): Record<string, unknown> {
  const fromFile = config.device ?? {};
  attribute('the config file\'s "device" section', () => renderConfigModule(fromFile));
  const fromFlags: Record<string, string> = {};
  for (const text of sets) {
    const m = /^([^=\s]+)=(.*)$/s.exec(text);
    if (!m)
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `--set ${text} is not NAME=VALUE`,
        'Write it like --set I2C_ADDRESS=0x2d (names as in device-scripts/camconfig.py).',
      );
    fromFlags[m[1]] = m[2];
  }
  attribute('--set', () => renderConfigModule(fromFlags));
  return { ...fromFile, ...fromFlags };
}

function attribute(source: string, check: () => unknown): void {
  try {
    check();
  } catch (err) {
    if (isEsp32CamError(err, 'E_CONFIG')) throw new Esp32CamError('E_CONFIG', `${source}: ${err.message}`, err.hint, { cause: err });
    throw err;
  }
}
