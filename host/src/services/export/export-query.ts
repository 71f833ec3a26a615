import { Esp32CamError } from '../../errors.js';

/** Which photos of the range: every one, only those taken by hand, or only those one schedule took. */
export type ScheduleFilter = { kind: 'all' } | { kind: 'manual' } | { kind: 'schedule'; id: string };

/** A time range of a camera's photos, both ends included; an absent end is open. */
export interface ExportRange {
  from?: Date;
  to?: Date;
  schedule: ScheduleFilter;
}

/** The timelapse's frame rate: one photo per frame. */
export const FPS = { min: 1, max: 60, default: 10 } as const;

/** What a request or the CLI gives: strings as they came, or anything a query string parser makes. */
export interface ExportQuery {
  from?: unknown;
  to?: unknown;
  schedule?: unknown;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// A zone is required: the service's clock zone is not the browser's, so a bare local time would mean two things.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const DATE_HINT = 'Give an ISO 8601 time with its zone, such as 2026-12-02T16:30:00Z or 2026-12-02T17:30:00+01:00, or a day such as 2026-12-02 (UTC).';

/**
 * A time given as `from` or `to`. A day alone is a UTC day, and as `to` it means the end of that day, so
 * `from=2026-12-02&to=2026-12-02` is the whole day.
 */
function parseTime(name: 'from' | 'to', value: unknown): Date | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new Esp32CamError('E_BAD_INPUT', `${name} must be given once, as one time`, DATE_HINT);
  const day = DATE_ONLY.exec(value);
  let ms = NaN;
  if (day) {
    const [y, m, d] = day.slice(1).map(Number);
    ms = Date.UTC(y, m - 1, d);
    // Date.UTC rolls 2026-02-31 over into March: such a day does not exist.
    if (new Date(ms).toISOString().slice(0, 10) !== value) ms = NaN;
    else if (name === 'to') ms += 24 * 3600 * 1000 - 1;
  } else if (DATE_TIME.test(value)) {
    ms = Date.parse(value);
  }
  if (Number.isNaN(ms)) throw new Esp32CamError('E_BAD_INPUT', `${name} is not a time: "${value.slice(0, 40)}"`, DATE_HINT);
  return new Date(ms);
}

function parseSchedule(value: unknown): ScheduleFilter {
  if (value === undefined || value === '' || value === 'all') return { kind: 'all' };
  if (value === 'manual') return { kind: 'manual' };
  if (typeof value === 'string' && SCHEDULE_ID.test(value)) return { kind: 'schedule', id: value };
  throw new Esp32CamError(
    'E_BAD_INPUT',
    'schedule must be "all", "manual" or a schedule id',
    'Use schedule=all (every photo, the default), schedule=manual (photos taken by hand) or the id of one schedule.',
  );
}

/** Checks a range as a user gave it: well-formed times, `from` not after `to`, a known form of schedule. */
export function parseExportRange(query: ExportQuery): ExportRange {
  const from = parseTime('from', query.from);
  const to = parseTime('to', query.to);
  if (from && to && from.getTime() > to.getTime()) {
    throw new Esp32CamError(
      'E_BAD_INPUT',
      `from (${from.toISOString()}) is after to (${to.toISOString()})`,
      'Give the earlier time as from and the later as to.',
    );
  }
  return { ...(from ? { from } : {}), ...(to ? { to } : {}), schedule: parseSchedule(query.schedule) };
}

/** The timelapse's frames per second: a whole number within FPS, FPS.default when absent. */
export function parseFps(value: unknown): number {
  if (value === undefined || value === '') return FPS.default;
  const fps = typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(fps >= FPS.min && fps <= FPS.max)) {
    throw new Esp32CamError('E_BAD_INPUT', `fps must be a whole number from ${FPS.min} to ${FPS.max}`, `Use e.g. fps=${FPS.default}: each photo is one frame.`);
  }
  return fps;
}

/** The range back as query parameters, for the URLs a preview hands out. */
export function rangeQuery(range: ExportRange): URLSearchParams {
  const params = new URLSearchParams();
  if (range.from) params.set('from', range.from.toISOString());
  if (range.to) params.set('to', range.to.toISOString());
  if (range.schedule.kind !== 'all') params.set('schedule', range.schedule.kind === 'manual' ? 'manual' : range.schedule.id);
  return params;
}

/** "between 2026-12-02T16:30:00.000Z and …", for messages. */
export function describeRange(range: ExportRange): string {
  const ends =
    range.from && range.to
      ? `between ${range.from.toISOString()} and ${range.to.toISOString()}`
      : range.from
        ? `since ${range.from.toISOString()}`
        : range.to
          ? `until ${range.to.toISOString()}`
          : 'at all';
  const which = range.schedule.kind === 'all' ? '' : range.schedule.kind === 'manual' ? ' taken by hand' : ` taken by schedule ${range.schedule.id}`;
  return `${which} ${ends}`.trim();
}
