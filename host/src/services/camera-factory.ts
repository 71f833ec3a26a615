import { CameraClient } from '../devices/camera/camera-client.js';
import { SimulatedEsp32Cam } from '../sim/index.js';
import { openI2cBus } from '../transports/i2c-bus-transport.js';
import type { I2cTransport } from '../transports/i2c-transport.js';
import { DEFAULT_CAMERA_ADDRESS, parseCameraSpec, type CameraSpec } from '../config/camera-spec.js';
import type { Config } from '../config/schema.js';
import { Esp32CamError } from '../errors.js';

export type CameraConfig = Pick<Config, 'camera' | 'protocol' | 'sim'>;

/** A connected camera: its client, the bus under it, and the simulated board when there is one. */
export interface CameraHandle {
  client: CameraClient;
  spec: CameraSpec;
  /** Canonical spec text, as stored in photo records. */
  specText: string;
  address: number;
  sim?: SimulatedEsp32Cam;
  /** Closes the client, then the bus (which stops the simulated board). */
  close(): Promise<void>;
}

/**
 * `sim` boots the simulated board (its flash, firmware and filesystem kept in `simFlashFile` when given);
 * `i2c:1@0x2c` opens /dev/i2c-1 and talks to 0x2c.
 */
export async function openCamera(config: CameraConfig, opts: { simFlashFile?: string } = {}): Promise<CameraHandle> {
  const spec = parseCameraSpec(config.camera);
  if (!spec) {
    throw new Esp32CamError('E_CONFIG', `camera: "${config.camera}" is not a camera; use "sim" or "i2c:BUS@ADDRESS" like "i2c:1@0x2c"`,
      'Set it with --camera or as "camera" in the config file; `ls /dev/i2c-*` lists the I2C buses.');
  }
  let bus: I2cTransport;
  let sim: SimulatedEsp32Cam | undefined;
  let address: number;
  if (spec.kind === 'sim') {
    const overrides: Record<string, string | number | boolean> = {};
    if (config.sim.frameSize !== undefined) overrides.FRAME_SIZE = config.sim.frameSize;
    if (config.sim.quality !== undefined) overrides.JPEG_QUALITY = config.sim.quality;
    sim = await SimulatedEsp32Cam.start({
      script: config.sim.script,
      busHz: config.sim.busHz,
      flashFile: opts.simFlashFile,
      configOverrides: Object.keys(overrides).length > 0 ? overrides : undefined,
    });
    bus = sim;
    address = sim.info().address ?? DEFAULT_CAMERA_ADDRESS;
  } else {
    bus = await openI2cBus(spec.bus);
    address = spec.address;
  }
  const client = new CameraClient({ bus, address, protocol: config.protocol });
  return {
    client,
    spec,
    specText: config.camera,
    address,
    sim,
    async close() {
      client.close();
      await bus.close();
    },
  };
}
