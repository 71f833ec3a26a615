import type { Config } from '../config/schema.js';
import type { SimulatedEsp32Cam } from '../sim/index.js';
import { openCamera } from './camera-factory.js';
import { startCaptureService, type CaptureService } from './capture-service.js';
import { FlashJobs } from './flash-jobs.js';
import type { FsPort } from './fs-port.js';
import { PhotoStore } from './photo-store.js';

export interface Services {
  config: Config;
  store: PhotoStore;
  capture: CaptureService;
  /** The simulated board, when `camera` is `sim`: tests inject faults through it. */
  sim: SimulatedEsp32Cam | undefined;
  /** Firmware flash jobs, with the simulated board's serial side when `camera` is `sim`. */
  flashJobs: FlashJobs;
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
  const camera = await openCamera(config);
  const capture = await startCaptureService({
    camera,
    store,
    protocolSetting: config.protocol,
    healthIntervalMs: opts.healthIntervalMs,
    log: opts.log,
  });
  const flashJobs = await FlashJobs.open(config, { log: opts.log });
  return { config, store, capture, sim: camera.sim, flashJobs, close: async () => void (await Promise.all([flashJobs.close(), capture.close()])) };
}
