import type { CameraFlags } from '../camera-options.js';
import { withCamera } from './with-camera.js';

export async function flashLedCommand(state: 'on' | 'off', flags: CameraFlags): Promise<void> {
  await withCamera(flags, async (camera) => {
    await camera.client.setLed(state === 'on');
    process.stdout.write(`flash LED of camera ${camera.specText} is ${state}\n`);
  });
}
