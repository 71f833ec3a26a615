import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { Esp32CamError } from '../../errors.js';
import { fileWriteError, fsyncDir } from '../../services/atomic-write.js';
import { formatBytes, formatMs } from '../format.js';
import { runningService } from '../service-call.js';

interface ExportFlags {
  camera?: string;
  from?: string;
  to?: string;
  schedule?: string;
  mp4?: boolean;
  fps?: string;
  output?: string;
  config?: string;
  dataDir?: string;
}

interface PreviewJson {
  count: number;
  bytes: number;
  first: string | null;
  last: string | null;
  mp4: { available: boolean; reason?: string; hint?: string; code?: string };
}

/** `esp32cam export`: a time range of a camera's photos, as a ZIP or an MP4, from the running service. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description("download a time range of a camera's photos from the running service, as a ZIP of the JPEGs or (--mp4) a timelapse")
    .option('--camera <name>', 'the camera (default: the first the service has)')
    .option('--from <time>', 'the first moment, ISO 8601 with its zone (2026-12-02T16:30:00Z) or a UTC day (2026-12-02); default: the oldest photo')
    .option('--to <time>', 'the last moment, in the same form (a day alone means its end); default: the newest photo')
    .option('--schedule <id>', 'all (default), manual (taken by hand), or the id of one schedule')
    .option('--mp4', 'an MP4 timelapse instead of a ZIP (the service needs ffmpeg)')
    .option('--fps <n>', 'frames per second of the timelapse, 1 to 60 (default 10)')
    .option('-o, --output <file>', "where to write it (a folder keeps the service's name for it; default: that name, here)")
    .option('--config <file>', 'JSON config file (default: $ESP32CAM_CONFIG)')
    .option('--data-dir <dir>', 'the data folder of the service (default ./data)')
    .action((flags: ExportFlags) => exportCommand(flags));
}

async function exportCommand(flags: ExportFlags): Promise<void> {
  const config = await loadConfig({ file: flags.config, flags: flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {} });
  const { service, call } = await runningService(config);
  const camera = flags.camera ?? service.cameras[0]?.name;
  if (camera === undefined) throw new Esp32CamError('E_NOT_FOUND', 'The service has no camera', 'Check its config.');
  const query = new URLSearchParams();
  for (const key of ['from', 'to', 'schedule'] as const) if (flags[key] !== undefined) query.set(key, flags[key]);
  if (flags.fps !== undefined) query.set('fps', flags.fps);
  const base = `/api/cameras/${encodeURIComponent(camera)}`;
  const withQuery = (path: string): string => (query.toString() ? `${path}?${query.toString()}` : path);

  // The service checks the range (and says what is wrong with it) before anything is made.
  const preview = (await (await call('GET', withQuery(`${base}/export`))).json()) as PreviewJson;
  if (preview.count === 0) {
    throw new Esp32CamError('E_NOT_FOUND', `Camera "${camera}" has no photos in that range`, 'Widen the range (--from, --to) or change --schedule.');
  }
  if (flags.mp4 && !preview.mp4.available) {
    throw new Esp32CamError(
      'E_NO_FFMPEG',
      preview.mp4.reason ?? 'The service cannot make videos',
      preview.mp4.hint ?? 'Install ffmpeg where the service runs.',
    );
  }
  const kind = flags.mp4 ? 'mp4' : 'zip';
  const started = Date.now();
  const waiting = flags.mp4 ? waitingLine(`making a timelapse of ${preview.count} photos…`) : () => undefined;
  let res: Response;
  try {
    res = await call('GET', withQuery(`${base}/export.${kind}`));
  } finally {
    waiting();
  }
  const output = await outputPath(flags.output, fileNameOf(res) ?? `${camera}-export.${kind}`);
  const total = Number(res.headers.get('content-length')) || preview.bytes;
  const bytes = await download(res, output, total);
  const what = flags.mp4 ? `${res.headers.get('x-export-frames') ?? preview.count} frames` : `${res.headers.get('x-export-photos') ?? preview.count} photos`;
  process.stdout.write(`saved ${flags.output ?? basename(output)}: ${what}, ${formatBytes(bytes)}, in ${formatMs(Date.now() - started)}\n`);
}

/** The name the service gives the file, from Content-Disposition; only a plain name is taken. */
function fileNameOf(res: Response): string | undefined {
  const name = /filename="([^"/\\]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  return name && !name.startsWith('.') ? name : undefined;
}

/** -o FILE, or -o FOLDER/ with the service's name, or that name in the current folder. */
async function outputPath(flag: string | undefined, suggested: string): Promise<string> {
  if (flag === undefined) return resolve(suggested);
  const path = resolve(flag);
  const isFolder = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isFolder) return join(path, suggested);
  const folderExists = await stat(dirname(path)).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!folderExists)
    throw new Esp32CamError(
      'E_STORE_IO',
      `Cannot write ${flag}: the folder ${dirname(path)} does not exist`,
      'Create the folder first or choose another -o path.',
    );
  return path;
}

/**
 * Streams the body into a temp file beside `output`, then renames it: a download that breaks off leaves no
 * file that looks whole. A progress bar shows on stderr when it is a terminal.
 */
async function download(res: Response, output: string, total: number): Promise<number> {
  const temp = join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.tmp`);
  const bar = progressBar(total);
  let received = 0;
  let file: Awaited<ReturnType<typeof open>> | undefined;
  try {
    file = await open(temp, 'wx', 0o644);
    if (!res.body) throw new Error('the answer has no body');
    const chunks = res.body.getReader();
    for (;;) {
      let next: Awaited<ReturnType<typeof chunks.read>>;
      try {
        next = await chunks.read();
      } catch (err) {
        throw new Esp32CamError(
          'E_STORE_IO',
          `The export broke off after ${formatBytes(received)}: ${(err as Error).message}`,
          'The service could not finish it (its log says why, often a photo it could not read). Nothing was saved; try again.',
          { cause: err },
        );
      }
      if (next.done) break;
      await file.write(next.value);
      received += next.value.length;
      bar?.update(Math.min(received, total), { received: formatBytes(received) });
    }
    await file.sync();
    await file.close();
    file = undefined;
    await rename(temp, output);
    await fsyncDir(dirname(output));
    return received;
  } catch (err) {
    await file?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw fileWriteError(err, output, 'Free some space on that disk or write to another one with -o.');
  } finally {
    bar?.stop();
  }
}

function progressBar(total: number, stream: NodeJS.WriteStream = process.stderr): SingleBar | undefined {
  if (!stream.isTTY) return undefined;
  const bar = new SingleBar({
    stream,
    format: 'downloading |{bar}| {received} of about {total_text}',
    barCompleteChar: '#',
    barIncompleteChar: '-',
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(Math.max(total, 1), 0, { received: formatBytes(0), total_text: formatBytes(total) });
  return bar;
}

/** One line on a terminal while the service works on something that sends nothing yet; returns its remover. */
function waitingLine(text: string, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (!stream.isTTY) return () => undefined;
  stream.write(text);
  return () => stream.write('\r\x1b[2K');
}
