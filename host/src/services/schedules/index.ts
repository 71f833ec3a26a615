export { systemClock, type Clock, type TimerHandle } from './clock.js';
export { HISTORY_LENGTH, SCHEDULES_DIR, type ScheduleState, type SlotOutcome, type SlotRecord } from './schedule-file.js';
export { DEFAULT_RETENTION, MAX_EVERY_S, MAX_PER_CAMERA, MAX_SCHEDULES, MIN_EVERY_S, type ScheduleSpec } from './schedule-spec.js';
export { Schedules, type CameraAvailability, type ScheduleView, type SchedulesOptions } from './schedules.js';
export { healthAvailability } from './availability.js';
