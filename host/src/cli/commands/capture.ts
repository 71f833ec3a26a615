import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Esp32CamError } from '../../errors.js';
import { fileWriteError, writeFileAtomic } from '../../services/atomic-write.js';
import { jpegSize } from '../../services/thumbnail.js';
import type { CameraFlags } from '../camera-options.js';
import { formatBytes, formatMs } from '../format.js';
import { showProgress } from '../progress.js';
import { withCameraAccess } from '../camera-access.js';

export interface CaptureFlags extends CameraFlags {
  output?: string;
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

export async function captureCommand(flags: CaptureFlags): Promise<void> {
  const output = resolve(flags.output ?? defaultOutput());
  await checkOutputFolder(output);
  const { jpeg, captureMs, protocol, camera, via } = await withCameraAccess(flags, async (access) => {
    const stop = access.client ? showProgress(access.client) : () => undefined;
    const started = performance.now();
    try {
      const photo = await access.capture();
      const captureMs = performance.now() - started;
      return { jpeg: photo, captureMs, protocol: await access.protocol(), camera: access.specText, via: access.client ? '' : `, ${access.route}` };
    } finally {
      stop();
    }
  });
  try {
    await writeFileAtomic(output, jpeg);
  } catch (err) {
    throw fileWriteError(err, output, 'Free some space on that disk or write to another one with -o.');
  }
  const { width, height } = await jpegSize(jpeg);
  process.stdout.write(
    `saved ${flags.output ?? output}: ${formatBytes(jpeg.length)}, ${width}x${height}, ${formatMs(captureMs)}, ` +
      `protocol ${protocol ?? 'unknown'}, camera ${camera}${via}\n`,
  );
}
