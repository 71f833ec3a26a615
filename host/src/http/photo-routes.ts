import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { Esp32CamError } from '../errors.js';
import type { Cameras } from '../services/cameras/index.js';
import { namedCamera, queryCamera } from './camera-routes.js';
import { captureRequestFromBody, captureRequestFromQuery } from './capture-request.js';
import { photoJson } from './photo-json.js';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.string().optional(),
  camera: z.string().max(64).optional(),
  scheduled: z.enum(['show', 'hide', 'only']).default('show'),
  schedule: z.string().min(1).max(64).optional(),
});

/** Stored photos never change, so browsers may keep them. */
function sendJpeg(res: Response, jpeg: Buffer, cache: 'immutable' | 'no-store'): void {
  res.set('Content-Type', 'image/jpeg');
  res.set('Cache-Control', cache === 'immutable' ? 'private, max-age=31536000, immutable' : 'no-store');
  res.send(jpeg);
}

export function photoRoutes(cameras: Cameras): Router {
  const { store } = cameras;
  const router = Router();

  // An optional JSON body chooses the flash and whether the held frame may be used (capture-request.ts).
  router.post('/api/capture', async (req, res) => {
    const camera = queryCamera(cameras, req);
    res.status(201).json(photoJson(await camera.capture(captureRequestFromBody(req))));
  });

  router.post('/api/cameras/:name/capture', async (req, res) => {
    const camera = namedCamera(cameras, req);
    res.status(201).json(photoJson(await camera.capture(captureRequestFromBody(req))));
  });

  // For Home Assistant's generic camera and clients of ESP32 CameraWebServer: a fresh JPEG, nothing else.
  // ?flash=on|off|auto and ?fresh=0|1 choose as the JSON body does for the routes above.
  router.get('/capture', async (req, res) => {
    const camera = queryCamera(cameras, req);
    const request = captureRequestFromQuery(req);
    if (req.query.store === '1' || req.query.store === 'true') {
      const record = await camera.capture(request);
      res.set('X-Photo-Id', record.id);
      sendJpeg(res, await store.readJpeg(record.id), 'no-store');
      return;
    }
    const shot = await camera.captureJpeg(request);
    res.set('X-Flash', shot.flash ? 'on' : 'off');
    sendJpeg(res, shot.jpeg, 'no-store');
  });

  const listPhotos = (req: Request, res: Response, camera: string | undefined): void => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) {
      const field = String(query.error.issues[0]?.path[0] ?? 'limit');
      if (field === 'scheduled' || field === 'schedule') {
        throw new Esp32CamError(
          'E_BAD_INPUT',
          `${field} must be ${field === 'scheduled' ? 'show, hide or only' : "a schedule's id"}`,
          'Use e.g. /api/photos?scheduled=hide for photos taken by hand, ?scheduled=only for scheduled ones, ?schedule=ID for one schedule.',
        );
      }
      throw new Esp32CamError('E_BAD_INPUT', 'limit must be a whole number from 1 to 100', 'Use e.g. /api/photos?limit=20.');
    }
    const page = store.list({ ...query.data, camera });
    res.set('Cache-Control', 'no-store').json({ ...page, items: page.items.map(photoJson) });
  };

  router.get('/api/photos', (req, res) => {
    listPhotos(req, res, req.query.camera === undefined ? undefined : queryCamera(cameras, req).name);
  });

  router.get('/api/cameras/:name/photos', (req, res) => {
    listPhotos(req, res, namedCamera(cameras, req).name);
  });

  router.get('/api/photos/:id', (req, res) => {
    res.set('Cache-Control', 'no-store').json(photoJson(store.get(req.params.id)));
  });

  router.get('/api/photos/:id/jpeg', async (req, res) => {
    const { id } = req.params;
    const jpeg = await store.readJpeg(id);
    if (req.query.download === '1') res.set('Content-Disposition', `attachment; filename="${id}.jpg"`);
    sendJpeg(res, jpeg, 'immutable');
  });

  router.get('/api/photos/:id/thumb', async (req, res) => {
    sendJpeg(res, await store.readThumb(req.params.id), 'immutable');
  });

  router.delete('/api/photos/:id', async (req, res) => {
    await cameras.deletePhoto(req.params.id);
    res.status(204).end();
  });

  return router;
}
