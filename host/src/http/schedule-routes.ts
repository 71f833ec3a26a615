import { Router } from 'express';
import type { Server as SocketServer } from 'socket.io';
import type { Schedules } from '../services/schedules/index.js';

/**
 * Timelapse schedules, per camera. The body of a POST or PUT is judged by the schedules service, which
 * names the field at fault and how to fix it.
 */
export function scheduleRoutes(schedules: Schedules): Router {
  const router = Router();

  router.get('/api/schedules', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ schedules: schedules.list() });
  });

  router.get('/api/cameras/:name/schedules', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ schedules: schedules.list(String(req.params.name)) });
  });

  router.get('/api/cameras/:name/schedules/:id', (req, res) => {
    res.set('Cache-Control', 'no-store').json(schedules.get(String(req.params.name), String(req.params.id)));
  });

  router.post('/api/cameras/:name/schedules', async (req, res) => {
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json(await schedules.add(String(req.params.name), req.body));
  });

  router.put('/api/cameras/:name/schedules/:id', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await schedules.update(String(req.params.name), String(req.params.id), req.body));
  });

  router.delete('/api/cameras/:name/schedules/:id', async (req, res) => {
    await schedules.remove(String(req.params.name), String(req.params.id));
    res.status(204).end();
  });

  return router;
}

/** Pushes every schedule's change (a slot's outcome, an edit) as `schedule:change`, and deletions as `schedule:delete`. */
export function relaySchedules(io: SocketServer, schedules: Schedules): void {
  schedules.on('change', (view) => io.emit('schedule:change', view));
  schedules.on('delete', (e) => io.emit('schedule:delete', e));
}
