import type { Request } from 'express';
import { Esp32CamError } from '../errors.js';
import type { CaptureRequest, FlashMode } from '../services/cameras/index.js';

const FLASH_MODES: readonly FlashMode[] = ['off', 'on', 'auto'];
const OPTIONS_HINT = 'The capture options are "flash" ("off", "on" or "auto"; default: the camera\'s flash mode) and "fresh" (default true).';

/**
 * The capture options of POST /api/capture and POST /api/cameras/:name/capture: an optional JSON body
 * `{"flash": "on"|"off"|"auto", "fresh": boolean}`. No body, or `{}`, takes the photo as the camera is set.
 */
export function captureRequestFromBody(req: Request): CaptureRequest {
  const body: unknown = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new Esp32CamError('E_BAD_INPUT', 'The capture options are a JSON object', `Send e.g. {"flash": "on", "fresh": false}, or no body. ${OPTIONS_HINT}`);
  }
  const request: CaptureRequest = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'flash') request.flash = flashMode(value, JSON.stringify(value) ?? String(value));
    else if (key === 'fresh') {
      if (typeof value !== 'boolean') {
        throw new Esp32CamError('E_BAD_INPUT', `fresh must be true or false, not ${clip(JSON.stringify(value) ?? String(value))}`, OPTIONS_HINT);
      }
      request.fresh = value;
    } else {
      throw new Esp32CamError('E_BAD_INPUT', `Unknown capture option "${clip(key)}"`, OPTIONS_HINT);
    }
  }
  return request;
}

/** GET /capture's options as CameraWebServer-style clients pass them: `?flash=on&fresh=0`. */
export function captureRequestFromQuery(req: Request): CaptureRequest {
  const request: CaptureRequest = {};
  const { flash, fresh } = req.query;
  if (flash !== undefined) request.flash = flashMode(flash, typeof flash === 'string' ? `"${flash}"` : 'several values');
  if (fresh !== undefined) {
    const value = typeof fresh === 'string' ? FRESH_WORDS[fresh.toLowerCase()] : undefined;
    if (value === undefined) {
      const given = typeof fresh === 'string' ? `"${clip(fresh)}"` : 'several values';
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `fresh must be 1 or 0 (true or false), not ${given}`,
        'Use ?fresh=0 for the frame the camera holds, ?fresh=1 (the default) for a new one.',
      );
    }
    request.fresh = value;
  }
  return request;
}

const FRESH_WORDS: Record<string, boolean> = { '1': true, true: true, '0': false, false: false };

function flashMode(value: unknown, shown: string): FlashMode {
  if (typeof value === 'string' && (FLASH_MODES as readonly string[]).includes(value)) return value as FlashMode;
  throw new Esp32CamError(
    'E_BAD_INPUT',
    `flash must be "off", "on" or "auto", not ${clip(shown)}`,
    'Use "on" to light the photo with the flash LED, "off" for none, or "auto" to light it only when the scene is dark.',
  );
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
