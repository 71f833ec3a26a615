import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root folder, found by walking up to package.json. The same code runs from `host/src`
 * (tests, through vitest) and from `dist/host/src` (the built CLI), so data files such as the device
 * scripts and the web page are located from the root, never relative to the module itself.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'device-scripts'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('esp32cam-host: cannot find the package root (package.json with device-scripts/)');
    dir = parent;
  }
}

export const deviceScriptsDir = (): string => join(packageRoot(), 'device-scripts');
export const webDir = (): string => join(packageRoot(), 'web');
