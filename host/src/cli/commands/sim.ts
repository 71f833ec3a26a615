import type { Command } from 'commander';
import { Esp32CamError, systemErrorCode } from '../../errors.js';
import { SimulatedEsp32Cam } from '../../sim/index.js';
import { PtySerialLink, type BootEvent, type SimSerialBoard } from '../../sim/uart/index.js';

interface SimFlags {
  serialLink: string;
  downloadMode?: boolean;
  flashFile?: string;
  autoReset: boolean;
  script?: string;
}

/**
 * `esp32cam sim --serial-link PATH`: the whole simulated ESP32-CAM with its UART at a pseudo-terminal, for
 * outside tools such as esptool.py, mpremote or a serial terminal: the ROM and flash, and MicroPython's REPL
 * once it boots. It runs until Ctrl-C.
 */
export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('run the simulated ESP32-CAM (ROM bootloader, flash, MicroPython REPL) with its serial port at a pseudo-terminal')
    .requiredOption('--serial-link <path>', 'where to create the pseudo-terminal link, e.g. /tmp/esp32cam')
    .option('--download-mode', 'start with GPIO0 held low (a pty has no DTR/RTS to reset into the bootloader)')
    .option('--flash-file <file>', 'keep the 4 MB flash (firmware and filesystem) in this raw image file (created with MicroPython when missing)')
    .option('--script <file>', "install this slave script as main.py at start (default: keep the flash file's own)")
    .option('--no-auto-reset', 'model a board without the DTR/RTS auto-reset circuit (a loose FTDI adapter)')
    .action((flags: SimFlags) => simCommand(flags));
}

function openBoard(flags: SimFlags): Promise<SimulatedEsp32Cam> {
  return SimulatedEsp32Cam.start({
    flashFile: flags.flashFile,
    script: flags.script,
    serial: { downloadMode: flags.downloadMode === true, autoReset: flags.autoReset },
  });
}

async function openLink(path: string, board: SimSerialBoard): Promise<PtySerialLink> {
  try {
    return await PtySerialLink.open(path, board);
  } catch (err) {
    const hint =
      systemErrorCode(err) === 'ENOENT'
        ? 'Install socat (`sudo apt-get install socat`); it creates the pseudo-terminal.'
        : 'Choose a path in a writable folder that is not an existing file, e.g. /tmp/esp32cam.';
    throw new Esp32CamError('E_SIM_SERIAL_LINK', `Cannot create the serial link at ${path}: ${err instanceof Error ? err.message : String(err)}`, hint, {
      cause: err,
    });
  }
}

async function simCommand(flags: SimFlags): Promise<void> {
  const sim = await openBoard(flags);
  const board = sim.serial;
  let link: PtySerialLink;
  try {
    link = await openLink(flags.serialLink, board);
  } catch (err) {
    await sim.close();
    throw err;
  }
  board.on('boot', (boot: BootEvent) => {
    const how = boot.mode === 'download' ? 'download mode (waiting for esptool)' : `from flash: ${firstLine(boot.log)}`;
    process.stdout.write(`esp32cam: simulated board booted ${how}\n`);
  });
  process.stdout.write(
    `esp32cam: simulated ESP32-CAM at ${link.path} (115200 baud, ${board.state}${flags.flashFile ? `, flash in ${flags.flashFile}` : ''})\n` +
      (flags.downloadMode ? `esp32cam: GPIO0 is held low: try \`esptool.py --port ${link.path} --before no_reset --after no_reset flash_id\`\n` : '') +
      'esp32cam: press Ctrl-C to stop\n',
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    void link.ended.then(stop);
  });
  await link.close();
  await sim.close();
  process.stdout.write('esp32cam: simulated board stopped\n');
}

/** The line that says what the board did: MicroPython's banner, or the ROM's complaint. */
function firstLine(log: string): string {
  const lines = log.split('\r\n').filter(Boolean);
  return lines.find((l) => l.startsWith('MicroPython') || l.startsWith('invalid header') || l.startsWith('Guru')) ?? lines[lines.length - 1] ?? '';
}
