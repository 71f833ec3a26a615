import { Esp32CamError } from '../../errors.js';

export const notMicroPython = (seen: string): Esp32CamError =>
  new Esp32CamError(
    'E_NOT_MICROPYTHON',
    `The board is not running MicroPython${seen ? ` (it printed: ${JSON.stringify(seen.slice(0, 80))})` : ''}`,
    'Flash MicroPython first with `esp32cam flash FIRMWARE.bin`, check the baud rate (115200), and make sure GPIO0 is not held low.',
  );

export const noSerialData = (): Esp32CamError =>
  new Esp32CamError(
    'E_NO_SERIAL_DATA',
    'The board sent nothing on the serial port',
    'Check the USB cable and that the board is powered; press RST once, then try again.',
  );

export const replTimeout = (ms: number | undefined, recovered: boolean): Esp32CamError =>
  new Esp32CamError(
    'E_REPL_TIMEOUT',
    `${ms === undefined ? 'The board stopped answering the raw REPL' : `The code on the board did not finish within ${ms} ms`}${recovered ? ' and was interrupted' : ' and the board does not answer Ctrl-C'}`,
    recovered ? 'Give it a longer timeout, or check the code for an endless loop.' : 'Reset the board (esp32cam reset --hard, or press RST) and try again.',
  );

export const outputLimit = (limit: number): Esp32CamError =>
  new Esp32CamError(
    'E_REPL_OUTPUT_LIMIT',
    `The code on the board printed more than ${limit} bytes and was interrupted`,
    'Print less, or read large data in parts.',
  );

export const boardRebooted = (cause: string, line: string): Esp32CamError =>
  new Esp32CamError(
    'E_BOARD_REBOOTED',
    `The board rebooted during the session (${cause}): ${line}`,
    cause.includes('WDT')
      ? 'A watchdog reset it: run again (the session feeds the watchdog), and check the power supply gives 500 mA.'
      : 'Check the power supply (5 V, 500 mA peaks) and the code for machine.reset(); run the command again.',
  );

export const replProtocol = (expected: string, got: Uint8Array): Esp32CamError =>
  new Esp32CamError(
    'E_REPL_PROTOCOL',
    `The board answered ${JSON.stringify(Buffer.from(got).toString('latin1').slice(0, 40))} where the raw REPL sends ${expected}`,
    'Close other programs using the port (Thonny, screen, mpremote) and try again.',
  );

export const linkLost = (cause?: unknown): Esp32CamError =>
  new Esp32CamError(
    'E_PORT_DISCONNECTED',
    'The serial port went away during the REPL session',
    'Check the USB cable, plug the board back in and run the command again.',
    { cause },
  );
