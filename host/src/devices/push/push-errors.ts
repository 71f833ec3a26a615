import { Esp32CamError } from '../../errors.js';

export const badRemotePath = (path: string, why: string): Esp32CamError =>
  new Esp32CamError(
    'E_BAD_INPUT',
    `The device file name ${JSON.stringify(path)} is not allowed: ${why}`,
    'Use plain ASCII letters, digits, "_", "-" and "." (e.g. main.py or lib/camconfig.py), without quotes, backslashes or "..".',
  );

export const binaryScript = (path: string, why: string): Esp32CamError =>
  new Esp32CamError(
    'E_BAD_INPUT',
    `${path} is not a text Python script (${why})`,
    'Push the .py source file saved as UTF-8, not a compiled .mpy or another binary file; rename it if it is meant to be data.',
  );

export const scriptSyntax = (fileName: string, line: number | undefined, message: string): Esp32CamError =>
  new Esp32CamError(
    'E_SCRIPT_SYNTAX',
    `${fileName}${line === undefined ? '' : `:${line}`}: ${message}`,
    'Fix the script at that line (MicroPython checked it before anything was sent; the board was not touched) and push again.',
  );

export const deviceFsFull = (path: string): Esp32CamError =>
  new Esp32CamError(
    'E_DEVICE_FS_FULL',
    `The board's filesystem is full: ${path} could not be written (the old file is unchanged)`,
    'Free space on the board (esp32cam ls, then esp32cam rm OLD_FILE), or push a smaller file.',
  );

export const deviceFsError = (path: string, step: string, boardError: string): Esp32CamError =>
  new Esp32CamError(
    'E_DEVICE_FS',
    `The board could not ${step} ${path}: ${lastLine(boardError)}`,
    'Check the path on the board (esp32cam ls) and that its filesystem is mounted; the old file is unchanged.',
  );

export const pushVerifyFailed = (path: string): Esp32CamError =>
  new Esp32CamError(
    'E_PUSH_VERIFY',
    `The copy of ${path} on the board does not match the local file (the old file is unchanged)`,
    'Check the cable and baud rate, then push again (add --force to resend everything).',
  );

export const lastLine = (text: string): string => text.trim().split('\n').pop()?.trim() ?? '';
