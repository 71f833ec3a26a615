import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { v2 } from '../../../../protocol/src/index.js';
import { Esp32CamError } from '../../errors.js';
import { fileWriteError, writeFileAtomic } from '../../services/atomic-write.js';
import type { CaptureRequest, FlashMode } from '../../services/cameras/index.js';
import { jpegSize } from '../../services/jpeg-size.js';
import { addOneCameraOptions, type CameraFlags } from '../camera-options.js';
import { formatBytes, formatMs } from '../format.js';
import { showProgress } from '../progress.js';
import { withCameraAccess, type CameraAccess } from '../camera-access.js';

export interface CaptureFlags extends CameraFlags {
  output?: string;
  /** --flash (true), --flash MODE, or absent: the camera's own flash mode. */
  flash?: boolean | string;
  /** false with --no-fresh. */
  fresh?: boolean;
  frameSize?: string;
}

const FLASH_MODES: readonly FlashMode[] = ['off', 'on', 'auto'];

/** `esp32cam capture [-o FILE] [--flash [MODE]] [--no-fresh] [--frame-size NAME]`. */
export function registerCaptureCommand(program: Command): void {
  addOneCameraOptions(program.command('capture').description('take one photo and write it to a file'))
    .option('-o, --output <file>', 'where to write the JPEG (default photo-<time>.jpg)')
    .option(
      '--flash [mode]',
      "light the photo with the flash LED: on (what a bare --flash means), off, or auto (only when the scene is dark); default: the camera's flash mode",
    )
    .option('--no-fresh', 'take the frame the camera already holds, exposed when its previous photo was taken (quicker, perhaps long stale)')
    .option('--frame-size <name>', `set the camera's frame size first (kept with its settings): ${v2.FRAME_SIZES.map((f) => f.name).join(', ')}`)
    .action((flags: CaptureFlags) => captureCommand(flags));
}

function defaultOutput(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `photo-${stamp}.jpg`;
}

/** Fails before a capture that may take seconds, rather than after it. */
async function checkOutputFolder(path: string): Promise<void> {
  const folder = dirname(path);
  const isFolder = await stat(folder).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder) {
    throw new Esp32CamError('E_STORE_IO', `Cannot write ${path}: the folder ${folder} does not exist`, 'Create the folder first or choose another -o path.');
  }
}

/** The capture request the flags ask for; a bad --flash mode is refused before any camera is opened. */
export function captureRequestOf(flags: Pick<CaptureFlags, 'flash' | 'fresh'>): CaptureRequest {
  const request: CaptureRequest = {};
  if (flags.flash === true) request.flash = 'on';
  else if (typeof flags.flash === 'string') {
    const mode = flags.flash.toLowerCase();
    if (!(FLASH_MODES as readonly string[]).includes(mode)) {
      throw new Esp32CamError('E_BAD_INPUT', `--flash takes on, off or auto, not "${flags.flash}"`, 'Write --flash (on), --flash off or --flash auto.');
    }
    request.flash = mode as FlashMode;
  }
  if (flags.fresh === false) request.fresh = false;
  return request;
}

/** framesize_t of --frame-size, by name (VGA) or number (8). */
export function frameSizeOf(text: string): number {
  const byName = v2.frameSizeNumber(text.trim());
  if (byName !== undefined) return byName;
  if (/^\d{1,2}$/.test(text.trim()) && Number(text) < v2.FRAME_SIZES.length) return Number(text);
  throw new Esp32CamError(
    'E_BAD_INPUT',
    `--frame-size "${text}" is not a frame size`,
    `Use one of ${v2.FRAME_SIZES.map((f) => `${f.name} (${f.width}x${f.height})`).join(', ')}; sizes above VGA need a board with PSRAM.`,
  );
}

/** Sets the frame size, saying that it was --frame-size that the camera could not take. */
async function applyFrameSize(camera: CameraAccess, framesize: number, name: string): Promise<void> {
  try {
    await camera.setFrameSize(framesize);
  } catch (err) {
    if (!(err instanceof Esp32CamError) || (err.code !== 'E_UNSUPPORTED' && err.code !== 'E_BAD_INPUT')) throw err;
    throw new Esp32CamError(
      err.code,
      `Camera ${camera.specText} cannot take --frame-size ${name}: ${err.message}`,
      `${err.hint} Or capture without --frame-size.`,
      { cause: err },
    );
  }
}

export async function captureCommand(flags: CaptureFlags): Promise<void> {
  const output = resolve(flags.output ?? defaultOutput());
  const request = captureRequestOf(flags);
  const framesize = flags.frameSize === undefined ? undefined : frameSizeOf(flags.frameSize);
  await checkOutputFolder(output);
  const { jpeg, flash, captureMs, protocol, camera, via } = await withCameraAccess(flags, async (access) => {
    if (framesize !== undefined) await applyFrameSize(access, framesize, flags.frameSize!);
    const stop = access.client ? showProgress(access.client) : () => undefined;
    const started = performance.now();
    try {
      const shot = await access.capture(request);
      const captureMs = performance.now() - started;
      return { ...shot, captureMs, protocol: await access.protocol(), camera: access.specText, via: access.client ? '' : `, ${access.route}` };
    } finally {
      stop();
    }
  });
  try {
    await writeFileAtomic(output, jpeg);
  } catch (err) {
    throw fileWriteError(err, output, 'Free some space on that disk or write to another one with -o.');
  }
  const { width, height } = jpegSize(jpeg);
  const lit = flash === true ? ', flash' : '';
  process.stdout.write(
    `saved ${flags.output ?? output}: ${formatBytes(jpeg.length)}, ${width}x${height}, ${formatMs(captureMs)}${lit}, ` +
      `protocol ${protocol ?? 'unknown'}, camera ${camera}${via}\n`,
  );
}
