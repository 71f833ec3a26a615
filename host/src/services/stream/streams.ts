import type { Cameras, CaptureService } from '../cameras/index.js';
import { CameraStream } from './camera-stream.js';

/** Viewers per camera when the config does not say (each viewer costs the Pi's network, not the bus). */
export const DEFAULT_MAX_VIEWERS = 4;

export interface StreamsOptions {
  /** The config's stream.maxViewers. */
  maxViewers?: number;
  /** The first wait after a failed capture (tests shorten it). */
  backoffMs?: number;
}

/** Every camera's live stream, made when the service starts; each captures only while someone watches. */
export class Streams {
  private readonly byCamera = new Map<string, CameraStream>();

  constructor(cameras: Cameras, opts: StreamsOptions = {}) {
    for (const camera of cameras.list()) {
      this.byCamera.set(
        camera.name,
        new CameraStream(camera, {
          maxViewers: opts.maxViewers ?? DEFAULT_MAX_VIEWERS,
          ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
        }),
      );
    }
  }

  /** The live stream of `camera` (a camera of the Cameras this was built on). */
  of(camera: CaptureService | string): CameraStream {
    const name = typeof camera === 'string' ? camera : camera.name;
    const stream = this.byCamera.get(name);
    if (!stream) throw new Error(`no live stream for camera "${name}"`);
    return stream;
  }

  /** Ends every viewer and waits for the captures in flight; before the cameras close. */
  async close(): Promise<void> {
    await Promise.all([...this.byCamera.values()].map((s) => s.close()));
  }
}
