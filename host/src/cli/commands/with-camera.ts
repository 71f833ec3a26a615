import { openHardware } from '../../app/hardware.js';
import type { CameraHandle } from '../../services/cameras/index.js';
import { oneCameraFromFlags, type CameraFlags } from '../camera-options.js';

/** Opens the camera the flags mean for one command and always closes it (and its bus or simulated board) after. */
export async function withCamera<T>(flags: CameraFlags, job: (camera: CameraHandle) => Promise<T>): Promise<T> {
  const { config, camera } = await oneCameraFromFlags(flags);
  const hardware = await openHardware([camera], config, { owner: 'esp32cam CLI' });
  try {
    return await job(hardware.cameras[0]);
  } finally {
    await hardware.close();
  }
}
