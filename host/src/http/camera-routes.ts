import { Router } from 'express';
import { z } from 'zod';
import { Esp32CamError } from '../errors.js';
import type { Services } from '../services/start-services.js';

const flashBody = z.object({ on: z.boolean() }).strict();

export function cameraRoutes(services: Services): Router {
  const { capture } = services;
  const router = Router();

  router.get('/api/status', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(capture.status());
  });

  router.post('/api/ping', async (_req, res) => {
    res.json(await capture.ping());
  });

  router.post('/api/flash', async (req, res) => {
    const body = flashBody.safeParse(req.body);
    if (!body.success) {
      throw new Esp32CamError('E_BAD_INPUT', 'The flash request must be {"on": true} or {"on": false}',
        'Send JSON with Content-Type: application/json and a boolean "on".');
    }
    res.json({ on: await capture.setFlash(body.data.on) });
  });

  return router;
}
