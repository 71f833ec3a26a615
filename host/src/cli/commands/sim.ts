import type { Command } from 'commander';
import { Esp32CamError, systemErrorCode } from '../../errors.js';
import { PtySerialLink, SimSerialBoard, type BootEvent } from '../../sim/uart/index.js';

interface SimFlags {
  serialLink: string;
  downloadMode?: boolean;
  flashFile?: string;
  autoReset: boolean;
}

/**
 * `esp32cam sim --serial-link PATH`: the simulated ESP32-CAM's UART at a pseudo-terminal, for outside tools
 * such as esptool.py or a serial terminal. It runs until Ctrl-C.
 */
export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description("run the simulated ESP32-CAM's serial port (ROM bootloader, flash, boot log) at a pseudo-terminal")
    .requiredOption('--serial-link <path>', 'where to create the pseudo-terminal link, e.g. /tmp/esp32cam')
    .option('--download-mode', 'start with GPIO0 held low (a pty has no DTR/RTS to reset into the bootloader)')
    .option('--flash-file <file>', 'keep the 4 MB flash in this raw image file (created erased when missing)')
    .option('--no-auto-reset', 'model a board without the DTR/RTS auto-reset circuit (a loose FTDI adapter)')
    .action((flags: SimFlags) => simCommand(flags));
}

async function openBoard(flags: SimFlags): Promise<SimSerialBoard> {
  try {
    return await SimSerialBoard.create({ flashFile: flags.flashFile, downloadMode: flags.downloadMode === true, autoReset: flags.autoReset });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Esp32CamError('E_BAD_INPUT', `Cannot use ${flags.flashFile} as the simulated flash: ${reason}`, 'Give a raw flash image of exactly 4 MB, or a path that does not exist yet (it is then created erased).', { cause: err });
  }
}

async function openLink(path: string, board: SimSerialBoard): Promise<PtySerialLink> {
  try {
    return await PtySerialLink.open(path, board);
  } catch (err) {
    const hint = systemErrorCode(err) === 'ENOENT'
      ? 'Install socat (`sudo apt-get install socat`); it creates the pseudo-terminal.'
      : 'Choose a path in a writable folder that is not an existing file, e.g. /tmp/esp32cam.';
    throw new Esp32CamError('E_SIM_SERIAL_LINK', `Cannot create the serial link at ${path}: ${err instanceof Error ? err.message : String(err)}`, hint, { cause: err });
  }
}

async function simCommand(flags: SimFlags): Promise<void> {
  const board = await openBoard(flags);
  let link: PtySerialLink;
  try {
    link = await openLink(flags.serialLink, board);
  } catch (err) {
    await board.close();
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
  await board.close();
  process.stdout.write('esp32cam: simulated board stopped\n');
}

/** The line that says what the board did: MicroPython's banner, or the ROM's complaint. */
function firstLine(log: string): string {
  const lines = log.split('\r\n').filter(Boolean);
  return lines.find((l) => l.startsWith('MicroPython') || l.startsWith('invalid header') || l.startsWith('Guru')) ?? lines[lines.length - 1] ?? '';
}
