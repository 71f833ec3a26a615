import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Router, type Response } from 'express';
import type { Config } from '../config/schema.js';
import type { Cameras } from '../services/cameras/index.js';
import { FPS, PhotoExports, parseExportRange, parseFps, rangeQuery, type Timelapse } from '../services/export/index.js';
import { namedCamera } from './camera-routes.js';

/** Aborts when the client hangs up before the whole answer went out. */
function clientGone(res: Response): AbortSignal {
  const gone = new AbortController();
  const hungUp = (): void => gone.abort(new Error('the client went away'));
  res.on('close', () => {
    if (!res.writableFinished) hungUp();
  });
  if (res.socket?.destroyed) hungUp();
  return gone.signal;
}

/** Every name an export gets is letters, digits, dashes and dots (exportFileName), so no quoting is needed. */
const attachment = (fileName: string): string => `attachment; filename="${fileName}"`;

const withQuery = (path: string, params: URLSearchParams): string => (params.toString() ? `${path}?${params.toString()}` : path);

/**
 * A camera's photos over a time range: what the range holds (JSON), the JPEGs as a ZIP streamed as it is
 * made, and an MP4 timelapse when ffmpeg is installed. All are GETs that only read, behind the same doors
 * as every route.
 */
export function exportRoutes(services: { cameras: Cameras; config: Pick<Config, 'dataDir' | 'export'> }): Router {
  const { cameras, config } = services;
  const exports = new PhotoExports({
    store: cameras.store,
    dataDir: config.dataDir,
    ffmpeg: config.export?.ffmpeg,
    ffmpegStallMs: config.export?.ffmpegStallMs,
  });
  const router = Router();

  router.get('/api/cameras/:name/export', async (req, res) => {
    const { name } = namedCamera(cameras, req);
    const range = parseExportRange(req.query);
    const preview = await exports.preview(name, range);
    const query = rangeQuery(range);
    const base = `/api/cameras/${encodeURIComponent(name)}`;
    res.set('Cache-Control', 'no-store').json({
      ...preview,
      mp4: { ...preview.mp4, fps: FPS },
      urls: { zip: withQuery(`${base}/export.zip`, query), mp4: withQuery(`${base}/export.mp4`, query) },
    });
  });

  router.get('/api/cameras/:name/export.zip', async (req, res) => {
    const { name } = namedCamera(cameras, req);
    const plan = exports.planExport(name, parseExportRange(req.query));
    res.status(200).set({
      'Content-Type': 'application/zip',
      'Content-Disposition': attachment(exports.fileName(plan, 'zip')),
      'Cache-Control': 'no-store',
      'X-Export-Photos': String(plan.photos.length),
      // A reverse proxy such as nginx must pass the archive on as it comes, not collect it first.
      'X-Accel-Buffering': 'no',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    try {
      await exports.zip(plan, res, clientGone(res));
    } catch {
      // The answer is under way: the failure shows as a broken download (the response is destroyed), and
      // the service has logged it.
    }
  });

  router.get('/api/cameras/:name/export.mp4', async (req, res) => {
    const { name } = namedCamera(cameras, req);
    const range = parseExportRange(req.query);
    const fps = parseFps(req.query.fps);
    const plan = exports.planExport(name, range);
    if (req.method === 'HEAD') {
      const mp4 = await exports.mp4Availability();
      res
        .status(mp4.available ? 200 : 501)
        .set({ 'Content-Type': 'video/mp4', 'Cache-Control': 'no-store' })
        .end();
      return;
    }
    const gone = clientGone(res);
    let video: Timelapse;
    try {
      video = await exports.timelapse(plan, fps, gone);
    } catch (err) {
      if (gone.aborted) return;
      throw err;
    }
    try {
      res.status(200).set({
        'Content-Type': 'video/mp4',
        'Content-Length': String(video.bytes),
        'Content-Disposition': attachment(exports.fileName(plan, 'mp4')),
        'Cache-Control': 'no-store',
        'X-Export-Frames': String(video.frames),
      });
      await pipeline(createReadStream(video.path), res);
    } catch {
      // The client went away during the download: nothing is left to answer.
    } finally {
      await video.discard();
    }
  });

  return router;
}
