import { Esp32CamError } from '../../errors.js';
import type { SerialPortInfo } from './list-ports.js';

/**
 * The port to use when the user named none: the single one that looks like an ESP board. None or several is
 * the user's call to make, so each gets advice; `chooseHint` says how to name a port where the caller is
 * (`--port` on the command line, `?port=` over HTTP).
 */
export function onlyEspBoard(ports: SerialPortInfo[], chooseHint: string): string {
  const boards = ports.filter((p) => p.likelyEsp);
  if (boards.length === 1) return boards[0]!.path;
  if (boards.length === 0) {
    throw new Esp32CamError(
      'E_PORT_NOT_FOUND',
      'No ESP board found on a USB-serial port',
      `Plug the board in (ESP32-CAM-MB or a USB-serial adapter), check that the cable carries data and \`esp32cam ports\` lists it, then ${chooseHint}`,
    );
  }
  throw new Esp32CamError('E_BAD_INPUT', `Several boards are plugged in: ${boards.map((p) => p.path).join(', ')}`, `Choose one: ${chooseHint}`);
}
