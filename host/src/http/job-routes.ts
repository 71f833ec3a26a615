import { Router } from 'express';
import type { Server as SocketServer } from 'socket.io';
import { z } from 'zod';
import { Esp32CamError, isEsp32CamError } from '../errors.js';
import type { FlashJobs } from '../services/flash-jobs.js';
import type { PushJobs } from '../services/push-jobs.js';

const listQuery = z.object({ kind: z.enum(['flash', 'push']).optional() }).strict();

/**
 * One job API for both kinds of background work on a board: GET /api/jobs (newest first, `?kind=flash` or
 * `push` to narrow it) and GET /api/jobs/:id, whichever kind the job is. Each job says its `kind`.
 */
export function jobRoutes(flashJobs: FlashJobs, pushJobs: PushJobs): Router {
  const router = Router();

  router.get('/api/jobs', (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) throw new Esp32CamError('E_BAD_INPUT', 'kind must be "flash" or "push"', 'Use /api/jobs, /api/jobs?kind=flash or /api/jobs?kind=push.');
    const { kind } = query.data;
    const jobs = [...(kind === 'push' ? [] : flashJobs.list()), ...(kind === 'flash' ? [] : pushJobs.list())];
    jobs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
    res.set('Cache-Control', 'no-store').json({ jobs });
  });

  router.get('/api/jobs/:id', (req, res) => {
    let job;
    try {
      job = flashJobs.get(req.params.id);
    } catch (err) {
      if (!isEsp32CamError(err, 'E_NOT_FOUND')) throw err;
      job = pushJobs.get(req.params.id);
    }
    res.set('Cache-Control', 'no-store').json({ job });
  });

  return router;
}

const JOB_EVENTS = ['job:started', 'job:progress', 'job:log', 'job:done', 'job:failed'] as const;

/** Every job's events to every page, under one set of names; the event's `kind` says flash or push. */
export function relayJobs(io: SocketServer, ...sources: Array<FlashJobs | PushJobs>): void {
  for (const source of sources) {
    for (const name of JOB_EVENTS) (source as unknown as NodeJS.EventEmitter).on(name, (event: unknown) => io.emit(name, event));
  }
}
