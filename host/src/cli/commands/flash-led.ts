import type { CameraFlags } from '../camera-options.js';
import { withCameraAccess } from '../camera-access.js';

export async function flashLedCommand(state: 'on' | 'off', flags: CameraFlags): Promise<void> {
  await withCameraAccess(flags, async (camera) => {
    await camera.setLed(state === 'on');
    const via = camera.client ? '' : ` (${camera.route})`;
    process.stdout.write(`flash LED of camera ${camera.specText} is ${state}${via}\n`);
  });
}
