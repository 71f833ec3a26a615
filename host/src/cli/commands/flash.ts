import { readFile, stat } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { SingleBar } from 'cli-progress';
import { DEFAULTS } from '../../config/defaults.js';
import { inspectImage } from '../../../../protocol/src/esp-image/index.js';
import { flashFirmware, type FlashEvent, type FlashResult } from '../../devices/flasher/flasher.js';
import type { BootOutcome } from '../../devices/flasher/boot-listen.js';
import { refusalToError } from '../../devices/flasher/image-check.js';
import type { BeforeOption } from '../../devices/board-reset/reset-lines.js';
import { Esp32CamError, systemErrorCode } from '../../errors.js';
import type { PortSpec } from '../../services/device-session.js';
import { isSimPortPath } from '../../sim/uart/sim-binding.js';
import { formatBytes } from '../format.js';

interface FlashFlags {
  port?: string;
  baud: string;
  offset: string;
  erase?: boolean;
  before: BeforeOption;
  force?: boolean;
  simFlashFile?: string;
}

/** The largest flash any ESP32 has, and the service's upload limit: one figure, kept in the config defaults. */
const MAX_FIRMWARE_BYTES = DEFAULTS.limits.firmwareBytes;

export function registerFlashCommand(program: Command): void {
  program
    .command('flash')
    .description('write a firmware image (e.g. MicroPython) to the board over its USB-serial port')
    .argument('<firmware>', 'the .bin file, e.g. firmware_camera.bin or esp32-*.bin')
    .option('--port <path>', 'serial port (default: the one ESP board `esp32cam ports` finds); sim:esp32cam for the simulated board')
    .option('--baud <rate>', 'baud rate for the write, once the stub runs', '460800')
    .option('--offset <offset>', "flash address, or auto to take it from the file's layout", 'auto')
    .option('--erase', 'erase the whole flash first')
    .addOption(
      new Option('--before <strategy>', 'how to get the board into its bootloader')
        .choices(['auto', 'classic', 'usb-jtag', 'manual', 'no-reset'])
        .default('auto'),
    )
    .option('--force', 'write even when the image looks wrong for this chip or offset')
    .option('--sim-flash-file <file>', 'with --port sim:esp32cam: keep the simulated 4 MB flash in this file')
    .action((firmware: string, flags: FlashFlags) => flashCommand(firmware, flags));
}

async function flashCommand(file: string, flags: FlashFlags): Promise<void> {
  const image = await readFirmware(file);
  const baudRate = parseBaud(flags.baud);
  const offset = parseOffset(flags.offset);
  // A file that is no image is refused before any port (or simulated board) is opened.
  const inspection = inspectImage(image);
  if (!inspection.ok && !(flags.force && typeof offset === 'number')) throw refusalToError(inspection);
  const view = new FlashView(process.stderr, process.stderr.isTTY ? (await import('cli-progress')).SingleBar : undefined);
  try {
    await onPort(flags, async (spec) => {
      const result = await flashFirmware({
        ...spec,
        image,
        offset,
        baudRate,
        erase: flags.erase,
        before: flags.before,
        force: flags.force,
        inspection,
        interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
        onEvent: (event) => view.show(event),
      });
      view.done();
      printResult(result, file);
    });
  } finally {
    view.done();
  }
}

/**
 * Runs `fn` on the port the flags name. A real port path needs nothing else: the simulator (MicroPython-WASM
 * and all) and the port search load only for `sim:` or a missing --port, as they cost a flash a fifth of a second.
 */
async function onPort(flags: FlashFlags, fn: (spec: PortSpec) => Promise<void>): Promise<void> {
  if (flags.port !== undefined && !isSimPortPath(flags.port)) return fn({ path: flags.port });
  const { withSerialPort } = await import('../serial-port-choice.js');
  return withSerialPort(flags, fn);
}

async function readFirmware(file: string): Promise<Uint8Array> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Esp32CamError('E_BAD_INPUT', `${file} is not a file`, 'Give the path of a firmware .bin file.');
    if (info.size > MAX_FIRMWARE_BYTES) {
      throw new Esp32CamError(
        'E_IMAGE_TOO_LARGE',
        `${file} is ${formatBytes(info.size)}, more than any ESP32 flash holds`,
        'Check that this is a firmware image (a .bin), not an archive or a disk image.',
      );
    }
    return await readFile(file);
  } catch (err) {
    if (err instanceof Esp32CamError) throw err;
    const code = systemErrorCode(err);
    if (code === 'ENOENT') throw new Esp32CamError('E_BAD_INPUT', `There is no file ${file}`, 'Check the path of the firmware .bin file.');
    throw new Esp32CamError('E_BAD_INPUT', `Cannot read ${file} (${code ?? (err as Error).message})`, 'Check that the file exists and is readable.');
  }
}

function parseBaud(text: string): number {
  const baud = Number(text);
  if (!Number.isInteger(baud) || baud < 9600 || baud > 5_000_000) {
    throw new Esp32CamError('E_BAD_INPUT', `--baud ${text} is not a baud rate`, 'Use 115200, 460800 (the default) or 921600.');
  }
  return baud;
}

function parseOffset(text: string): 'auto' | number {
  if (text === 'auto') return 'auto';
  const offset = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(offset)) {
    throw new Esp32CamError(
      'E_BAD_INPUT',
      `--offset ${text} is not an address`,
      'Use auto (the default, read from the file), or an address such as 0x0 or 0x1000.',
    );
  }
  return offset;
}

function printResult(result: FlashResult, file: string): void {
  const out = process.stdout;
  out.write(
    `flashed ${file}: ${formatBytes(result.length)} at 0x${result.offset.toString(16)} on ${result.chip} (${result.path}), ` +
      `${result.writeSeconds.toFixed(1)} s at ${result.baudRate} baud, ${Math.round(result.effectiveKbps)} kbit/s effective, MD5 verified\n`,
  );
  if (result.boot.kind === 'not-reset') {
    out.write('the board was not reset (no modem lines on this port): press RST to start the new firmware\n');
    return;
  }
  out.write(`${bootSummary(result.boot)}${result.bootLog ? `; it printed:\n${result.bootLog.replace(/^/gm, '  ')}` : '; it printed nothing'}\n`);
}

/** One line on what the boot after the write was; the log itself follows it. */
export function bootSummary(boot: BootOutcome): string {
  switch (boot.kind) {
    case 'micropython':
      return `the board booted MicroPython ${boot.version}`;
    case 'app':
      return 'the board booted an ESP-IDF app that is not MicroPython';
    case 'download-mode':
      return 'the board reset into download mode, not the firmware: GPIO0 is held low (a jumper, or a wire on IO0); remove it and press RST';
    case 'boot-loop':
      return `the board does not boot: it resets again (${boot.fault ? boot.fault.line : boot.line})`;
    case 'unrecognised':
      return `no boot was recognised in the ${(boot.waitedMs / 1000).toFixed(1)} s after the reset (no MicroPython banner, no boot loop, no other app starting): the firmware may hang early or print at another baud rate`;
    case 'not-reset':
    case 'not-watched':
      return 'the board was reset into the new firmware';
  }
}

/** Status lines, the manual-reset countdown and a write progress bar on a terminal; plain lines otherwise. */
class FlashView {
  private bar: SingleBar | undefined;
  private lastManual = -1;

  /** `Bar` is cli-progress's, loaded only for a terminal: piped output gets plain lines. */
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly Bar: typeof SingleBar | undefined,
  ) {}

  show(event: FlashEvent): void {
    switch (event.type) {
      case 'status':
        if (!this.bar) this.line(event.message);
        break;
      case 'manual':
        if (this.lastManual < 0) this.line(event.instructions);
        if (this.stream.isTTY) this.stream.write(`\rwaiting for the board: ${event.secondsLeft} s left `);
        this.lastManual = event.secondsLeft;
        break;
      case 'warning':
        this.line(`warning: ${event.message} (${event.code}). ${event.hint}`);
        break;
      case 'connected':
        if (this.lastManual >= 0 && this.stream.isTTY) this.stream.write('\n');
        this.line(`connected to ${event.chip} (${event.reset})`);
        break;
      case 'progress':
        this.progress(event);
        break;
      case 'boot-log':
        break;
    }
  }

  done(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  private progress(event: Extract<FlashEvent, { type: 'progress' }>): void {
    if (event.phase === 'erase') {
      if (event.written === 0) this.line('erasing the whole flash…');
      return;
    }
    if (event.phase === 'verify') {
      this.done();
      this.line(`written and verified (MD5), ${Math.round((event.bytesPerSecond * 8) / 1000)} kbit/s effective`);
      return;
    }
    if (!this.stream.isTTY || !this.Bar) return;
    const payload = { speed: `${Math.round((event.bytesPerSecond * 8) / 1000)} kbit/s`, size: formatBytes(event.total) };
    if (!this.bar) {
      this.bar = new this.Bar({
        stream: this.stream,
        format: 'writing |{bar}| {percentage}% of {size}, {speed}',
        barCompleteChar: '#',
        barIncompleteChar: '-',
        hideCursor: true,
        clearOnComplete: true,
      });
      this.bar.start(event.total, event.written, payload);
    } else {
      this.bar.update(event.written, payload);
    }
  }

  private line(text: string): void {
    this.stream.write(`${text}\n`);
  }
}
