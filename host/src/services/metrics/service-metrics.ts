import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CameraEvents, Cameras } from '../cameras/index.js';
import type { HealthEvent, HealthState } from '../health/camera-health.js';
import type { CameraMonitor } from '../health/camera-monitor.js';
import type { HealthMonitors } from '../health/health-monitors.js';

/** Every health state, so each camera has a series for each and an alert on `state="offline"` never sees a gap. */
const STATE_SET = { unknown: 0, online: 0, degraded: 0, offline: 0, recovering: 0 } satisfies Record<HealthState, 0>;
export const HEALTH_STATES = Object.keys(STATE_SET) as HealthState[];

/** States in which the camera answers: `up` is the one number a dashboard or an alert needs. */
const UP_STATES: ReadonlySet<HealthState> = new Set(['online', 'degraded']);

/** A capture takes from a fraction of a second (a small frame on protocol 2) to several (retakes, legacy, a slow bus). */
export const CAPTURE_BUCKETS_S = [0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10];
/** A status round trip is milliseconds on a healthy bus; the health monitor calls one over 1 s slow. */
export const PING_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2];

export interface ServiceMetricsOptions {
  cameras: Cameras;
}

/**
 * The service's Prometheus metrics (GET /metrics): per camera, what it did (captures, bytes, errors, latency,
 * reboots) counted from its events, and what it is (health state, photos kept) read when scraped; plus the
 * process's own metrics. The registry is this object's own, so several services in one process (tests) do
 * not share counters.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly reboots: Counter<'camera' | 'cause'>;
  private health: HealthMonitors | undefined;

  /** Counts from now on: built before the health monitors' first checks, so their answers are counted too. */
  constructor(opts: ServiceMetricsOptions) {
    const { cameras } = opts;
    const monitors = (): CameraMonitor[] => this.health?.list() ?? [];
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // prom-client also names three gauges *_total (nodejs_active_handles_total...), which the naming rules keep for
    // counters and promtool flags (prom-client issue #283); the same numbers are the sum of the per-type gauges.
    for (const metric of this.registry.getMetricsAsArray()) {
      if (metric instanceof Gauge && metric.name.endsWith('_total')) this.registry.removeSingleMetric(metric.name);
    }

    const captures = new Counter({
      name: 'esp32cam_captures_total',
      help: 'Photos that arrived whole from the camera, stored or not.',
      labelNames: ['camera'],
      registers,
    });
    const bytes = new Counter({
      name: 'esp32cam_capture_bytes_total',
      help: 'Bytes of the JPEGs that arrived whole from the camera.',
      labelNames: ['camera'],
      registers,
    });
    const errors = new Counter({
      name: 'esp32cam_capture_errors_total',
      help: 'Captures that failed, by the error code the API reports (E_NO_ACK, E_TIMEOUT, E_INVALID_JPEG...).',
      labelNames: ['camera', 'code'],
      registers,
    });
    const captureSeconds = new Histogram({
      name: 'esp32cam_capture_duration_seconds',
      help: 'Time from the capture command to the whole photo, retakes included.',
      labelNames: ['camera'],
      buckets: CAPTURE_BUCKETS_S,
      registers,
    });
    const pingSeconds = new Histogram({
      name: 'esp32cam_ping_duration_seconds',
      help: 'Round trip of a ping or status request (the keep-alive) that the camera answered.',
      labelNames: ['camera'],
      buckets: PING_BUCKETS_S,
      registers,
    });
    this.reboots = new Counter({
      name: 'esp32cam_reboots_total',
      help: 'Reboots of the board seen by the health monitor, by the reset cause the board reported (unknown under the legacy script).',
      labelNames: ['camera', 'cause'],
      registers,
    });
    const names = cameras.names();
    new Gauge({
      name: 'esp32cam_camera_state',
      help: 'The camera health state: 1 for the current one, 0 for the others.',
      labelNames: ['camera', 'state'],
      registers,
      collect() {
        for (const monitor of monitors()) {
          for (const state of HEALTH_STATES) this.set({ camera: monitor.name, state }, monitor.health.state === state ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'esp32cam_camera_up',
      help: 'Whether the camera answers: 1 when online or degraded, 0 when unknown, offline or recovering.',
      labelNames: ['camera'],
      registers,
      collect() {
        for (const monitor of monitors()) this.set({ camera: monitor.name }, UP_STATES.has(monitor.health.state) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'esp32cam_camera_last_seen_timestamp_seconds',
      help: 'When the camera last answered, in seconds since the Unix epoch; absent until its first answer.',
      labelNames: ['camera'],
      registers,
      collect() {
        for (const monitor of monitors()) {
          const seen = monitor.health.lastSeenAt;
          if (seen === undefined) this.remove({ camera: monitor.name });
          else this.set({ camera: monitor.name }, seen / 1000);
        }
      },
    });
    new Gauge({
      name: 'esp32cam_photos_stored',
      help: 'Photos of the camera kept in the store.',
      labelNames: ['camera'],
      registers,
      collect() {
        for (const name of names) this.set({ camera: name }, cameras.store.count(name));
      },
    });
    new Gauge({
      name: 'esp32cam_store_bytes',
      help: 'Bytes of the JPEGs kept in the store, all cameras together (thumbnails and metadata not counted).',
      registers,
      collect() {
        this.set(cameras.store.stats().bytes);
      },
    });

    // A series from the start for each camera: a rate over a counter that appears late misses its first step.
    for (const name of names) {
      captures.inc({ camera: name }, 0);
      bytes.inc({ camera: name }, 0);
    }

    for (const service of cameras.list()) {
      const done = (e: CameraEvents['capture:done'][0]): void => {
        captures.inc({ camera: e.camera });
        bytes.inc({ camera: e.camera }, e.bytes);
        captureSeconds.observe({ camera: e.camera }, e.captureMs / 1000);
      };
      const failed = (e: CameraEvents['capture:error'][0]): void => void errors.inc({ camera: e.camera, code: e.code });
      const answered = (e: CameraEvents['answer'][0]): void => pingSeconds.observe({ camera: e.camera }, e.roundTripMs / 1000);
      service.on('capture:done', done);
      service.on('capture:error', failed);
      service.on('answer', answered);
      this.unsubscribe.push(() => {
        service.off('capture:done', done);
        service.off('capture:error', failed);
        service.off('answer', answered);
      });
    }
  }

  /** Adds the health monitors: their states, and the reboots they see. */
  watchHealth(health: HealthMonitors): void {
    this.health = health;
    const rebooted = (e: HealthEvent & { camera: string }): void => {
      if (e.type === 'reboot') this.reboots.inc({ camera: e.camera, cause: e.resetCause ?? 'unknown' });
    };
    health.on('event', rebooted);
    this.unsubscribe.push(() => health.off('event', rebooted));
  }

  /** The exposition's content type (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric, as the text a scrape gets. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Stops counting (the services are closing); the registry can still be read. */
  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }
}
