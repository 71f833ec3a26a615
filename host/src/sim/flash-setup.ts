import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Esp32CamError } from '../errors.js';
import { deviceScriptsDir } from '../paths.js';
import { SimFs } from './sim-fs.js';
import { factoryFlashPieces } from './uart/factory-image.js';
import { DEFAULT_FLASH_SIZE, SimFlash } from './uart/flash-chip.js';

/** The flash, from its file when one is given (`existed` says whether the file was there before). */
export function openFlash(file: string | undefined): { flash: SimFlash; existed: boolean } {
  const existed = file !== undefined && existsSync(file);
  try {
    return { flash: SimFlash.open(DEFAULT_FLASH_SIZE, file), existed };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Esp32CamError(
      'E_BAD_INPUT',
      `Cannot use ${file} as the simulated flash: ${reason}`,
      'Give a raw flash image of exactly 4 MB, or a path that does not exist yet (it is then created from the factory image).',
      { cause: err },
    );
  }
}

/**
 * Fresh flash: freshev's layout, and the script; an explicit script is (re)installed either way. A flash
 * file that already existed otherwise keeps its filesystem, as a real board keeps what was pushed to it.
 */
export function prepareFlash(flash: SimFlash, fresh: boolean, script: string | undefined): void {
  if (fresh) for (const [at, bytes] of factoryFlashPieces()) flash.program(at, bytes);
  if (!fresh && script === undefined) return;
  const fs = SimFs.load(flash);
  fs.install(scriptFiles(script ?? join(deviceScriptsDir(), 'main.py')));
}

/** The script as /main.py, and the other Python files of its folder under their own names. */
function scriptFiles(script: string): Array<[string, Buffer]> {
  const dir = dirname(script);
  const files: Array<[string, Buffer]> = [['/main.py', readFileSync(script)]];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (full === script || name === 'main.py' || name.startsWith('.') || !name.endsWith('.py')) continue;
    try {
      if (statSync(full).isFile()) files.push([`/${name}`, readFileSync(full)]);
    } catch {
      // vanished meanwhile
    }
  }
  return files;
}
