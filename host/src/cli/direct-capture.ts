import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CameraClient } from '../devices/camera/camera-client.js';
import { Esp32CamError } from '../errors.js';
import { AutoFlash, type CameraHandle, type CaptureRequest, type FlashMode } from '../services/cameras/index.js';
import { CameraSettingsService, CameraSettingsStore, SETTINGS_DIR } from '../services/settings/index.js';

/** A photo the CLI took, and whether the flash LED lit it (unknown when a service took it and did not say). */
export interface CliShot {
  jpeg: Buffer;
  flash?: boolean;
}

/**
 * Takes a photo with the camera this process holds, as the service would: the request's flash, else the flash
 * mode kept with the camera's settings in the data folder (off when none is kept), and fresh unless told not.
 */
export async function directCapture(client: CameraClient, dataDir: string, name: string, request: CaptureRequest): Promise<CliShot> {
  const flash = request.flash ?? (await keptFlashMode(dataDir, name));
  const fresh = request.fresh ?? true;
  if (flash === 'auto') return new AutoFlash().take((options) => client.capture(options), fresh);
  return { jpeg: await client.capture({ fresh, flash: flash === 'on' }), flash: flash === 'on' };
}

/** The flash mode `esp32cam settings` or a service kept for the camera; nothing is created to find out. */
async function keptFlashMode(dataDir: string, name: string): Promise<FlashMode> {
  if (!existsSync(join(dataDir, SETTINGS_DIR, `${name}.json`))) return 'off';
  const store = await CameraSettingsStore.open(dataDir, name);
  return store.state.flash;
}

/**
 * Sets the frame size of the camera this process holds, through SETTINGS, and keeps it with the camera's
 * wanted settings in the data folder as `esp32cam settings framesize=…` does, so a service started there later
 * applies the same.
 */
export async function directFrameSize(handle: CameraHandle, dataDir: string, framesize: number): Promise<void> {
  const only = {
    list: () => [{ name: handle.name }],
    get: (name: string) => {
      if (name !== handle.name) throw new Esp32CamError('E_NOT_FOUND', `There is no camera "${name}"`, `This command opened camera "${handle.name}".`);
      return { camera: handle };
    },
  };
  const settings = await CameraSettingsService.open({ cameras: only, dataDir });
  try {
    await settings.set(handle.name, { framesize });
  } finally {
    await settings.close();
  }
}
