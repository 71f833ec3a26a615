import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Esp32CamError, systemErrorCode } from '../../errors.js';
import type { PhotoRecord } from '../photo-record.js';
import { readExportPhoto, type JpegSource, type SkippedPhoto } from './export-photos.js';
import { FFMPEG_INSTALL_HINT, timelapseArgs, type Ffmpeg } from './ffmpeg.js';

export interface TimelapseRequest {
  ffmpeg: Ffmpeg;
  store: JpegSource;
  /** Oldest first: one frame each. */
  photos: PhotoRecord[];
  fps: number;
  size: { width: number; height: number };
  /** Where ffmpeg writes the MP4 (a file: the index goes first, which needs a seekable output). */
  output: string;
  /** An ffmpeg that shows no progress for this long is killed. */
  stallMs: number;
  /** Aborting kills ffmpeg; the promise then rejects with the reason. */
  signal?: AbortSignal;
}

export interface TimelapseResult {
  frames: number;
  skipped: SkippedPhoto[];
}

const lastLine = (text: string): string => text.trim().split('\n').at(-1)?.slice(0, 300) ?? '';

/**
 * Pipes the photos into ffmpeg one JPEG after another, each read when its turn comes and written as fast
 * as ffmpeg takes them. ffmpeg is killed when the caller aborts, when it shows no progress for `stallMs`,
 * and when a photo cannot be read; the caller removes the output whatever happened.
 */
export async function encodeTimelapse(req: TimelapseRequest): Promise<TimelapseResult> {
  const child = spawn(req.ffmpeg.command, timelapseArgs({ fps: req.fps, size: req.size, encoder: req.ffmpeg.encoder, output: req.output }), {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let spawnError: Error | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      resolve(null);
    });
    child.once('close', (code) => resolve(code));
  });

  const stop = new AbortController();
  stop.signal.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
  const fromCaller = (): void => stop.abort(req.signal!.reason);
  if (req.signal?.aborted) fromCaller();
  else req.signal?.addEventListener('abort', fromCaller, { once: true });

  let stall: NodeJS.Timeout | undefined;
  const alive = (): void => {
    clearTimeout(stall);
    stall = setTimeout(() => stop.abort(stalled(req.stallMs)), req.stallMs);
  };
  // -progress prints a block on stdout about twice a second while ffmpeg works.
  child.stdout.on('data', alive);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
  // ffmpeg that stops early makes writes fail with EPIPE: its exit status says why.
  child.stdin.on('error', () => undefined);
  const gone = new AbortController();
  void exited.then(() => gone.abort());
  const feedSignal = AbortSignal.any([stop.signal, gone.signal]);

  const result: TimelapseResult = { frames: 0, skipped: [] };
  alive();
  try {
    for (const record of req.photos) {
      if (feedSignal.aborted) break;
      const photo = await readExportPhoto(req.store, record);
      if ('skipped' in photo) {
        result.skipped.push(photo.skipped);
        continue;
      }
      if (feedSignal.aborted) break;
      result.frames++;
      if (!child.stdin.write(photo.jpeg)) await once(child.stdin, 'drain', { signal: feedSignal }).catch(() => undefined);
      alive();
    }
    child.stdin.end();
  } catch (err) {
    stop.abort(err);
  }
  const code = await exited;
  clearTimeout(stall);
  req.signal?.removeEventListener('abort', fromCaller);

  if (stop.signal.aborted) throw stop.signal.reason;
  if (spawnError) {
    if (systemErrorCode(spawnError) === 'ENOENT') {
      throw new Esp32CamError('E_NO_FFMPEG', `ffmpeg is not installed: ${req.ffmpeg.command} is gone`, FFMPEG_INSTALL_HINT, { cause: spawnError });
    }
    throw new Esp32CamError('E_FFMPEG_FAILED', `ffmpeg could not be started: ${spawnError.message}`, 'Check that ffmpeg runs: `ffmpeg -version`.', {
      cause: spawnError,
    });
  }
  if (result.frames === 0) {
    throw new Esp32CamError('E_NOT_FOUND', 'Every photo of the range was deleted while the video was being made', 'Export a range that still holds photos.');
  }
  if (code !== 0) {
    throw new Esp32CamError(
      'E_FFMPEG_FAILED',
      `ffmpeg stopped with exit status ${code}${lastLine(stderr) ? `: ${lastLine(stderr)}` : ''}`,
      'See the service log; a full disk or a damaged photo can cause this. Try a shorter range.',
    );
  }
  return result;
}

function stalled(ms: number): Esp32CamError {
  return new Esp32CamError(
    'E_FFMPEG_FAILED',
    `ffmpeg showed no progress for ${Math.round(ms / 1000)} s and was stopped`,
    'The machine may be overloaded: try a shorter range, or raise export.ffmpegStallMs in the config on a slow machine.',
  );
}
