import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Esp32CamError } from '../../errors.js';
import type { PhotoStore, StoreStats } from '../photo-store.js';
import { packageVersion } from '../version.js';
import type { CameraEvents, CameraStatus, CaptureService } from './capture-service.js';

export interface ServiceStatus {
  version: string;
  /** Every camera, in the configured order. */
  cameras: CameraStatus[];
  /** The first camera, as clients from before several cameras read it. */
  camera: CameraStatus;
  store: StoreStats;
  uptimeS: number;
}

type CamerasEvents = CameraEvents & { 'photo:deleted': [{ id: string; camera: string }] };

/**
 * The service's cameras by name, in the configured order, and one stream of their events (each names its
 * camera). The first camera is the one today's single-camera URLs mean.
 */
export class Cameras extends EventEmitter<CamerasEvents> {
  private readonly byName = new Map<string, CaptureService>();
  private readonly startedAt = performance.now();
  private closed = false;

  constructor(
    services: CaptureService[],
    readonly store: PhotoStore,
  ) {
    super();
    if (services.length === 0) throw new Error('Cameras needs at least one camera');
    for (const service of services) {
      this.byName.set(service.name, service);
      service.on('status', (s) => this.emit('status', s));
      service.on('capture:start', (e) => this.emit('capture:start', e));
      service.on('capture:progress', (e) => this.emit('capture:progress', e));
      service.on('photo:new', (e, jpeg) => this.emit('photo:new', e, jpeg));
      service.on('capture:error', (e) => this.emit('capture:error', e));
    }
    // Retention may delete any camera's photo: that camera's count changes.
    store.on('deleted', (event) => {
      this.emit('photo:deleted', event);
      this.byName.get(event.camera)?.changed();
    });
  }

  get first(): CaptureService {
    return this.byName.values().next().value!;
  }

  list(): CaptureService[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The camera called `name`; the first camera when `name` is undefined. */
  get(name?: string): CaptureService {
    if (name === undefined) return this.first;
    const service = this.byName.get(name);
    if (!service) {
      throw new Esp32CamError('E_NOT_FOUND', `There is no camera "${name}"`, `The cameras are ${this.names().join(', ')}; GET /api/cameras lists them.`);
    }
    return service;
  }

  status(): ServiceStatus {
    const cameras = this.list().map((s) => s.status());
    return {
      version: packageVersion(),
      cameras,
      camera: cameras[0],
      store: this.store.stats(),
      uptimeS: Math.round((performance.now() - this.startedAt) / 1000),
    };
  }

  deletePhoto(id: string): Promise<void> {
    return this.store.delete(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.list().map((s) => s.close()));
  }
}
