import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Server as SocketServer } from 'socket.io';
import { z } from 'zod';
import { Esp32CamError } from '../errors.js';
import { errorPayload } from '../services/error-payload.js';
import { MAX_UPLOAD_SCRIPT_BYTES, type PushJobRequest, type PushJobs } from '../services/push-jobs.js';

const flag = z.enum(['0', '1', 'false', 'true'], { error: 'must be 0 or 1' }).transform((v) => v === '1' || v === 'true');
const port = z.string({ error: 'must be a port path such as /dev/ttyUSB0 or sim:esp32cam' }).min(1).max(255);

const pushQuery = z
  .object({
    port: port.optional(),
    /** The uploaded file's name on the board (uploads only). */
    name: z.string().min(1).max(64).optional(),
    to: z.string().max(64).optional(),
    force: flag.optional(),
    run: flag.optional(),
  })
  .strict();

const bundledBody = z
  .object({
    config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    force: z.boolean().optional(),
    run: z.boolean().optional(),
  })
  .strict();

const filesQuery = z.object({ port: port.optional(), dir: z.string().min(1).max(128).default('/') }).strict();

function badRequest(error: z.ZodError, example: string): Esp32CamError {
  const issue = error.issues[0];
  const key = issue?.path.join('.') || '';
  const message = issue?.code === 'unrecognized_keys' ? `Unknown parameter ${issue.keys.join(', ')}` : `${key ? `${key}: ` : ''}${issue?.message ?? 'is not valid'}`;
  return new Esp32CamError('E_BAD_INPUT', message, `Use e.g. ${example}.`);
}

const isJson = (type: string | undefined): boolean => (type ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';

/** A script upload is the file itself as the body (any type but JSON), up to the limit. */
const rawScript = express.raw({ type: (req) => !isJson(req.headers['content-type']), limit: MAX_UPLOAD_SCRIPT_BYTES });

const uploadTooLarge: ErrorRequestHandler = (err, _req, res, next) => {
  if ((err as { type?: unknown })?.type !== 'entity.too.large') {
    next(err);
    return;
  }
  const error = new Esp32CamError('E_BAD_INPUT', `The upload is larger than the ${MAX_UPLOAD_SCRIPT_BYTES / 1024} KB a script may be`,
    'Push a MicroPython source file (.py); split a large one into modules.');
  res.status(413).set('Cache-Control', 'no-store').json({ error: errorPayload(error) });
};

/**
 * POST /api/scripts/push: with a JSON body `{ config?, force?, run? }` the bundled slave script and its config
 * module; with any other body, that file as the script named by `?name=` (into `?to=DIR`). 202 with the job.
 * GET /api/scripts/jobs[/:id]; GET /api/device/files?dir=/&port=P lists the board's files.
 */
export function scriptRoutes(jobs: PushJobs): Router {
  const router = Router();

  const startPush: RequestHandler = async (req, res) => {
    const query = pushQuery.safeParse(req.query);
    if (!query.success) throw badRequest(query.error, 'POST /api/scripts/push?port=sim:esp32cam&name=main.py');
    const { port: portPath, name, to } = query.data;
    let request: PushJobRequest;
    if (isJson(req.headers['content-type'])) {
      const body = bundledBody.safeParse(req.body ?? {});
      if (!body.success) throw badRequest(body.error, '{"config": {"I2C_ADDRESS": "0x2c"}, "force": false, "run": true}');
      if (name !== undefined || to !== undefined) {
        throw new Esp32CamError('E_BAD_INPUT', 'name and to are for uploaded files, not the bundled script', 'Send the .py file itself as the body to push a file of your own.');
      }
      request = { source: { kind: 'bundled', config: body.data.config }, force: body.data.force ?? query.data.force, run: body.data.run ?? query.data.run };
    } else {
      const data: unknown = req.body;
      if (!Buffer.isBuffer(data) || data.length === 0) {
        throw new Esp32CamError('E_BAD_INPUT', 'The upload is empty', 'Send the .py file as the body, or a JSON body to push the bundled script.');
      }
      if (name === undefined) throw new Esp32CamError('E_BAD_INPUT', 'An uploaded script needs ?name=', 'Add the file name, e.g. POST /api/scripts/push?name=main.py.');
      request = { source: { kind: 'upload', name, data: new Uint8Array(data), ...(to !== undefined ? { to } : {}) }, force: query.data.force, run: query.data.run };
    }
    if (portPath !== undefined) request.port = portPath;
    const job = await jobs.start(request);
    res.status(202).set('Location', `/api/scripts/jobs/${job.id}`).set('Cache-Control', 'no-store')
      .json({ job: { id: job.id, port: job.port, state: job.state, source: job.source, files: job.files } });
  };
  router.post('/api/scripts/push', rawScript, uploadTooLarge, startPush);

  router.get('/api/scripts/jobs', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ jobs: jobs.list() });
  });

  router.get('/api/scripts/jobs/:id', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ job: jobs.get(req.params.id) });
  });

  router.get('/api/device/files', async (req, res) => {
    const query = filesQuery.safeParse(req.query);
    if (!query.success) throw badRequest(query.error, 'GET /api/device/files?dir=/&port=sim:esp32cam');
    res.set('Cache-Control', 'no-store').json(await jobs.listFiles(query.data.port, query.data.dir));
  });

  return router;
}

/** Every push job's events to every page, under names of their own (the firmware panel follows job:*). */
export function relayPushJobs(io: SocketServer, jobs: PushJobs): void {
  jobs.on('job:started', (event) => io.emit('push:started', event));
  jobs.on('job:progress', (event) => io.emit('push:progress', event));
  jobs.on('job:log', (event) => io.emit('push:log', event));
  jobs.on('job:done', (event) => io.emit('push:done', event));
  jobs.on('job:failed', (event) => io.emit('push:failed', event));
}
