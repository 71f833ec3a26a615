import type { Command } from 'commander';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<void> {
  let program: Command | undefined;
  try {
    program = await buildProgram(argv.slice(2));
    await program.parseAsync(argv);
  } catch (err) {
    const { reportError } = await import('./report-error.js');
    reportError(err, program?.opts().debug === true || argv.includes('--debug'));
    process.exitCode = 1;
  }
  // The simulated board's worker and the bus are closed by now; exiting here also ends any stray handle.
  process.exit(process.exitCode ?? 0);
}

await main(process.argv);
