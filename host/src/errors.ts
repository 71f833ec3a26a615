/**
 * Every failure the tool reports to a user is an Esp32CamError: a stable `code` that scripts and the web UI
 * can switch on, a one-line `message` saying what happened, and a `hint` saying what to do about it.
 */
export const ERROR_CODES = {
  E_NO_I2C_DEVICE: 'The I2C bus device node does not exist',
  E_I2C_PERMISSION: 'No permission to open the I2C bus',
  E_NO_ACK: 'The camera did not acknowledge its address',
  E_TIMEOUT: 'The camera did not answer in time',
  E_BAD_STATUS: 'The camera answered with an unexpected status',
  E_BAD_REPLY: 'The camera sent a malformed reply',
  E_CAMERA_FAILED: 'The camera could not take a photo',
  E_INVALID_JPEG: 'The photo received is not a complete JPEG',
  E_BUS_BUSY: 'The I2C bus is busy',
  E_BUS_IO: 'An I2C transfer failed',
  E_BUS_CLAIMED: 'Another program drives this I2C bus',
  E_PORT_NOT_FOUND: 'The serial port does not exist',
  E_PORT_BUSY: 'The serial port is in use by another program',
  E_PORT_PERMISSION: 'No permission to open the serial port',
  E_PORT_IO: 'The serial port could not be opened or configured',
  E_PORT_DISCONNECTED: 'The serial port went away (unplugged)',
  E_BAD_IMAGE: 'The file is not a valid ESP firmware image',
  E_WRONG_CHIP: 'The firmware is built for a different chip',
  E_WRONG_OFFSET: 'The flash offset contradicts the firmware file layout',
  E_IMAGE_TOO_LARGE: 'The firmware does not fit in the flash',
  E_CLOSED: 'The camera connection is closed',
  E_SIM_SCRIPT: 'The simulated board could not run its script',
  E_SIM_SERIAL_LINK: "The simulated board's serial link could not be set up",
  E_DISK_FULL: 'The disk is full',
  E_STORE_IO: 'The photo store could not be written',
  E_NOT_FOUND: 'No such item',
  E_BAD_ID: 'The id is not valid',
  E_BAD_INPUT: 'The request is not valid',
  E_CONFIG: 'The configuration is not valid',
  E_INTERNAL: 'An unexpected error happened',
  E_NOT_IN_DOWNLOAD_MODE: 'The board did not enter its serial bootloader',
  E_NO_SERIAL_DATA: 'The board sent nothing on the serial port',
  E_SERIAL_NOISE: 'Only garbage arrived on the serial port',
  E_NO_SYNC_REPLY: 'The bootloader is up but its replies do not arrive',
  E_FLASH_VERIFY: 'The flash does not hold what was written',
  E_FLASH_FAILED: 'Writing the flash failed',
  E_NOT_MICROPYTHON: 'The board is not running MicroPython',
  E_REPL_TIMEOUT: 'The code on the board did not finish in time',
  E_REPL_OUTPUT_LIMIT: 'The code on the board printed more than the output limit',
  E_REPL_PROTOCOL: 'The board answered the raw REPL with unexpected bytes',
  E_BOARD_REBOOTED: 'The board rebooted during the session',
  E_SCRIPT_SYNTAX: 'The script does not compile',
  E_DEVICE_FS_FULL: "The board's filesystem is full",
  E_DEVICE_FS: "The board's filesystem refused an operation",
  E_PUSH_VERIFY: 'The file on the board does not match the one sent',
  E_SCRIPT_NOT_RUNNING: 'The pushed script did not start on the board',
  E_FOREIGN_HOST: 'The request names a host this service does not answer for',
  E_CROSS_ORIGIN: 'The request came from another web site',
  E_AUTH_REQUIRED: 'The request carries no access token',
  E_AUTH_INVALID: 'The access token is wrong or out of date',
  E_RATE_LIMITED: 'Too many failed attempts from this address',
  E_UPLOAD_TOO_LARGE: 'The upload is larger than the limit',
  E_UPLOAD_BUSY: 'Too many uploads are in progress',
  E_UPLOAD_INCOMPLETE: 'The upload stopped before its end',
  E_UNSUPPORTED_MEDIA: 'The request body has the wrong content type',
  E_UNSUPPORTED: "The camera's script does not support this",
  E_STREAM_FULL: "The camera's live stream has as many viewers as allowed",
  E_NO_FFMPEG: 'ffmpeg is not installed',
  E_FFMPEG_FAILED: 'ffmpeg could not make the video',
  E_EXPORT_BUSY: 'Another video is being made',
  E_STORE_FULL: 'The photo store is at its limit',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class Esp32CamError extends Error {
  override readonly name = 'Esp32CamError';
  readonly code: ErrorCode;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.hint = hint;
  }

  /** One line for a terminal or a log: the problem, then what to check. */
  toLine(): string {
    return this.hint ? `${this.message} (${this.code}). ${this.hint}` : `${this.message} (${this.code})`;
  }

  toJSON(): { code: ErrorCode; message: string; hint: string } {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

export function isEsp32CamError(err: unknown, code?: ErrorCode): err is Esp32CamError {
  return err instanceof Esp32CamError && (code === undefined || err.code === code);
}

/** The errno-style code of a Node system error (`EREMOTEIO`, `ENOENT`...), if it is one. */
export function systemErrorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}
