import type { CameraFlags } from '../camera-options.js';
import { formatMs } from '../format.js';
import { withCamera } from './with-camera.js';

export async function pingCommand(flags: CameraFlags): Promise<void> {
  await withCamera(flags, async (camera) => {
    const result = await camera.client.ping();
    const firmware = result.firmware ? `, firmware ${result.firmware}` : '';
    process.stdout.write(`camera ${camera.specText} answered in ${formatMs(result.roundTripMs)} (protocol ${result.protocol}${firmware})\n`);
  });
}
