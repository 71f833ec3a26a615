import type { Config } from '../config/schema.js';
import { Esp32CamError } from '../errors.js';
import type { SimulatedEsp32Cam } from '../sim/index.js';
import { join } from 'node:path';
import { openCamera } from './camera-factory.js';
import { startCaptureService, type CaptureService } from './capture-service.js';
import { FlashJobs } from './flash-jobs.js';
import { SIM_FLASH_FILE, simFlashPortFor } from './flash-sim-port.js';
import type { FsPort } from './fs-port.js';
import { PhotoStore } from './photo-store.js';
import { PushJobs } from './push-jobs.js';
import { SerialConsoles } from './serial-console.js';

export interface Services {
  config: Config;
  store: PhotoStore;
  capture: CaptureService;
  /** The simulated board, when `camera` is `sim`: tests inject faults through it. */
  sim: SimulatedEsp32Cam | undefined;
  /** Firmware flash jobs, with the simulated board's serial side when `camera` is `sim`. */
  flashJobs: FlashJobs;
  /** The web page's serial consoles, on the same ports and port claims as flash jobs. */
  consoles: SerialConsoles;
  /** Script pushes and the board's file listing, on the same ports and claims. */
  pushJobs: PushJobs;
  close(): Promise<void>;
}

export interface ServiceOptions {
  healthIntervalMs?: number;
  /** The photo store's file system; tests pass a wrapped one that runs out of space. */
  fs?: FsPort;
  log?: (line: string) => void;
}

/** Opens the store first (a bad dataDir should fail before a board is booted), then the camera. */
export async function startServices(config: Config, opts: ServiceOptions = {}): Promise<Services> {
  const store = await PhotoStore.open({
    dataDir: config.dataDir,
    maxPhotos: config.retention.maxPhotos,
    maxBytes: config.retention.maxBytes,
    log: opts.log,
    fs: opts.fs,
  });
  const camera = await openCamera(config, { simFlashFile: join(config.dataDir, SIM_FLASH_FILE) });
  const capture = await startCaptureService({
    camera,
    store,
    protocolSetting: config.protocol,
    healthIntervalMs: opts.healthIntervalMs,
    log: opts.log,
  });
  // The simulated camera's own serial side is the service's `sim:esp32cam`: one board, flashed and pushed
  // to over serial, photographed over I2C.
  const flashJobs = camera.sim
    ? new FlashJobs({ log: opts.log, sim: await simFlashPortFor(camera.sim.serial) })
    : await FlashJobs.open(config, { log: opts.log });
  const consoles = new SerialConsoles({ ports: flashJobs.portChoice, claims: flashJobs.claims });
  const pushJobs = new PushJobs({
    ports: flashJobs.portChoice,
    claims: flashJobs.claims,
    log: opts.log,
    ping: async (address) => {
      // A pushed setting can move the slave away from where this service looks for its camera: say so.
      if (address !== undefined && address !== camera.address) throw cameraMoved(address, camera.address, config.camera);
      return capture.ping();
    },
  });
  return {
    config,
    store,
    capture,
    sim: camera.sim,
    flashJobs,
    consoles,
    pushJobs,
    close: async () => {
      // Consoles and pushes first: they hold ports that closing the flash jobs unplugs.
      await consoles.close();
      await Promise.all([pushJobs.close(), flashJobs.close(), capture.close()]);
    },
  };
}

function cameraMoved(now: number, configured: number, spec: string): Esp32CamError {
  const hex = (n: number): string => `0x${n.toString(16)}`;
  return new Esp32CamError(
    'E_CONFIG',
    `The script now answers at I2C address ${hex(now)}, but this service's camera (${spec}) is at ${hex(configured)}`,
    `Push again with I2C_ADDRESS=${hex(configured)}, or point "camera" at ${hex(now)} and restart the service.`,
  );
}
