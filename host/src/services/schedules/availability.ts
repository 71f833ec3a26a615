import type { HealthMonitors } from '../health/health-monitors.js';
import type { CameraAvailability } from './schedules.js';

/** States in which a camera is not asked for a scheduled photo: the slot is recorded as missed instead. */
const AWAY = new Set(['offline', 'recovering']);

/** The health monitors' verdict: a camera offline or being recovered misses its slots, with the reason. */
export function healthAvailability(health: HealthMonitors): CameraAvailability {
  return {
    unavailable(camera) {
      const { state, lastError } = health.get(camera).health;
      if (!AWAY.has(state)) return undefined;
      return `camera "${camera}" is ${state}${lastError ? `: ${lastError.message} (${lastError.code})` : ''}`;
    },
  };
}
