import { openHardware } from '../app/hardware.js';
import type { CameraConfig, Config } from '../config/schema.js';
import type { CameraClient } from '../devices/camera/camera-client.js';
import type { PingResult } from '../devices/camera/types.js';
import type { CaptureRequest } from '../services/cameras/index.js';
import { readRuntimeFile, type RuntimeInfo } from '../services/runtime-file.js';
import { directCapture, directFrameSize, type CliShot } from './direct-capture.js';
import { serviceCall } from './service-call.js';
import { oneCameraFromFlags, type CameraFlags } from './camera-options.js';

/** What the one-camera commands do with a camera, whether they hold its bus or a service does. */
export interface CameraAccess {
  /** The camera's name and spec, for messages. */
  name: string;
  specText: string;
  /** `directly` or `through the service at http://…`. */
  route: string;
  /** The client, when this process holds the bus (progress bars listen to it). */
  client?: CameraClient;
  ping(): Promise<PingResult>;
  /** A photo as `request` says: its flash, else the camera's flash mode; fresh unless told not. */
  capture(request?: CaptureRequest): Promise<CliShot>;
  /** Sets the frame size (framesize_t) through SETTINGS, kept with the camera's wanted settings. */
  setFrameSize(framesize: number): Promise<void>;
  setLed(on: boolean): Promise<void>;
  /** The protocol the camera answered in, once known. */
  protocol(): Promise<string | undefined>;
}

/**
 * Runs `job` on the camera the flags mean. When a service on this machine runs that camera (its
 * `service.json` is in the data folder), the job goes through the service's HTTP API, since the service owns
 * the bus; otherwise this process opens the bus (or the simulated board) for the job and closes it after.
 */
export async function withCameraAccess<T>(flags: CameraFlags, job: (camera: CameraAccess) => Promise<T>): Promise<T> {
  const { config, camera } = await oneCameraFromFlags(flags, async (cfg) => (await readRuntimeFile(cfg.dataDir))?.cameras ?? []);
  const service = await readRuntimeFile(config.dataDir);
  const served = service && servedName(service, camera);
  if (service && served !== undefined) return job(await remoteAccess(config, service, served, camera));
  const hardware = await openHardware([camera], config, { owner: 'esp32cam CLI' });
  try {
    const handle = hardware.cameras[0];
    const client = handle.client;
    return await job({
      name: handle.name,
      specText: handle.specText,
      route: 'directly',
      client,
      ping: () => client.ping(),
      capture: (request = {}) => directCapture(client, config.dataDir, handle.name, request),
      setFrameSize: (framesize) => directFrameSize(handle, config.dataDir, framesize),
      setLed: (on) => client.setLed(on),
      protocol: async () => client.protocolInUse,
    });
  } finally {
    await hardware.close();
  }
}

/** The service's name for this camera: the same name, or whatever name it gives the same spec. */
export function servedName(service: RuntimeInfo, camera: CameraConfig): string | undefined {
  return (service.cameras.find((c) => c.name === camera.name && c.camera === camera.camera) ?? service.cameras.find((c) => c.camera === camera.camera))?.name;
}

async function remoteAccess(config: Config, service: RuntimeInfo, name: string, camera: CameraConfig): Promise<CameraAccess> {
  const call = await serviceCall(config, service);
  const path = (tail: string): string => `/api/cameras/${encodeURIComponent(name)}${tail}`;
  return {
    name,
    specText: camera.camera,
    route: `through the service at ${service.url}`,
    ping: async () => (await (await call('POST', path('/ping'))).json()) as PingResult,
    capture: async (request = {}) => {
      const query = new URLSearchParams({ camera: name });
      if (request.flash !== undefined) query.set('flash', request.flash);
      if (request.fresh !== undefined) query.set('fresh', request.fresh ? '1' : '0');
      const res = await call('GET', `/capture?${query}`);
      const flash = res.headers.get('x-flash');
      return { jpeg: Buffer.from(await res.arrayBuffer()), ...(flash === null ? {} : { flash: flash === 'on' }) };
    },
    setFrameSize: async (framesize) => void (await call('PUT', path('/settings'), { framesize })),
    setLed: async (on) => void (await call('POST', path('/led'), { on })),
    protocol: async () => ((await (await call('GET', path(''))).json()) as { protocol: string | null }).protocol ?? undefined,
  };
}
