import { Argument, Command } from 'commander';
import { configureLogging, LOG_ENV, parseLogLevels, verbosityLevel } from '../log/index.js';
import { packageVersion } from '../services/version.js';
import { addCameraOptions, addOneCameraOptions } from './camera-options.js';
import { registerCaptureCommand } from './commands/capture.js';
import { registerDeviceFileCommands } from './commands/device-files.js';
import { registerExportCommand } from './commands/export.js';
import { registerFlashCommand } from './commands/flash.js';
import { registerHealthCommand } from './commands/health.js';
import { flashLedCommand } from './commands/flash-led.js';
import { pingCommand } from './commands/ping.js';
import { registerPortsCommand } from './commands/ports.js';
import { registerPushCommand } from './commands/push.js';
import { registerReplCommand } from './commands/repl.js';
import { registerResetCommand } from './commands/reset.js';
import { registerScheduleCommand } from './commands/schedule.js';
import { registerSimCommand } from './commands/sim.js';
import { registerSimFaultCommand } from './commands/sim-fault.js';
import { serveCommand } from './commands/serve.js';
import { registerSettingsCommand } from './commands/settings.js';
import { registerTokenCommand } from './commands/token.js';
import { reportError } from './report-error.js';

function buildProgram(): Command {
  const program = new Command('esp32cam')
    .description('Photos from an ESP32-CAM behind a Raspberry Pi, over I2C; or from a simulated board')
    .version(packageVersion())
    .option('--debug', 'print stack traces with errors')
    .option('-v, --verbose', 'log more: -v debug, -vv trace (every I2C transaction and REPL byte)', (_value: string, previous: number) => previous + 1, 0)
    .option('--log-level <levels>', `log levels, e.g. "debug" or "info,i2c=trace,repl=trace" (default: $${LOG_ENV}, else info for serve and warn for the rest)`)
    .showHelpAfterError();
  // Logging is set up before any command runs, from the flags, then the environment.
  program.hook('preAction', (_program, command) => {
    const opts = program.opts<{ verbose: number; logLevel?: string }>();
    const base = { default: command.name() === 'serve' ? 'info' : 'warn', namespaces: {} } as const;
    let levels = parseLogLevels(opts.logLevel ?? process.env[LOG_ENV] ?? '', { ...base, namespaces: {} });
    const verbose = verbosityLevel(opts.verbose);
    if (verbose) levels = { ...levels, default: verbose };
    configureLogging({ levels });
  });

  addCameraOptions(program.command('serve').description('run the web UI, HTTP API and socket.io service'), 'many')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default 8080; 0 picks a free one)')
    .option('--data-dir <dir>', 'folder for photos (default ./data)')
    .option('--no-auth', 'never ask for the access token (only behind your own authenticating proxy)')
    .option(
      '--mqtt <url>',
      'publish to this MQTT broker for Home Assistant, e.g. mqtt://broker.lan:1883 (the password goes in the config or the environment, never here)',
    )
    .action((flags) => serveCommand(flags));

  registerCaptureCommand(program);

  addOneCameraOptions(program.command('ping').description('check that the camera answers, and which protocol it speaks')).action((flags) => pingCommand(flags));

  addOneCameraOptions(program.command('flash-led').description('turn the flash LED on or off'))
    .addArgument(new Argument('<state>', 'on or off').choices(['on', 'off']))
    .action((state: 'on' | 'off', flags) => flashLedCommand(state, flags));

  registerPortsCommand(program);
  registerFlashCommand(program);
  registerSimCommand(program);
  registerSimFaultCommand(program);
  registerHealthCommand(program);
  registerSettingsCommand(program);
  registerPushCommand(program);
  registerDeviceFileCommands(program);
  registerResetCommand(program);
  registerReplCommand(program);
  registerTokenCommand(program);
  registerScheduleCommand(program);
  registerExportCommand(program);

  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    reportError(err, program.opts().debug === true || argv.includes('--debug'));
    process.exitCode = 1;
  }
  // The simulated board's worker and the bus are closed by now; exiting here also ends any stray handle.
  process.exit(process.exitCode ?? 0);
}

await main(process.argv);
