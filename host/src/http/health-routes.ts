import { Router } from 'express';
import type { Server as SocketServer } from 'socket.io';
import { z } from 'zod';
import { Esp32CamError } from '../errors.js';
import type { Cameras } from '../services/cameras/index.js';
import type { HealthMonitors } from '../services/health/health-monitors.js';

const faultBody = z
  .object({
    kind: z.string().min(1).max(32),
    seconds: z.number().int().optional(),
    count: z.number().int().optional(),
    cause: z.string().max(32).optional(),
  })
  .strict();

/**
 * Health for every camera (GET /api/health), one camera's (GET /api/cameras/:name/health), a check on demand,
 * and faults injected into a simulated camera so a user can watch the health panel react.
 */
export function healthRoutes(health: HealthMonitors, cameras: Cameras): Router {
  const router = Router();

  router.get('/api/health', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(health.report());
  });

  router.get('/api/cameras/:name/health', (req, res) => {
    res.set('Cache-Control', 'no-store').json(health.get(String(req.params.name)).report());
  });

  router.post('/api/cameras/:name/health/check', async (req, res) => {
    const monitor = health.get(String(req.params.name));
    await monitor.checkNow();
    res.json(monitor.report());
  });

  router.post('/api/cameras/:name/sim-fault', (req, res) => {
    const camera = cameras.get(String(req.params.name));
    const board = camera.camera.board;
    if (!board) {
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `Camera "${camera.name}" is a real camera (${camera.camera.specText}); faults can only be injected into simulated ones`,
        'Pick a simulated camera (spec "sim…"), as GET /api/cameras lists them.',
      );
    }
    const body = faultBody.safeParse(req.body);
    if (!body.success) {
      throw new Esp32CamError(
        'E_BAD_INPUT',
        'A fault request is {"kind": KIND} with "seconds", "count" or "cause" where the kind takes one',
        `Send JSON such as {"kind": "hang", "seconds": 20}; the kinds are ${board.faultKinds().join(', ')}.`,
      );
    }
    const { kind, ...args } = body.data;
    const applied = board.injectFault(kind, args);
    res.json({ camera: camera.name, ...applied });
  });

  return router;
}

/** Pushes every health event to the pages as `health:event`, with its camera's name and an ISO time. */
export function relayHealth(io: SocketServer, health: HealthMonitors): void {
  health.on('event', (event) => io.emit('health:event', { ...event, at: new Date(event.at).toISOString() }));
}
