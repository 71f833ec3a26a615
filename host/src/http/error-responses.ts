import type { ErrorRequestHandler, RequestHandler } from 'express';
import { Esp32CamError, type ErrorCode } from '../errors.js';
import { logger } from '../log/index.js';
import { errorPayload } from '../services/error-payload.js';
import { redactUrl } from './request-log.js';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  E_BAD_ID: 400,
  E_BAD_INPUT: 400,
  E_CONFIG: 400,
  E_NOT_FOUND: 404,
  // The board is not there: a client may retry later.
  E_NO_ACK: 503,
  E_CLOSED: 503,
  E_BUS_BUSY: 503,
  E_BUS_CLAIMED: 409,
  E_NO_I2C_DEVICE: 503,
  E_I2C_PERMISSION: 503,
  E_TIMEOUT: 504,
  // The board answered, badly.
  E_BAD_STATUS: 502,
  E_BAD_REPLY: 502,
  E_BUS_IO: 502,
  E_CAMERA_FAILED: 502,
  E_INVALID_JPEG: 502,
  E_SIM_SCRIPT: 502,
  E_DISK_FULL: 507,
  E_STORE_IO: 500,
  // Serial ports and flashing.
  E_PORT_NOT_FOUND: 404,
  E_PORT_BUSY: 409,
  E_PORT_PERMISSION: 403,
  E_PORT_IO: 502,
  E_PORT_DISCONNECTED: 503,
  E_BAD_IMAGE: 422,
  E_WRONG_CHIP: 422,
  E_WRONG_OFFSET: 422,
  E_IMAGE_TOO_LARGE: 422,
  E_NOT_IN_DOWNLOAD_MODE: 502,
  E_NO_SERIAL_DATA: 502,
  E_SERIAL_NOISE: 502,
  E_NO_SYNC_REPLY: 502,
  E_FLASH_VERIFY: 502,
  E_FLASH_FAILED: 502,
  // The REPL, pushes and the board's files.
  E_SCRIPT_SYNTAX: 422,
  E_NOT_MICROPYTHON: 502,
  E_REPL_TIMEOUT: 504,
  E_REPL_OUTPUT_LIMIT: 502,
  E_REPL_PROTOCOL: 502,
  E_BOARD_REBOOTED: 502,
  E_DEVICE_FS_FULL: 507,
  E_DEVICE_FS: 502,
  E_PUSH_VERIFY: 502,
  E_SCRIPT_NOT_RUNNING: 502,
  // The doors (see the README's Security section).
  E_FOREIGN_HOST: 421,
  E_CROSS_ORIGIN: 403,
  E_AUTH_REQUIRED: 401,
  E_AUTH_INVALID: 401,
  E_RATE_LIMITED: 429,
  E_UPLOAD_TOO_LARGE: 413,
  E_UPLOAD_BUSY: 429,
  E_UPLOAD_INCOMPLETE: 400,
  E_UNSUPPORTED_MEDIA: 415,
  // The board's script cannot do it (a legacy slave asked for settings): pushing the project's script fixes it.
  E_UNSUPPORTED: 409,
  // A viewer more than stream.maxViewers: another may watch once one leaves.
  E_STREAM_FULL: 503,
  // Exports: the service cannot make a video without ffmpeg; it makes one at a time.
  E_NO_FFMPEG: 501,
  E_FFMPEG_FAILED: 500,
  E_EXPORT_BUSY: 503,
  // Photos taken by hand fill the store's limit, which a scheduled photo never pushes out.
  E_STORE_FULL: 507,
};

export const httpStatusOf = (code: ErrorCode): number => HTTP_STATUS[code] ?? 500;

/** What body-parser and the router throw for bad requests: they carry `type` and/or a 4xx `status`. */
function requestError(err: unknown): Esp32CamError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (type === 'entity.parse.failed') {
    return new Esp32CamError('E_BAD_INPUT', 'The request body is not valid JSON', 'Send a JSON body such as {"on": true}.');
  }
  if (type === 'entity.too.large') {
    return new Esp32CamError('E_BAD_INPUT', 'The request body is too large', 'Send a small JSON body such as {"on": true}.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new Esp32CamError('E_BAD_INPUT', 'The request is not valid', 'Check the URL and the body.');
  }
  return undefined;
}

/** Every failure is `{ error: { code, message, hint } }`; unexpected ones are logged once and answered 500. */
export function errorHandler(line?: (text: string) => void): ErrorRequestHandler {
  const log = logger('http');
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const known = err instanceof Esp32CamError ? err : requestError(err);
    let status: number;
    if (known) {
      status = (err as { type?: unknown }).type === 'entity.too.large' ? 413 : httpStatusOf(known.code);
    } else {
      status = 500;
      const where = `${req.method} ${redactUrl(req.originalUrl)}`;
      if (line) line(`esp32cam: unexpected error on ${where}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      else log.error(`unexpected error on ${where}`, err);
    }
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .json({ error: errorPayload(known ?? err) });
  };
}

export const apiNotFound: RequestHandler = (req, res) => {
  res.status(404).json({
    error: { code: 'E_NOT_FOUND', message: `There is no ${req.method} ${req.path}`, hint: 'See the README for the API routes.' },
  });
};
