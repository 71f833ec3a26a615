import { readFile } from 'node:fs/promises';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { Esp32CamError } from '../errors.js';
import type { FlashJobRequest } from '../services/flash-jobs.js';
import type { Services } from '../services/start-services.js';
import { streamUpload, uploadOf, type UploadGate } from './upload/index.js';

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
    baud: z.coerce
      .number({ error: 'must be a baud rate' })
      .int({ error: 'must be a whole number' })
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

/** Only a non-simple type: a form post, `text/plain` or an untyped body from another site never starts a flash. */
const requireBinaryBody: RequestHandler = (req, _res, next) => {
  const type = req.headers['content-type'];
  if (type === undefined || type.split(';')[0]!.trim().toLowerCase() !== 'application/octet-stream') {
    throw new Esp32CamError(
      'E_UNSUPPORTED_MEDIA',
      `The firmware must be sent as application/octet-stream${type === undefined ? '' : `, not ${type.slice(0, 80)}`}`,
      'Send the .bin file itself as the body with Content-Type: application/octet-stream (curl: -H "Content-Type: application/octet-stream" --data-binary @firmware.bin).',
    );
  }
  next();
};

/**
 * GET /api/ports, POST /api/firmware (the .bin as the body starts a flash job: 202), GET /api/jobs and
 * GET /api/jobs/:id.
 */
export function firmwareRoutes(services: Services, gate: UploadGate): Router {
  const jobs = services.flashJobs;
  const router = Router();
  const upload = streamUpload({
    dataDir: services.config.dataDir,
    limitBytes: services.config.limits.firmwareBytes,
    gate,
    what: 'firmware',
    tooLargeHint: 'Check that this is a firmware image (a .bin), not an archive or a disk image; limits.firmwareBytes in the config sets the limit.',
  });

  router.get('/api/ports', async (req, res) => {
    const query = portsQuery.safeParse(req.query);
    if (!query.success) throw badQuery(query.error, 'GET /api/ports?all=1');
    res.set('Cache-Control', 'no-store').json({ ports: await jobs.ports({ all: query.data.all }) });
  });

  const startJob: RequestHandler = async (req, res) => {
    const query = res.locals.flash as z.infer<typeof firmwareQuery>;
    // The whole upload is on disk and within the limit; the job needs it in memory to write it.
    const image = new Uint8Array(await readFile(uploadOf(res).path));
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
    res
      .status(202)
      .set('Location', `/api/jobs/${job.id}`)
      .set('Cache-Control', 'no-store')
      .json({ job: { id: job.id, port: job.port, size: job.size, state: job.state } });
  };
  router.post('/api/firmware', parseFirmwareQuery, requireBinaryBody, upload, startJob);

  return router;
}
