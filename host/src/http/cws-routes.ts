import { Router, type Response } from 'express';
import type { Cameras } from '../services/cameras/index.js';
import type { CameraSettingsService } from '../services/settings/index.js';
import { namedCamera, queryCamera } from './camera-routes.js';
import { cwsControl, cwsStatus } from './cws-variables.js';

/** The settings the board holds (asked for when the host does not know), under CameraWebServer's names. */
async function sendStatus(settings: CameraSettingsService, name: string, res: Response): Promise<void> {
  res.set('Cache-Control', 'no-store').json(cwsStatus(await settings.held(name)));
}

/**
 * CameraWebServer's `GET /status` and `GET /control?var=NAME&val=N` (Espressif's example, app_httpd.cpp in
 * arduino-esp32), so that clients and scripts written for it work unchanged, on any camera with
 * `?camera=NAME`; and the same status under the project's own `/api/cameras/:name/`. The changes go
 * through the settings service, as a PUT of the settings does.
 */
export function cwsRoutes(cameras: Cameras, settings: CameraSettingsService): Router {
  const router = Router();

  router.get('/status', async (req, res) => {
    await sendStatus(settings, queryCamera(cameras, req).name, res);
  });

  router.get('/api/cameras/:name/settings/cws', async (req, res) => {
    await sendStatus(settings, namedCamera(cameras, req).name, res);
  });

  // CameraWebServer registers /control for GET alone; a HEAD (a link checker, a prefetch) must not act.
  router.head('/control', (_req, res) => {
    res.status(405).set({ Allow: 'GET', 'Cache-Control': 'no-store' }).end();
  });

  router.get('/control', async (req, res) => {
    const name = queryCamera(cameras, req).name;
    const control = cwsControl(req.query);
    if ('flash' in control) settings.setFlash(name, control.flash);
    else await settings.set(name, { [control.setting]: control.value });
    // As CameraWebServer answers a change it made: 200 with an empty body.
    res.status(200).set('Cache-Control', 'no-store').end();
  });

  return router;
}
