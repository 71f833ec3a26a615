import { Esp32CamError } from '../../errors.js';

export const noSuchDeviceFile = (path: string): Esp32CamError =>
  new Esp32CamError('E_NOT_FOUND', `There is no ${path} on the board`, "List the board's files with `esp32cam ls` (or `esp32cam ls DIR`) and check the name.");

export const notADeviceFolder = (path: string): Esp32CamError =>
  new Esp32CamError('E_BAD_INPUT', `${path} on the board is a file, not a folder`, 'Give a folder, e.g. `esp32cam ls /` or `esp32cam ls /lib`.');

export const isADeviceFolder = (path: string): Esp32CamError =>
  new Esp32CamError('E_BAD_INPUT', `${path} on the board is a folder, not a file`, 'Give a file in it; `esp32cam ls ' + path + '` lists them.');

export const deviceReadMismatch = (path: string): Esp32CamError =>
  new Esp32CamError(
    'E_PUSH_VERIFY',
    `The copy of ${path} read from the board does not match the board's own hash`,
    'Check the cable and baud rate, then read it again.',
  );

export const unexpectedReply = (what: string, stdout: string): Esp32CamError =>
  new Esp32CamError(
    'E_REPL_PROTOCOL',
    `The board answered ${JSON.stringify(stdout.slice(0, 60))} to ${what}`,
    'Close other programs using the port (Thonny, screen, mpremote) and try again.',
  );
