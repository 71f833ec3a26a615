import type { CameraFlags } from '../camera-options.js';
import { withCameraAccess } from '../camera-access.js';
import { formatMs } from '../format.js';

export async function pingCommand(flags: CameraFlags): Promise<void> {
  await withCameraAccess(flags, async (camera) => {
    const result = await camera.ping();
    const firmware = result.firmware ? `, firmware ${result.firmware}` : '';
    const via = camera.client ? '' : `, ${camera.route}`;
    process.stdout.write(`camera ${camera.specText} answered in ${formatMs(result.roundTripMs)} (protocol ${result.protocol}${firmware}${via})\n`);
  });
}
