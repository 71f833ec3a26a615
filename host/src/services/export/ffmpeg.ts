import { execFile } from 'node:child_process';
import { Esp32CamError, systemErrorCode } from '../../errors.js';

/** What every "no ffmpeg" answer tells the user to do. */
export const FFMPEG_INSTALL_HINT = 'Install it with `sudo apt install ffmpeg`, then try again (or set export.ffmpeg in the config to where it is).';

/** A video encoder and the options that make a video browsers and phones play. */
export interface VideoEncoder {
  name: string;
  /** The codec the MP4 holds: `h264`, or `mpeg4` when ffmpeg has no H.264 encoder. */
  codec: 'h264' | 'mpeg4';
  args: string[];
}

/**
 * The encoders to use, best first. H.264 in yuv420p plays in every browser and phone; libx264 is in
 * Debian's and Raspberry Pi OS's ffmpeg. MPEG-4 part 2 is built into every ffmpeg, but browsers may not
 * play it: it is the last resort, and the preview names the encoder.
 */
const ENCODERS: VideoEncoder[] = [
  { name: 'libx264', codec: 'h264', args: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23'] },
  { name: 'libopenh264', codec: 'h264', args: ['-c:v', 'libopenh264', '-b:v', '4M'] },
  { name: 'mpeg4', codec: 'mpeg4', args: ['-c:v', 'mpeg4', '-q:v', '4'] },
];

/** The best encoder in the listing `ffmpeg -encoders` prints (` V....D libx264  libx264 H.264 …`). */
export function chooseEncoder(listing: string): VideoEncoder | undefined {
  const video = new Set<string>();
  for (const line of listing.split('\n')) {
    const m = /^\s*V[A-Z.]{5}\s+(\S+)/.exec(line);
    if (m) video.add(m[1]);
  }
  return ENCODERS.find((e) => video.has(e.name));
}

/** An ffmpeg that runs, and the encoder it will use. */
export interface Ffmpeg {
  command: string;
  encoder: VideoEncoder;
}

/**
 * Finds out whether ffmpeg is there and what it can encode. A found ffmpeg is remembered; a missing one is
 * looked for again next time, so installing it while the service runs is enough.
 */
export class FfmpegFinder {
  private found: Promise<Ffmpeg> | undefined;

  constructor(readonly command: string) {}

  find(): Promise<Ffmpeg> {
    if (!this.found) {
      const probing = this.probe();
      this.found = probing;
      probing.catch(() => {
        if (this.found === probing) this.found = undefined;
      });
    }
    return this.found;
  }

  private probe(): Promise<Ffmpeg> {
    return new Promise((resolve, reject) => {
      execFile(this.command, ['-hide_banner', '-encoders'], { timeout: 15_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) {
          reject(this.notUsable(err, String(stderr)));
          return;
        }
        const encoder = chooseEncoder(String(stdout));
        if (!encoder) {
          reject(
            new Esp32CamError(
              'E_NO_FFMPEG',
              `${this.command} has none of the video encoders a timelapse needs (${ENCODERS.map((e) => e.name).join(', ')})`,
              'Install a full ffmpeg with `sudo apt install ffmpeg`, then try again.',
            ),
          );
          return;
        }
        resolve({ command: this.command, encoder });
      });
    });
  }

  private notUsable(err: Error, stderr: string): Esp32CamError {
    const code = systemErrorCode(err);
    const where = this.command.includes('/') ? `at ${this.command}` : `named "${this.command}" on the PATH`;
    if (code === 'ENOENT')
      return new Esp32CamError('E_NO_FFMPEG', `ffmpeg is not installed: there is no program ${where}`, FFMPEG_INSTALL_HINT, { cause: err });
    if (code === 'EACCES') {
      return new Esp32CamError(
        'E_NO_FFMPEG',
        `ffmpeg ${where} cannot be run: permission denied`,
        `Make it executable, or ${FFMPEG_INSTALL_HINT.charAt(0).toLowerCase()}${FFMPEG_INSTALL_HINT.slice(1)}`,
        {
          cause: err,
        },
      );
    }
    const why = stderr.trim().split('\n').at(-1) || err.message;
    return new Esp32CamError(
      'E_NO_FFMPEG',
      `ffmpeg ${where} does not run: ${why.slice(0, 200)}`,
      `Reinstall it with \`sudo apt install --reinstall ffmpeg\`.`,
      { cause: err },
    );
  }
}

/** The frame size of a video of photos of these sizes: the most common one, made even as H.264 in yuv420p needs. */
export function videoSize(sizes: Array<{ width: number; height: number }>): { width: number; height: number } {
  const even = (n: number): number => Math.max(2, Math.floor(n / 2) * 2);
  return { width: even(sizes[0].width), height: even(sizes[0].height) };
}

/**
 * ffmpeg's arguments for a timelapse: JPEGs, one after another on stdin, one frame each at `fps`, into an
 * MP4 at `output`. Every frame is fitted into `size` keeping its shape (padded with black), so a photo of
 * another frame size does not break the video; `-progress` on stdout shows that ffmpeg is still working.
 */
export function timelapseArgs(opts: { fps: number; size: { width: number; height: number }; encoder: VideoEncoder; output: string }): string[] {
  const { width: w, height: h } = opts.size;
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:1',
    '-f',
    'image2pipe',
    '-framerate',
    String(opts.fps),
    '-c:v',
    'mjpeg',
    '-i',
    'pipe:0',
    '-vf',
    `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p`,
    ...opts.encoder.args,
    '-pix_fmt',
    'yuv420p',
    // The index goes first, so a player can start before the whole file is there.
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    '-y',
    opts.output,
  ];
}
