import { readFile } from 'node:fs/promises';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { Esp32CamError } from '../errors.js';
import type { PushJobRequest, PushJobs } from '../services/push-jobs.js';
import { streamUpload, uploadOf, type UploadGate } from './upload/index.js';

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
  const message =
    issue?.code === 'unrecognized_keys' ? `Unknown parameter ${issue.keys.join(', ')}` : `${key ? `${key}: ` : ''}${issue?.message ?? 'is not valid'}`;
  return new Esp32CamError('E_BAD_INPUT', message, `Use e.g. ${example}.`);
}

const mediaType = (type: string | undefined): string => (type ?? '').split(';')[0]!.trim().toLowerCase();
const isJson = (type: string | undefined): boolean => mediaType(type) === 'application/json';

/** Types a script upload may have: none of them is one a cross-site form or `no-cors` fetch can send. */
const SCRIPT_TYPES = new Set(['text/x-python', 'text/x-script.python', 'application/x-python', 'application/octet-stream']);

const requireScriptType: RequestHandler = (req, _res, next) => {
  const type = req.headers['content-type'];
  if (isJson(type) || SCRIPT_TYPES.has(mediaType(type))) {
    next();
    return;
  }
  throw new Esp32CamError(
    'E_UNSUPPORTED_MEDIA',
    `A script upload must be sent as text/x-python${type === undefined ? '' : `, not ${type.slice(0, 80)}`}`,
    'Send the .py file as the body with Content-Type: text/x-python, or JSON (application/json) to push the bundled script.',
  );
};

/**
 * POST /api/scripts/push: with a JSON body `{ config?, force?, run? }` the bundled slave script and its config
 * module; with any other body, that file as the script named by `?name=` (into `?to=DIR`). 202 with the job.
 * GET /api/scripts/jobs[/:id]; GET /api/device/files?dir=/&port=P lists the board's files.
 */
export function scriptRoutes(jobs: PushJobs, opts: { dataDir: string; limitBytes: number; gate: UploadGate }): Router {
  const router = Router();
  const upload = streamUpload({
    dataDir: opts.dataDir,
    limitBytes: opts.limitBytes,
    gate: opts.gate,
    what: 'script',
    tooLargeHint: 'Push a MicroPython source file (.py); split a large one into modules (limits.scriptBytes in the config sets the limit).',
  });
  const uploadUnlessJson: RequestHandler = (req, res, next) => (isJson(req.headers['content-type']) ? next() : upload(req, res, next));

  /** The query is checked before any body is taken in. */
  const parsePushQuery: RequestHandler = (req, res, next) => {
    const query = pushQuery.safeParse(req.query);
    if (!query.success) throw badRequest(query.error, 'POST /api/scripts/push?port=sim:esp32cam&name=main.py');
    if (!isJson(req.headers['content-type']) && query.data.name === undefined) {
      throw new Esp32CamError('E_BAD_INPUT', 'An uploaded script needs ?name=', 'Add the file name, e.g. POST /api/scripts/push?name=main.py.');
    }
    res.locals.push = query;
    next();
  };

  const startPush: RequestHandler = async (req, res) => {
    const query = res.locals.push as { data: z.infer<typeof pushQuery> };
    const { port: portPath, name, to } = query.data;
    let request: PushJobRequest;
    if (isJson(req.headers['content-type'])) {
      const body = bundledBody.safeParse(req.body ?? {});
      if (!body.success) throw badRequest(body.error, '{"config": {"I2C_ADDRESS": "0x2c"}, "force": false, "run": true}');
      if (name !== undefined || to !== undefined) {
        throw new Esp32CamError(
          'E_BAD_INPUT',
          'name and to are for uploaded files, not the bundled script',
          'Send the .py file itself as the body to push a file of your own.',
        );
      }
      request = { source: { kind: 'bundled', config: body.data.config }, force: body.data.force ?? query.data.force, run: body.data.run ?? query.data.run };
    } else {
      const data = await readFile(uploadOf(res).path);
      if (data.length === 0) {
        throw new Esp32CamError('E_BAD_INPUT', 'The upload is empty', 'Send the .py file as the body, or a JSON body to push the bundled script.');
      }
      if (name === undefined)
        throw new Esp32CamError('E_BAD_INPUT', 'An uploaded script needs ?name=', 'Add the file name, e.g. POST /api/scripts/push?name=main.py.');
      request = {
        source: { kind: 'upload', name, data: new Uint8Array(data), ...(to !== undefined ? { to } : {}) },
        force: query.data.force,
        run: query.data.run,
      };
    }
    if (portPath !== undefined) request.port = portPath;
    const job = await jobs.start(request);
    res
      .status(202)
      .set('Location', `/api/jobs/${job.id}`)
      .set('Cache-Control', 'no-store')
      .json({ job: { id: job.id, port: job.port, state: job.state, source: job.source, files: job.files } });
  };
  router.post('/api/scripts/push', parsePushQuery, requireScriptType, uploadUnlessJson, startPush);

  // The push jobs alone, where they were before the one job API (/api/jobs).
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
