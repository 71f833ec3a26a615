import { Command, Help } from 'commander';
import { packageVersion } from '../services/version.js';
import { COMMANDS } from './command-table.js';

/** Global options that take a value: the word after them is not a command. */
const GLOBAL_VALUES = new Set(['--log-level']);

/**
 * The command the arguments run: the first word that is neither a global option nor its value; after
 * `help`, the command it asks about. Undefined for `--help`, `--version` or nothing at all.
 */
export function chosenCommand(args: readonly string[]): string | undefined {
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') return undefined;
    if (arg.startsWith('-')) {
      if (GLOBAL_VALUES.has(arg)) i++;
      continue;
    }
    if (arg === 'help' && !help) {
      help = true;
      continue;
    }
    return arg;
  }
  return undefined;
}

/**
 * The CLI for `args` (the arguments after the script): its global options, the chosen command registered
 * by its own module, and every other command as a line of help that loads its module if it ever runs.
 * `everything` registers every command for real, as the CLI did before it loaded them lazily.
 */
export async function buildProgram(args: readonly string[], opts: { everything?: boolean } = {}): Promise<Command> {
  const program = new Command('esp32cam')
    .description('Photos from an ESP32-CAM behind a Raspberry Pi, over I2C; or from a simulated board')
    .version(packageVersion())
    .option('--debug', 'print stack traces with errors')
    .option('-v, --verbose', 'log more: -v debug, -vv trace (every I2C transaction and REPL byte)', (_value: string, previous: number) => previous + 1, 0)
    .option(
      '--log-level <levels>',
      `log levels, e.g. "debug" or "info,i2c=trace,repl=trace" (default: $ESP32CAM_LOG, else info for serve and warn for the rest)`,
    )
    .showHelpAfterError();
  // Logging is set up before any command runs, from the flags, then the environment.
  program.hook('preAction', async (_program, command) => {
    const { configureLogging, LOG_ENV, parseLogLevels, verbosityLevel } = await import('../log/index.js');
    const flags = program.opts<{ verbose: number; logLevel?: string }>();
    const base = { default: command.name() === 'serve' ? 'info' : 'warn', namespaces: {} } as const;
    let levels = parseLogLevels(flags.logLevel ?? process.env[LOG_ENV] ?? '', { ...base, namespaces: {} });
    const verbose = verbosityLevel(flags.verbose);
    if (verbose) levels = { ...levels, default: verbose };
    configureLogging({ levels });
  });

  const chosen = COMMANDS.find((line) => line.name === chosenCommand(args));
  const terms = new Map<Command, string>();
  const registered = (name: string) => program.commands.some((command) => command.name() === name);
  for (const line of COMMANDS) {
    if (registered(line.name)) continue;
    // A module that registers several commands (ls, cat, get, rm) registers them all, in their place.
    if (opts.everything || line.load === chosen?.load) {
      (await line.load())(program);
      continue;
    }
    // Only a line of help; should it run all the same (arguments read otherwise than above), it loads the
    // real command and runs the arguments again.
    const stand = program
      .command(line.name)
      .description(line.description)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(async () => {
        const real = await buildProgram([line.name]);
        await real.parseAsync([...args], { from: 'user' });
      });
    terms.set(stand, line.term);
  }
  const help = new Help();
  program.configureHelp({ subcommandTerm: (command) => terms.get(command) ?? help.subcommandTerm(command) });
  return program;
}
