import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Server as SocketServer } from 'socket.io';
import { z } from 'zod';
import { Esp32CamError } from '../errors.js';
import { errorPayload } from '../services/error-payload.js';
import type { FlashJobRequest, FlashJobs } from '../services/flash-jobs.js';
import { MAX_FIRMWARE_BYTES } from '../services/flash-upload-check.js';
import type { Services } from '../services/start-services.js';

const flag = z.enum(['0', '1', 'false', 'true'], { error: 'must be 0 or 1' }).transform((v) => v === '1' || v === 'true');

const offset = z.string({ error: 'must be auto or an address such as 0x1000' }).transform((text, ctx) => {
  if (text === 'auto') return 'auto' as const;
  const value = /^0x[0-9a-f]{1,8}$/i.test(text) ? Number.parseInt(text, 16) : /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not an address; use auto or an address such as 0x0 or 0x1000` });
    return z.NEVER;
  }
  return value;
});

const firmwareQuery = z
  .object({
    port: z.string({ error: 'must be a port path such as /dev/ttyUSB0 or sim:esp32cam' }).min(1).max(255).optional(),
    offset: offset.default('auto'),
    baud: z.coerce.number({ error: 'must be a baud rate' }).int({ error: 'must be a whole number' })
      .min(9600, { error: 'must be from 9600 to 5000000 (460800 or 921600 are usual)' })
      .max(5_000_000, { error: 'must be from 9600 to 5000000 (460800 or 921600 are usual)' })
      .default(460800),
    erase: flag.default(false),
    before: z.enum(['auto', 'classic', 'usb-jtag', 'manual', 'no-reset'], { error: 'must be auto, classic, usb-jtag, manual or no-reset' }).default('auto'),
    force: flag.default(false),
  })
  .strict();

const portsQuery = z.object({ all: flag.default(false) }).strict();

function badQuery(error: z.ZodError, example: string): Esp32CamError {
  const issue = error.issues[0];
  const key = issue?.path.join('.') || '';
  const message = issue?.code === 'unrecognized_keys' ? `Unknown query parameter ${issue.keys.join(', ')}` : `${key}: ${issue?.message ?? 'is not valid'}`;
  return new Esp32CamError('E_BAD_INPUT', message, `Use e.g. ${example}.`);
}

/** Parses the query before the body is read: a bad request is refused without taking in megabytes. */
const parseFirmwareQuery: RequestHandler = (req, res, next) => {
  const query = firmwareQuery.safeParse(req.query);
  if (!query.success) throw badQuery(query.error, 'POST /api/firmware?port=sim:esp32cam&offset=auto&baud=460800');
  res.locals.flash = query.data;
  next();
};

const requireBinaryBody: RequestHandler = (req, _res, next) => {
  const type = req.headers['content-type'];
  if (type !== undefined && type.split(';')[0]!.trim().toLowerCase() !== 'application/octet-stream') {
    throw new Esp32CamError('E_BAD_INPUT', `The firmware must be sent as application/octet-stream, not ${type}`,
      'Send the .bin file itself as the request body with Content-Type: application/octet-stream.');
  }
  next();
};

/** Any body (typed octet-stream, or untyped as curl --data-binary sends without -H) up to the limit. */
const rawBody = express.raw({ type: () => true, limit: MAX_FIRMWARE_BYTES });

/** The body parser's "too large" is this route's 413, with advice about firmware rather than JSON. */
const uploadTooLarge: ErrorRequestHandler = (err, _req, res, next) => {
  if ((err as { type?: unknown })?.type !== 'entity.too.large') {
    next(err);
    return;
  }
  const error = new Esp32CamError('E_IMAGE_TOO_LARGE', `The upload is larger than ${MAX_FIRMWARE_BYTES / (1024 * 1024)} MB, more than any ESP32-CAM flash holds`,
    'Check that this is a firmware image (a .bin), not an archive or a disk image.');
  res.status(413).set('Cache-Control', 'no-store').json({ error: errorPayload(error) });
};

/**
 * GET /api/ports, POST /api/firmware (the .bin as the body starts a flash job: 202), GET /api/jobs and
 * GET /api/jobs/:id.
 */
export function firmwareRoutes(services: Services): Router {
  const jobs = services.flashJobs;
  const router = Router();

  router.get('/api/ports', async (req, res) => {
    const query = portsQuery.safeParse(req.query);
    if (!query.success) throw badQuery(query.error, 'GET /api/ports?all=1');
    res.set('Cache-Control', 'no-store').json({ ports: await jobs.ports({ all: query.data.all }) });
  });

  const startJob: RequestHandler = async (req, res) => {
    const query = res.locals.flash as z.infer<typeof firmwareQuery>;
    const body: unknown = req.body;
    const image = Buffer.isBuffer(body) ? new Uint8Array(body) : new Uint8Array(0);
    const request: FlashJobRequest = {
      image,
      offset: query.offset,
      baudRate: query.baud,
      erase: query.erase,
      before: query.before,
      force: query.force,
      ...(query.port !== undefined ? { port: query.port } : {}),
    };
    const job = await jobs.start(request);
    res.status(202).set('Location', `/api/jobs/${job.id}`).set('Cache-Control', 'no-store')
      .json({ job: { id: job.id, port: job.port, size: job.size, state: job.state } });
  };
  router.post('/api/firmware', parseFirmwareQuery, requireBinaryBody, rawBody, uploadTooLarge, startJob);

  router.get('/api/jobs', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ jobs: jobs.list() });
  });

  router.get('/api/jobs/:id', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ job: jobs.get(req.params.id) });
  });

  return router;
}

/** Forwards every flash job's events to every page: job:started, job:progress, job:log, job:done, job:failed. */
export function relayFlashJobs(io: SocketServer, jobs: FlashJobs): void {
  jobs.on('job:started', (event) => io.emit('job:started', event));
  jobs.on('job:progress', (event) => io.emit('job:progress', event));
  jobs.on('job:log', (event) => io.emit('job:log', event));
  jobs.on('job:done', (event) => io.emit('job:done', event));
  jobs.on('job:failed', (event) => io.emit('job:failed', event));
}
