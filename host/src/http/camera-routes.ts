import { Router, type Request } from 'express';
import { z } from 'zod';
import { Esp32CamError } from '../errors.js';
import type { Cameras, CaptureService } from '../services/cameras/index.js';
import type { MqttStatus } from '../services/mqtt/index.js';

const ledBody = z.object({ on: z.boolean() }).strict();

function ledState(req: Request): boolean {
  const body = ledBody.safeParse(req.body);
  if (!body.success) {
    throw new Esp32CamError(
      'E_BAD_INPUT',
      'The LED request must be {"on": true} or {"on": false}',
      'Send JSON with Content-Type: application/json and a boolean "on".',
    );
  }
  return body.data.on;
}

/** The camera a `/api/cameras/:name/...` route names; E_NOT_FOUND listing the names otherwise. */
export function namedCamera(cameras: Cameras, req: Request): CaptureService {
  return cameras.get(String(req.params.name));
}

/** `?camera=NAME` picks a camera (GET /capture, GET /stream); without it, the first one. */
export function queryCamera(cameras: Cameras, req: Request): CaptureService {
  const name = req.query.camera;
  if (name === undefined) return cameras.first;
  if (typeof name !== 'string' || name.length > 64) {
    throw new Esp32CamError('E_BAD_INPUT', 'camera must be one camera name', `Use e.g. ?camera=${cameras.first.name}; GET /api/cameras lists the names.`);
  }
  return cameras.get(name);
}

/**
 * Status, ping and the flash LED of every camera under /api/cameras/:name, and today's single-camera routes
 * (/api/status, /api/ping, /api/flash) on the first camera.
 */
export function cameraRoutes(cameras: Cameras, opts: { mqtt?: () => MqttStatus } = {}): Router {
  const router = Router();

  router.get('/api/status', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ ...cameras.status(), mqtt: opts.mqtt?.() ?? { enabled: false } });
  });

  router.get('/api/cameras', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ cameras: cameras.list().map((c) => c.status()) });
  });

  router.get(['/api/cameras/:name', '/api/cameras/:name/status'], (req, res) => {
    res.set('Cache-Control', 'no-store').json(namedCamera(cameras, req).status());
  });

  router.post('/api/cameras/:name/ping', async (req, res) => {
    res.json(await namedCamera(cameras, req).ping());
  });

  router.post('/api/cameras/:name/led', async (req, res) => {
    const camera = namedCamera(cameras, req);
    res.json({ on: await camera.setLed(ledState(req)) });
  });

  router.post('/api/ping', async (_req, res) => {
    res.json(await cameras.first.ping());
  });

  // The first camera's LED, under the name it had before the LED got its own.
  router.post('/api/flash', async (req, res) => {
    res.json({ on: await cameras.first.setLed(ledState(req)) });
  });

  return router;
}
