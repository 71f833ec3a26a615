/** Words for schedules: their timing, their slots' outcomes, and where a refused field's error belongs. */

const UNITS = [
  { unit: 'h', seconds: 3600, long: 'hour' },
  { unit: 'min', seconds: 60, long: 'minute' },
  { unit: 's', seconds: 1, long: 'second' },
];

/** The largest unit that divides `seconds` evenly, so a form shows "5 minutes" rather than "300 seconds". */
export function splitEvery(seconds) {
  const u = UNITS.find((x) => seconds % x.seconds === 0) ?? UNITS[2];
  return { value: seconds / u.seconds, unit: u.unit };
}

export const UNIT_SECONDS = Object.fromEntries(UNITS.map((u) => [u.unit, u.seconds]));

export function timingText(schedule) {
  if (schedule.every !== undefined) {
    const { value, unit } = splitEvery(schedule.every);
    const long = UNITS.find((u) => u.unit === unit).long;
    return value === 1 ? `Every ${long}` : `Every ${value} ${long}s`;
  }
  return `Cron ${schedule.cron}`;
}

export const OUTCOME_TEXT = { taken: 'Taken', missed: 'Missed', failed: 'Failed' };

/**
 * The form field a refusal is about. The schedules service starts each message with the field at fault
 * ("cron: ... is not a valid cron expression"), so the message and its hint can sit under that field.
 */
export function faultField(err) {
  const m = /^([a-z]+(?:\.[a-zA-Z]+)?):? /.exec(String(err?.message ?? ''));
  if (!m) return null;
  const field = m[1];
  if (field === 'retention.maxPhotos') return 'max-photos';
  if (field === 'retention.maxBytes') return 'max-bytes';
  if (field.startsWith('retention')) return 'max-photos';
  return ['every', 'cron', 'label', 'flash', 'enabled'].includes(field) ? field : null;
}
