import { parseByteSize } from '../../config/byte-size.js';
import { Esp32CamError } from '../../errors.js';
import type { FlashMode } from '../cameras/index.js';
import type { RetentionLimits } from '../photo-store.js';
import { cronSlots, everySlots, shortestGap, type Slots } from './slots.js';

/** Slots closer than this would keep a camera busy with nothing else (a capture takes seconds at 100 kHz). */
export const MIN_EVERY_S = 5;
/** A week: anything rarer reads better as a cron expression. */
export const MAX_EVERY_S = 7 * 24 * 3600;
export const MAX_PER_CAMERA = 16;
export const MAX_SCHEDULES = 64;
/** What a schedule keeps when it does not say. */
export const DEFAULT_RETENTION: RetentionLimits = { maxPhotos: 1000 };
const MAX_LABEL = 80;
const MAX_CRON = 120;
const ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** The export's `schedule=` filter reads these as keywords, so no schedule may be called so. */
const RESERVED_IDS = new Set(['all', 'manual']);
const FLASH_MODES: readonly FlashMode[] = ['off', 'on', 'auto'];
const FIELDS = ['id', 'camera', 'every', 'cron', 'enabled', 'label', 'flash', 'retention'] as const;

/** A schedule as it is kept and as a client gives it: exactly one of `every` and `cron`. */
export interface ScheduleSpec {
  /** A slug, unique across the service (photos carry it). */
  id: string;
  camera: string;
  /** Seconds between photos, on multiples of the period since the Unix epoch. */
  every?: number;
  /** A cron expression (5 to 7 fields, seconds first when 6 or 7), in the service's local time. */
  cron?: string;
  enabled: boolean;
  label?: string;
  /** The flash for its photos; absent: the camera's own flash mode. */
  flash?: FlashMode;
  /** Limits on this schedule's own photos. */
  retention: RetentionLimits;
}

const bad = (field: string, message: string, hint: string): Esp32CamError => new Esp32CamError('E_BAD_INPUT', `${field}: ${message}`, hint);

const EVERY_HINT = `Give every as whole seconds from ${MIN_EVERY_S} to ${MAX_EVERY_S} (a week), e.g. {"every": 60}; or use cron.`;
const CRON_HINT =
  'Give a cron expression of 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "*/10 * * * *" for every ten minutes or "0 0 12 * * *" at noon.';

/** The slots a kept schedule fires on. */
export function slotsOf(spec: Pick<ScheduleSpec, 'every' | 'cron'>): Slots {
  return spec.every !== undefined ? everySlots(spec.every) : cronSlots(spec.cron!);
}

function checkEvery(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw bad('every', `${JSON.stringify(value)} is not a whole number of seconds`, EVERY_HINT);
  if (value < MIN_EVERY_S) throw bad('every', `${value} s is below the minimum of ${MIN_EVERY_S} s`, EVERY_HINT);
  if (value > MAX_EVERY_S) throw bad('every', `${value} s is above the maximum of ${MAX_EVERY_S} s`, EVERY_HINT);
  return value;
}

function checkCron(value: unknown, now: number | null): string {
  if (typeof value !== 'string' || value.trim() === '') throw bad('cron', 'must be a cron expression', CRON_HINT);
  const pattern = value.trim();
  if (pattern.length > MAX_CRON) throw bad('cron', `is longer than ${MAX_CRON} characters`, CRON_HINT);
  // croner takes an ISO date as a one-off job: that is not a schedule.
  const fields = pattern.split(/\s+/).length;
  if (!pattern.startsWith('@') && (fields < 5 || fields > 7)) throw bad('cron', `"${pattern}" has ${fields} field(s), not 5 to 7`, CRON_HINT);
  let slots: Slots;
  try {
    slots = cronSlots(pattern);
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/^CronPattern:\s*/, '');
    throw bad('cron', `"${pattern}" is not a valid cron expression: ${reason}`, CRON_HINT);
  }
  if (now === null) return pattern;
  if (slots.next(now) === null) throw bad('cron', `"${pattern}" never comes again`, CRON_HINT);
  const gap = shortestGap(slots, now, 64);
  if (gap < MIN_EVERY_S * 1000) {
    throw bad(
      'cron',
      `"${pattern}" fires ${gap / 1000} s apart, below the minimum of ${MIN_EVERY_S} s`,
      `Space its slots at least ${MIN_EVERY_S} s apart, e.g. "*/10 * * * * *".`,
    );
  }
  return pattern;
}

function checkRetention(value: unknown): RetentionLimits {
  const hint = 'Give retention as {"maxPhotos": N, "maxBytes": N or "200MB"}; either may be left out, {} keeps only the overall limits.';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('retention', 'must be an object', hint);
  const limits: RetentionLimits = {};
  for (const [key, raw] of Object.entries(value)) {
    if (key === 'maxPhotos') {
      if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1)
        throw bad('retention.maxPhotos', `${JSON.stringify(raw)} is not a whole number from 1`, hint);
      limits.maxPhotos = raw;
    } else if (key === 'maxBytes') {
      const bytes = typeof raw === 'number' || typeof raw === 'string' ? parseByteSize(raw) : undefined;
      if (bytes === undefined || bytes < 1)
        throw bad('retention.maxBytes', `${JSON.stringify(raw)} is not a size`, `${hint} Sizes are bytes or like "500KB", "200MB", "2GB".`);
      limits.maxBytes = bytes;
    } else if (raw !== undefined) {
      throw bad(`retention.${key}`, 'is not a retention limit', hint);
    }
  }
  return limits;
}

function checkFields(body: Record<string, unknown>): void {
  for (const key of Object.keys(body)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw bad(key, 'is not a schedule field', `A schedule's fields are ${FIELDS.join(', ')}.`);
  }
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Esp32CamError(
      'E_BAD_INPUT',
      'A schedule is a JSON object',
      'Send JSON such as {"every": 60, "retention": {"maxPhotos": 500}} or {"cron": "*/10 * * * *"}.',
    );
  }
  return body as Record<string, unknown>;
}

/**
 * Checks a whole schedule (a new one, one changed, or one read back from disk) and returns it as kept.
 * `now` only serves to look at the cron expression's next slots; null skips that (a kept schedule whose
 * slots have all passed is still read back).
 */
export function checkSpec(body: unknown, now: number | null): ScheduleSpec {
  const raw = asObject(body);
  checkFields(raw);
  const { id, camera, every, cron, enabled, label, flash, retention } = raw;
  if (typeof id === 'string' && RESERVED_IDS.has(id)) {
    throw bad('id', `"${id}" is a reserved word`, 'The export reads "all" and "manual" as filters; choose another id, e.g. "garden-hourly".');
  }
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw bad(
      'id',
      `${JSON.stringify(id)} is not a schedule id`,
      'An id is 1 to 40 lower-case letters, digits and inner dashes, e.g. "garden-hourly"; leave it out to have one made.',
    );
  }
  if (typeof camera !== 'string' || camera === '') throw bad('camera', 'must name a camera', 'GET /api/cameras lists them.');
  if (every !== undefined && cron !== undefined) throw bad('every', 'and cron are both given', 'Give exactly one: every (seconds) or cron (an expression).');
  if (every === undefined && cron === undefined)
    throw bad('every', 'or cron must be given', `Give {"every": 60} for a photo a minute, or {"cron": "0 * * * *"} for one an hour.`);
  if (enabled !== undefined && typeof enabled !== 'boolean') throw bad('enabled', 'must be true or false', 'Send {"enabled": false} to pause a schedule.');
  if (label !== undefined && (typeof label !== 'string' || label.length > MAX_LABEL))
    throw bad('label', `must be text of at most ${MAX_LABEL} characters`, 'Send a short name such as "Garden, every hour".');
  if (flash !== undefined && !FLASH_MODES.includes(flash as FlashMode)) {
    throw bad('flash', `${JSON.stringify(flash)} is not a flash mode`, `The flash modes are ${FLASH_MODES.join(', ')}; leave it out to use the camera's own.`);
  }
  return {
    id,
    camera,
    ...(every !== undefined ? { every: checkEvery(every) } : { cron: checkCron(cron, now) }),
    enabled: enabled ?? true,
    ...(label !== undefined && label !== '' ? { label: label as string } : {}),
    ...(flash !== undefined ? { flash: flash as FlashMode } : {}),
    retention: retention === undefined ? { ...DEFAULT_RETENTION } : checkRetention(retention),
  };
}

/** A new schedule's body: its fields, the camera taken from the URL (a body naming another is refused). */
export function newSpecInput(body: unknown, camera: string, makeId: (draft: Record<string, unknown>) => string): Record<string, unknown> {
  const raw = asObject(body);
  checkFields(raw);
  if (raw.camera !== undefined && raw.camera !== camera)
    throw bad('camera', `is "${String(raw.camera)}" but the URL names "${camera}"`, 'Leave camera out of the body; the URL says which camera.');
  const draft = { ...raw, camera };
  return raw.id === undefined ? { ...draft, id: makeId(draft) } : draft;
}

/**
 * A change on top of `spec`: the fields given replace the kept ones; giving one of every and cron drops the
 * other; null removes label or flash. The id and the camera stay.
 */
export function changedSpecInput(spec: ScheduleSpec, body: unknown): Record<string, unknown> {
  const raw = asObject(body);
  checkFields(raw);
  if (raw.id !== undefined && raw.id !== spec.id) throw bad('id', 'cannot change', 'Delete the schedule and add one with the new id.');
  if (raw.camera !== undefined && raw.camera !== spec.camera) throw bad('camera', 'cannot change', 'Delete the schedule and add one on the other camera.');
  const merged: Record<string, unknown> = { ...spec };
  if (raw.every !== undefined || raw.cron !== undefined) {
    delete merged.every;
    delete merged.cron;
  }
  for (const [key, value] of Object.entries(raw)) {
    if (value === null && (key === 'label' || key === 'flash')) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** An id from the label, or from the camera and the timing: "garden-every-60s", "garden-cron". */
export function draftId(draft: Record<string, unknown>): string {
  const from =
    typeof draft.label === 'string' && draft.label.trim() !== ''
      ? draft.label
      : `${String(draft.camera)}-${typeof draft.every === 'number' ? `every-${draft.every}s` : 'cron'}`;
  const slug = from
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return slug === '' || RESERVED_IDS.has(slug) ? `schedule${slug === '' ? '' : `-${slug}`}` : slug;
}
