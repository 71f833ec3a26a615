/**
 * What the bridge publishes about the host and each camera, as pure functions of the services' views, so
 * the JSON is the same whoever builds it and can be checked without a broker.
 */
import { v2 } from '../../../../protocol/src/index.js';
import type { CameraStatus } from '../cameras/index.js';
import type { HealthEvent, HealthState } from '../health/camera-health.js';
import type { CameraHealthReport } from '../health/camera-monitor.js';
import type { CameraSettingsView } from '../settings/index.js';

export type Availability = 'online' | 'offline';

/** States in which the camera answers: the ones Home Assistant should show it available in. */
const AVAILABLE: ReadonlySet<HealthState> = new Set(['online', 'degraded']);

export function availabilityOf(state: HealthState | undefined): Availability {
  return state !== undefined && AVAILABLE.has(state) ? 'online' : 'offline';
}

export const availabilityPayload = (state: Availability): string => JSON.stringify({ state });

/** The newest whole photo of a camera: when, how large, how long it took. */
export interface LastCapture {
  at: string;
  bytes: number;
  captureMs: number;
}

export interface CameraStateInput {
  status: CameraStatus;
  health: CameraHealthReport | undefined;
  settings: CameraSettingsView | undefined;
  lastCapture: LastCapture | null;
}

/** Settings as `<camera>/state` shows them: what the board holds, else what was asked, with the frame size by name. */
export function settingsOf(view: CameraSettingsView | undefined): Record<string, number | string | null> {
  const known: v2.CameraSettings = { ...view?.wanted, ...view?.applied };
  const out: Record<string, number | string | null> = {};
  for (const name of v2.SETTING_NAMES) out[name] = known[name] ?? null;
  const frame = known.framesize;
  out.framesize = frame === undefined ? null : (v2.FRAME_SIZES[frame]?.name ?? frame);
  return out;
}

/** `<camera>/state`: retained JSON of everything a dashboard shows about the camera. */
export function cameraState(input: CameraStateInput): Record<string, unknown> {
  const { status, health, settings } = input;
  const uptimeMs = health?.uptimeMs ?? null;
  return {
    state: health?.state ?? status.health?.state ?? 'unknown',
    uptimeS: uptimeMs === null ? null : Math.floor(uptimeMs / 1000),
    bootCount: health?.bootCount ?? null,
    resetCause: health?.resetCause ?? null,
    lastSeenAt: health?.lastSeenAt ?? status.health?.lastSeenAt ?? null,
    lastCapture: input.lastCapture,
    led: status.led === null ? null : status.led ? 'ON' : 'OFF',
    flash: settings?.flash ?? null,
    settings: settingsOf(settings),
    firmware: status.firmware,
    protocol: status.protocol,
    lastError: status.lastError === null ? null : { code: status.lastError.code, message: status.lastError.message, at: status.lastError.at },
  };
}

/** Counters of one camera in `bridge/health`. */
export interface CameraCounters {
  state: HealthState;
  /** Whole photos since the service started (stored, streamed or not). */
  captures: number;
  captureErrors: number;
  photos: number;
  reboots: number;
  resetsLastHour: number;
}

export interface BridgeHealthInput {
  version: string;
  uptimeS: number;
  memory: NodeJS.MemoryUsage;
  cameras: Record<string, CameraCounters>;
}

/** `bridge/health`: the host process and each camera's counters. */
export function bridgeHealth(input: BridgeHealthInput): Record<string, unknown> {
  return {
    version: input.version,
    uptimeS: input.uptimeS,
    memory: { rssBytes: input.memory.rss, heapUsedBytes: input.memory.heapUsed, heapTotalBytes: input.memory.heapTotal },
    cameras: input.cameras,
  };
}

/** One line of `<camera>/events`: a health event with its time in ISO 8601. */
export function healthEventPayload(event: HealthEvent): Record<string, unknown> {
  const { at, ...rest } = event;
  return { ...rest, at: new Date(at).toISOString() };
}

export function captureEventPayload(photo: {
  id: string;
  takenAt: string;
  size: number;
  width: number;
  height: number;
  schedule?: string;
}): Record<string, unknown> {
  return {
    type: 'capture',
    at: photo.takenAt,
    photo: photo.id,
    bytes: photo.size,
    width: photo.width,
    height: photo.height,
    ...(photo.schedule ? { schedule: photo.schedule } : {}),
  };
}
