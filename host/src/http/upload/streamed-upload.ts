import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestHandler, Response } from 'express';
import { Esp32CamError, systemErrorCode } from '../../errors.js';
import { formatLimit } from './format-limit.js';
import type { UploadGate } from './upload-gate.js';

/** Uploads stream into `dataDir/uploads`; anything there at start-up is a crash's leftover. */
export const UPLOAD_DIR = 'uploads';

export interface StreamedUpload {
  /** The temp file; removed when the response is over, whatever happened. */
  path: string;
  size: number;
}

export interface UploadOptions {
  dataDir: string;
  limitBytes: number;
  gate: UploadGate;
  /** `firmware`, `script`: named in the errors. */
  what: string;
  /** Advice for a body over the limit. */
  tooLargeHint: string;
}

/** Fails the stream as soon as more than `limit` bytes went through it. */
class ByteLimit extends Transform {
  count = 0;

  constructor(
    private readonly limit: number,
    private readonly tooLarge: (received: number) => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.limit) callback(this.tooLarge(this.count));
    else callback(null, chunk);
  }
}

/** What a client may still send after its refusal, read and dropped so that it can read the answer. */
const DISCARD_AFTER_REFUSAL = 64 * 1024 * 1024;

/**
 * After a refusal mid-body: keeps reading (and dropping) what is still coming, so the client is not reset
 * before it has read the 413, and closes the connection once the answer is out and another megabyte came
 * or the body ended. Closing at once would make the kernel reset a socket with unread data, which can
 * swallow the answer.
 */
function discardRest(req: Parameters<RequestHandler>[0], res: Response): void {
  if (req.complete || req.destroyed) return;
  // No `Connection: close`: node would then close the socket right after the answer, with data unread.
  let dropped = 0;
  let answered = false;
  const stop = (): void => {
    req.off('data', drop);
    req.socket.destroy();
  };
  const drop = (chunk: Buffer): void => {
    dropped += chunk.length;
    if (answered && dropped > DISCARD_AFTER_REFUSAL) stop();
  };
  req.on('data', drop);
  req.resume();
  res.once('finish', () => {
    answered = true;
    if (dropped > DISCARD_AFTER_REFUSAL) stop();
  });
}

/** The upload as handed on to the route, once it is whole. */
export const uploadOf = (res: Response): StreamedUpload => res.locals.upload as StreamedUpload;

/** Removes what a crash left in `dataDir/uploads` (called at start-up, before anything streams there). */
export async function clearUploads(dataDir: string): Promise<number> {
  const dir = join(dataDir, UPLOAD_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  await Promise.all(names.map((n) => unlink(join(dir, n)).catch(() => undefined)));
  return names.length;
}

/**
 * Streams the request body into a temp file: a declared `Content-Length` over the limit is refused before
 * a byte is read, a chunked body is cut off at the limit, and at most `gate.capacity` bodies stream at once.
 * A refusal before the body closes the connection once answered; one mid-body drops what still comes
 * for a while (discardRest), so the client can read it. The temp file goes when the response ends, on
 * every path.
 */
export function streamUpload(opts: UploadOptions): RequestHandler {
  const tooLarge = (received?: number): Esp32CamError =>
    new Esp32CamError(
      'E_UPLOAD_TOO_LARGE',
      `The ${opts.what} is larger than the ${formatLimit(opts.limitBytes)} this service takes${received === undefined ? '' : ` (cut off after ${received} bytes)`}`,
      opts.tooLargeHint,
    );
  return async (req, res, next) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > opts.limitBytes) {
      res.set('Connection', 'close');
      throw tooLarge();
    }
    const release = opts.gate.tryEnter();
    if (!release) {
      res.set('Connection', 'close');
      throw new Esp32CamError(
        'E_UPLOAD_BUSY',
        `${opts.gate.capacity} uploads are already in progress`,
        'Wait for them to finish, then send it again (limits.uploadsInFlight in the config sets how many).',
      );
    }
    const dir = join(opts.dataDir, UPLOAD_DIR);
    const path = join(dir, `${opts.what}-${randomBytes(8).toString('hex')}.part`);
    res.once('close', () => {
      release();
      void unlink(path).catch(() => undefined);
    });
    const limit = new ByteLimit(opts.limitBytes, tooLarge);
    const incomplete = (cause?: unknown): Esp32CamError =>
      new Esp32CamError(
        'E_UPLOAD_INCOMPLETE',
        `The ${opts.what} upload stopped after ${limit.count} bytes`,
        'Send the whole file again; nothing was changed.',
        { cause },
      );
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // The request is piped, not put in a pipeline: a pipeline would destroy it, and with it the socket the
      // 413 must still go out on.
      req.once('error', (err) => limit.destroy(incomplete(err)));
      req.once('close', () => {
        if (!req.complete) limit.destroy(incomplete());
      });
      req.pipe(limit);
      await pipeline(limit, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    } catch (err) {
      req.unpipe(limit);
      discardRest(req, res);
      if (err instanceof Esp32CamError) throw err;
      const code = systemErrorCode(err);
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        throw new Esp32CamError(
          'E_DISK_FULL',
          `The disk is full: the ${opts.what} upload could not be kept`,
          'Free some space on the Pi, then send it again.',
          { cause: err },
        );
      }
      throw new Esp32CamError('E_STORE_IO', `The ${opts.what} upload could not be written to ${dir}`, 'Check that the data directory is writable.', {
        cause: err,
      });
    }
    if (declared !== undefined && limit.count !== Number(declared)) {
      res.set('Connection', 'close');
      throw new Esp32CamError(
        'E_UPLOAD_INCOMPLETE',
        `The ${opts.what} upload ended after ${limit.count} of ${declared} bytes`,
        'Send the whole file again; nothing was changed.',
      );
    }
    res.locals.upload = { path, size: limit.count } satisfies StreamedUpload;
    next();
  };
}
