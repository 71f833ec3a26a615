import { Router } from 'express';
import type { Server as SocketServer } from 'socket.io';
import { z } from 'zod';
import { v2 } from '../../../protocol/src/index.js';
import { Esp32CamError } from '../errors.js';
import type { CameraSettingsService, CameraSettingsView } from '../services/settings/index.js';

const settingsBody = z.object(Object.fromEntries(v2.SETTING_NAMES.map((name) => [name, z.number().optional()]))).strict();

const ranges = (): string => v2.SETTING_NAMES.map((name) => `${name} ${v2.SETTINGS[name].min}..${v2.SETTINGS[name].max}`).join(', ');

/** Names what is wrong with a settings body: an unknown name, or a value that is not a number. */
function bodyProblem(body: unknown): Esp32CamError | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return new Esp32CamError(
      'E_BAD_INPUT',
      'The settings are a JSON object of numbers by name',
      `Send JSON such as {"framesize": 8, "quality": 12}; the settings are ${ranges()}.`,
    );
  }
  const parsed = settingsBody.safeParse(body);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    return new Esp32CamError('E_BAD_INPUT', `Unknown camera setting ${issue.keys.join(', ')}`, `The settings are ${ranges()}.`);
  }
  const name = String(issue.path[0]);
  const spec = v2.SETTINGS[name as v2.SettingName];
  return new Esp32CamError(
    'E_BAD_INPUT',
    `The setting ${name} must be a number`,
    spec ? `${name} is an integer from ${spec.min} to ${spec.max}.` : `The settings are ${ranges()}.`,
  );
}

const settingsJson = (view: CameraSettingsView) => ({
  ...view,
  appliedAt: view.appliedAt === null ? null : new Date(view.appliedAt).toISOString(),
  lastError: view.lastError === null ? null : { ...view.lastError, at: new Date(view.lastError.at).toISOString() },
});

/**
 * A camera's settings: what is wanted, what the board last reported it holds and when, and whether its
 * script takes settings at all. A PUT applies the given settings on top of the wanted ones.
 */
export function settingsRoutes(settings: CameraSettingsService): Router {
  const router = Router();

  router.get('/api/cameras/:name/settings', (req, res) => {
    res.set('Cache-Control', 'no-store').json(settingsJson(settings.get(String(req.params.name))));
  });

  router.put('/api/cameras/:name/settings', async (req, res) => {
    const name = String(req.params.name);
    settings.get(name); // an unknown camera is a 404 before the body is judged
    const problem = bodyProblem(req.body);
    if (problem) throw problem;
    res.set('Cache-Control', 'no-store').json(settingsJson(await settings.set(name, req.body as v2.CameraSettings)));
  });

  return router;
}

/** Pushes every change of a camera's settings to the pages as `camera:settings`. */
export function relaySettings(io: SocketServer, settings: CameraSettingsService): void {
  settings.on('change', (view) => io.emit('camera:settings', settingsJson(view)));
}
