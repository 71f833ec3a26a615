import { openHardware } from '../app/hardware.js';
import { Esp32CamError } from '../errors.js';
import { settingsJson, type SettingsJson } from '../http/settings-routes.js';
import type { CameraHandle } from '../services/cameras/index.js';
import { readRuntimeFile } from '../services/runtime-file.js';
import { CameraSettingsService, type SettingsCameras } from '../services/settings/index.js';
import { servedName } from './camera-access.js';
import { oneCameraFromFlags, type CameraFlags } from './camera-options.js';
import { serviceCall } from './service-call.js';
import type { SettingsChange } from './setting-pairs.js';

/** One camera's settings, whether a running service keeps them or this process does. */
export interface SettingsAccess {
  name: string;
  specText: string;
  /** `directly` or `through the service at http://…`. */
  route: string;
  /** The settings as GET /api/cameras/:name/settings gives them. */
  view(): Promise<SettingsJson>;
  /** Applies the settings (if any) and sets the flash mode (if given), as a PUT of the settings does. */
  change(change: SettingsChange): Promise<SettingsJson>;
}

/**
 * Runs `job` on the camera the flags mean. A service running that camera keeps its settings, so the job
 * goes through its HTTP API. Otherwise this process opens the camera and keeps the settings in the same
 * data folder, where `esp32cam serve` will find them and apply them again.
 */
export async function withSettingsAccess<T>(flags: CameraFlags, job: (access: SettingsAccess) => Promise<T>): Promise<T> {
  const { config, camera } = await oneCameraFromFlags(flags, async (cfg) => (await readRuntimeFile(cfg.dataDir))?.cameras ?? []);
  const service = await readRuntimeFile(config.dataDir);
  const served = service && servedName(service, camera);
  if (service && served !== undefined) {
    const call = await serviceCall(config, service);
    const path = `/api/cameras/${encodeURIComponent(served)}/settings`;
    return job({
      name: served,
      specText: camera.camera,
      route: `through the service at ${service.url}`,
      view: async () => (await (await call('GET', path)).json()) as SettingsJson,
      change: async ({ settings, flash }) => (await (await call('PUT', path, { ...settings, ...(flash ? { flash } : {}) })).json()) as SettingsJson,
    });
  }
  const hardware = await openHardware([camera], config, { owner: 'esp32cam CLI' });
  try {
    const handle = hardware.cameras[0];
    const settings = await CameraSettingsService.open({ cameras: justThis(handle), dataDir: config.dataDir });
    try {
      return await job({
        name: handle.name,
        specText: handle.specText,
        route: 'directly',
        // What the data folder says was applied may no longer hold (a reboot since; a simulated board has
        // just booted), so the board is asked.
        view: async () => settingsJson(await settings.held(handle.name, { ask: 'always' })),
        change: async ({ settings: change, flash }) => settingsJson(await settings.update(handle.name, change, flash)),
      });
    } finally {
      await settings.close();
    }
  } finally {
    await hardware.close();
  }
}

function justThis(handle: CameraHandle): SettingsCameras {
  return {
    list: () => [{ name: handle.name }],
    get: (name) => {
      if (name !== handle.name) throw new Esp32CamError('E_NOT_FOUND', `There is no camera "${name}"`, `This command opened camera "${handle.name}".`);
      return { camera: handle };
    },
  };
}
