import { Router, type Request, type Response } from 'express';
import type { Cameras, CaptureService } from '../services/cameras/index.js';
import { MJPEG_CONTENT_TYPE, mjpegSink, type Streams } from '../services/stream/index.js';
import { namedCamera, queryCamera } from './camera-routes.js';

/**
 * Puts one viewer on a camera's live stream until the client goes away. A full stream throws before the
 * first byte, so the error handler still answers with the usual JSON.
 */
function watch(streams: Streams, camera: CaptureService, req: Request, res: Response): void {
  const stream = streams.of(camera);
  // A HEAD gets the headers only: it would otherwise hold a viewer's place with a body nobody reads.
  const viewer = req.method === 'HEAD' ? undefined : stream.join(mjpegSink(res));
  res.status(200).set({
    'Content-Type': MJPEG_CONTENT_TYPE,
    'Cache-Control': 'no-store',
    // A reverse proxy such as nginx must pass each part on at once, not collect the endless body.
    'X-Accel-Buffering': 'no',
  });
  if (!viewer) {
    res.end();
    return;
  }
  // 'close' on the response fires when the client hangs up, as well as when the service ends the stream.
  res.on('close', () => viewer.leave());
  // A client that hung up while the request was routed has missed that event.
  if (!res.socket || res.socket.destroyed) viewer.leave();
  res.socket?.setNoDelay(true);
  res.flushHeaders();
}

/**
 * The live MJPEG stream of CameraWebServer's `GET /stream` (which that firmware serves on port 81; here it
 * is on the service's own port, behind the same doors as every route), and its per-camera form.
 */
export function streamRoutes(cameras: Cameras, streams: Streams): Router {
  const router = Router();

  router.get('/stream', (req, res) => {
    watch(streams, queryCamera(cameras, req), req, res);
  });

  router.get('/api/cameras/:name/stream', (req, res) => {
    watch(streams, namedCamera(cameras, req), req, res);
  });

  return router;
}
