import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The CLI tests spawn the built command (bin/esp32cam.js → dist/). Building once here, before any test file
 * runs, keeps two test files from compiling into dist/ at the same time.
 */
export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (!existsSync(join(root, 'dist', 'host', 'src', 'cli', 'main.js'))) {
    throw new Error(`npm run build failed, so the CLI cannot be tested:\n${tsc.stdout}${tsc.stderr}`);
  }
}
