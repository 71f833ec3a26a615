import { Esp32CamError } from '../../errors.js';
import type { Cameras } from '../cameras/index.js';
import { BoardRecovery } from '../health/recovery-actions.js';
import type { PushJobs } from '../push-jobs.js';
import type { SerialPorts } from '../serial/index.js';

/** Resets a camera's board on request; resolves with how (`RTS on /dev/ttyUSB0`). */
export type RebootBoard = (camera: string) => Promise<{ how: string }>;

/**
 * The reboot command's hands: the same EN reset through the board's serial port that the health monitor's
 * recovery uses, under the same port claim, so it never collides with a flash, a push or the console.
 */
export function boardReboot(opts: { cameras: Cameras; ports: SerialPorts; pushJobs: PushJobs }): RebootBoard {
  return async (name) => {
    const camera = opts.cameras.get(name);
    const serialPort = camera.camera.serialPort;
    if (serialPort === undefined) {
      throw new Esp32CamError(
        'E_UNSUPPORTED',
        `Camera "${name}" has no serial port, so the service cannot reset its board`,
        'Give the camera its serialPort in the config (the USB-serial adapter wired to the board, with RTS on EN), or reset it by hand.',
      );
    }
    const recovery = new BoardRecovery({
      camera: name,
      client: camera.camera.client,
      serialPort,
      ports: opts.ports,
      pushJobs: opts.pushJobs,
      serialReset: true,
    });
    const outcome = await recovery.reset();
    return { how: outcome.how };
  };
}
