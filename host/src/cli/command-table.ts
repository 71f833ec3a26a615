import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every command, in the order `--help` lists them, with what the help shows of it and the module that
 * registers it for real. Only the chosen command's module is loaded: the rest of the CLI (the service, the
 * simulator, serial ports, sharp) costs nothing to `--version`, `--help` or another command. A test checks
 * that these lines match what the modules register.
 */
export interface CommandLine {
  name: string;
  /** The command as the help lists it: `flash-led [options] <state>`. */
  term: string;
  description: string;
  load(): Promise<Register>;
}

const line = (name: string, term: string, description: string, load: () => Promise<Register>): CommandLine => ({ name, term, description, load });

const deviceFiles = () => import('./commands/device-files.js').then((m) => m.registerDeviceFileCommands);

export const COMMANDS: readonly CommandLine[] = [
  line('serve', 'serve [options]', 'run the web UI, HTTP API and socket.io service', () =>
    import('./commands/camera-commands.js').then((m) => m.registerServeCommand),
  ),
  line('capture', 'capture [options]', 'take one photo and write it to a file', () => import('./commands/capture.js').then((m) => m.registerCaptureCommand)),
  line('ping', 'ping [options]', 'check that the camera answers, and which protocol it speaks', () =>
    import('./commands/camera-commands.js').then((m) => m.registerPingCommand),
  ),
  line('flash-led', 'flash-led [options] <state>', 'turn the flash LED on or off', () =>
    import('./commands/camera-commands.js').then((m) => m.registerFlashLedCommand),
  ),
  line('ports', 'ports [options]', 'list serial ports, likely ESP boards first, with their USB bridge and what it means for reset', () =>
    import('./commands/ports.js').then((m) => (program: Command) => m.registerPortsCommand(program)),
  ),
  line('flash', 'flash [options] <firmware>', 'write a firmware image (e.g. MicroPython) to the board over its USB-serial port', () =>
    import('./commands/flash.js').then((m) => m.registerFlashCommand),
  ),
  line('sim', 'sim [options]', 'run the simulated ESP32-CAM (ROM bootloader, flash, MicroPython REPL) with its serial port at a pseudo-terminal', () =>
    import('./commands/sim.js').then((m) => m.registerSimCommand),
  ),
  line(
    'sim-fault',
    'sim-fault [options] <camera> <kind> [args...]',
    'inject a fault into a simulated camera of the running service, to watch its health react',
    () => import('./commands/sim-fault.js').then((m) => m.registerSimFaultCommand),
  ),
  line(
    'health',
    'health [options]',
    "show each camera's health (state, last seen, uptime, boot count, reset cause, recent events) from the running service",
    () => import('./commands/health.js').then((m) => m.registerHealthCommand),
  ),
  line(
    'settings',
    'settings [options] [pairs...]',
    "show the camera's settings (wanted, applied, whether its script takes them, the flash mode), or change them",
    () => import('./commands/settings.js').then((m) => m.registerSettingsCommand),
  ),
  line(
    'push',
    'push [options] [files...]',
    'copy scripts to the board (with no files: the bundled slave script as main.py and its camconfig.py), verified and atomic',
    () => import('./commands/push.js').then((m) => m.registerPushCommand),
  ),
  line('ls', 'ls [options] [dir]', 'list a folder on the board, with sizes', deviceFiles),
  line('cat', 'cat [options] <file>', 'print a file from the board', deviceFiles),
  line('get', 'get [options] <file>', 'copy a file from the board to this machine', deviceFiles),
  line('rm', 'rm [options] <file>', 'remove a file (or an empty folder) on the board', deviceFiles),
  line('reset', 'reset [options]', 'reset the board and show what it prints (hard by default)', () =>
    import('./commands/reset.js').then((m) => m.registerResetCommand),
  ),
  line('repl', 'repl [options]', 'an interactive MicroPython terminal on the board (Ctrl-] quits); it does not reset the board', () =>
    import('./commands/repl.js').then((m) => m.registerReplCommand),
  ),
  line('token', 'token [options]', 'print the access token the service asks for off loopback (and the URL to open), or --rotate it', () =>
    import('./commands/token.js').then((m) => m.registerTokenCommand),
  ),
  line('schedule', 'schedule', "list, add and delete cameras' timelapse schedules, through the running service", () =>
    import('./commands/schedule.js').then((m) => m.registerScheduleCommand),
  ),
  line('export', 'export [options]', "download a time range of a camera's photos from the running service, as a ZIP of the JPEGs or (--mp4) a timelapse", () =>
    import('./commands/export.js').then((m) => m.registerExportCommand),
  ),
];
