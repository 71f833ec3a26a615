import { openCamera, type CameraHandle } from '../../services/camera-factory.js';
import { configFromFlags, type CameraFlags } from '../camera-options.js';

/** Opens the configured camera for one command and always closes it (and the simulated board) after. */
export async function withCamera<T>(flags: CameraFlags, job: (camera: CameraHandle) => Promise<T>): Promise<T> {
  const config = await configFromFlags(flags);
  const camera = await openCamera(config);
  try {
    return await job(camera);
  } finally {
    await camera.close();
  }
}
