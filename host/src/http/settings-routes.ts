import { Router } from 'express';
import type { Server as SocketServer } from 'socket.io';
import { z } from 'zod';
import { v2 } from '../../../protocol/src/index.js';
import { Esp32CamError } from '../errors.js';
import type { FlashMode } from '../services/cameras/index.js';
import { FLASH_MODES, type CameraSettingsService, type CameraSettingsView } from '../services/settings/index.js';

// `flash` is the host's, not the board's: the LED for this camera's photos when a capture does not choose.
const settingsBody = z
  .object({
    ...Object.fromEntries(v2.SETTING_NAMES.map((name) => [name, z.number().optional()])),
    flash: z.enum(FLASH_MODES as [FlashMode, ...FlashMode[]]).optional(),
  })
  .strict();

const ranges = (): string => v2.SETTING_NAMES.map((name) => `${name} ${v2.SETTINGS[name].min}..${v2.SETTINGS[name].max}`).join(', ');

/** Names what is wrong with a settings body: an unknown name, or a value that is not a number. */
function bodyProblem(body: unknown): Esp32CamError | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return new Esp32CamError(
      'E_BAD_INPUT',
      'The settings are a JSON object of numbers by name',
      `Send JSON such as {"framesize": 8, "quality": 12, "flash": "auto"}; the settings are ${ranges()}, and flash is ${FLASH_MODES.join(', ')}.`,
    );
  }
  const parsed = settingsBody.safeParse(body);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    return new Esp32CamError('E_BAD_INPUT', `Unknown camera setting ${issue.keys.join(', ')}`, `The settings are ${ranges()}.`);
  }
  const name = String(issue.path[0]);
  if (name === 'flash') {
    const given = JSON.stringify((body as { flash?: unknown }).flash) ?? 'nothing';
    return new Esp32CamError(
      'E_BAD_INPUT',
      `The flash mode ${given.slice(0, 40)} is not one`,
      `flash is one of ${FLASH_MODES.map((m) => `"${m}"`).join(', ')}.`,
    );
  }
  const spec = v2.SETTINGS[name as v2.SettingName];
  return new Esp32CamError(
    'E_BAD_INPUT',
    `The setting ${name} must be a number`,
    spec ? `${name} is an integer from ${spec.min} to ${spec.max}.` : `The settings are ${ranges()}.`,
  );
}

export const settingsJson = (view: CameraSettingsView) => ({
  ...view,
  appliedAt: view.appliedAt === null ? null : new Date(view.appliedAt).toISOString(),
  lastError: view.lastError === null ? null : { ...view.lastError, at: new Date(view.lastError.at).toISOString() },
});

/** A camera's settings as GET /api/cameras/:name/settings answers them. */
export type SettingsJson = ReturnType<typeof settingsJson>;

/**
 * The settings a board takes, as protocol 2 defines them, for a page that cannot import protocol/: each
 * setting's range and the names of its values where it has some, and the frame sizes with their dimensions.
 */
export function settingsSpecJson() {
  const labels: Partial<Record<v2.SettingName, readonly string[]>> = v2.SETTING_LABELS;
  return {
    settings: v2.SETTING_NAMES.map((name) => ({
      name,
      min: v2.SETTINGS[name].min,
      max: v2.SETTINGS[name].max,
      ...(labels[name] ? { labels: [...labels[name]] } : {}),
    })),
    frameSizes: v2.FRAME_SIZES.map((f, value) => ({ value, ...f, needsPsram: v2.frameSizeNeedsPsram(value) })),
  };
}

/** What GET /api/settings/spec answers. */
export type SettingsSpecJson = ReturnType<typeof settingsSpecJson>;

/**
 * A camera's settings: what is wanted, what the board last reported it holds and when, and whether its
 * script takes settings at all. A PUT applies the given settings on top of the wanted ones, and sets the
 * flash mode when it names one.
 */
export function settingsRoutes(settings: CameraSettingsService): Router {
  const router = Router();
  const spec = settingsSpecJson();

  // The table changes only with the service, like the page's own files: revalidated (ETag) on each load.
  router.get('/api/settings/spec', (_req, res) => {
    res.set('Cache-Control', 'private, no-cache').json(spec);
  });

  router.get('/api/cameras/:name/settings', (req, res) => {
    res.set('Cache-Control', 'no-store').json(settingsJson(settings.get(String(req.params.name))));
  });

  router.put('/api/cameras/:name/settings', async (req, res) => {
    const name = String(req.params.name);
    settings.get(name); // an unknown camera is a 404 before the body is judged
    const problem = bodyProblem(req.body);
    if (problem) throw problem;
    const { flash, ...change } = req.body as v2.CameraSettings & { flash?: FlashMode };
    res.set('Cache-Control', 'no-store').json(settingsJson(await settings.update(name, change, flash)));
  });

  return router;
}

/** Pushes every change of a camera's settings to the pages as `camera:settings`. */
export function relaySettings(io: SocketServer, settings: CameraSettingsService): void {
  settings.on('change', (view) => io.emit('camera:settings', settingsJson(view)));
}
