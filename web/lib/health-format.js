/** Words for a camera's health: its state, how long ago it answered, and each event of its timeline. */
import { asSentence, formatBytes } from './format.js';

/** The service's states (host/src/services/health/camera-health.ts), each as the page says it. */
const STATE_TEXT = {
  unknown: 'Not checked yet',
  online: 'Online',
  degraded: 'Degraded',
  offline: 'Offline',
  recovering: 'Recovering',
};

/** A state key the stylesheet knows; anything else shows as unknown rather than unstyled. */
export function stateKey(state) {
  return Object.hasOwn(STATE_TEXT, state) ? state : 'unknown';
}

export function stateText(state) {
  return STATE_TEXT[stateKey(state)];
}

/** Fills a health badge: the state in words (colour alone would say nothing to some users) and its key. */
export function setBadge(el, state) {
  const key = stateKey(state);
  el.dataset.state = key;
  el.textContent = STATE_TEXT[key];
  el.title = `Health: ${STATE_TEXT[key]}`;
}

/** "just now", "12 s ago", "4 min ago", "3 h ago", "2 d ago"; "Never" without a time. */
export function formatAgo(iso, now = Date.now()) {
  if (!iso) return 'Never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return String(iso);
  // A clock a little ahead of this device's still reads as now, not as the future.
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 1) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** The keep-alive as the service runs it: 0 means off. */
export function formatInterval(ms) {
  if (!Number.isFinite(ms)) return '–';
  if (ms === 0) return 'Off (checked only when used)';
  return ms < 1000 ? `Every ${ms} ms` : `Every ${Number((ms / 1000).toFixed(1))} s`;
}

export function formatHeap(bytes) {
  return Number.isFinite(bytes) ? formatBytes(bytes) : '–';
}

export function formatCameraOk(ok) {
  if (ok === true) return 'Initialised';
  if (ok === false) return 'Failed to initialise';
  return '–';
}

/**
 * Reset causes in words. The board reports MicroPython's machine.reset_cause() names (protocol/src/v2.ts);
 * the service adds brownout and panic when the boot log shows them, and `unknown` for a legacy board.
 */
const CAUSE_TEXT = {
  PWRON_RESET: 'power-on',
  HARD_RESET: 'hard reset',
  WDT_RESET: 'watchdog',
  DEEPSLEEP_RESET: 'deep sleep',
  SOFT_RESET: 'software',
  BROWNOUT_RESET: 'brownout',
  PANIC: 'panic',
  UNKNOWN: 'unknown',
};

/** A reset cause in a word or two: "watchdog", "power-on"; a name the page does not know shows as sent. */
export function formatCause(cause) {
  if (!cause) return '–';
  return CAUSE_TEXT[cause] ?? String(cause).replace(/_/g, ' ').toLowerCase();
}

/** The cause with the board's own name for it, for the facts list: "power-on (PWRON_RESET)". */
export function formatCauseLong(cause) {
  const text = formatCause(cause);
  return cause && text !== cause && CAUSE_TEXT[cause] ? `${text} (${cause})` : text;
}

/** Reboots counted by cause, most first: "watchdog 2 · brownout 1", or "None". */
export function formatReboots(reboots) {
  const entries = Object.entries(reboots ?? {}).filter(([, n]) => Number.isFinite(n) && n > 0);
  if (entries.length === 0) return 'None';
  entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.map(([cause, n]) => `${formatCause(cause)} ${n}`).join(' · ');
}

const STEP_TEXT = {
  retry: 'retry',
  resync: 'resync',
  reset: 'reset (EN)',
  repush: 're-push the script',
  'give-up': 'give up',
  skip: 'skipped a step',
};

/** The headline of one timeline entry: what kind of thing happened, in a few words. */
export function eventTitle(event) {
  switch (event.type) {
    case 'state':
      return `${stateText(event.from)} → ${stateText(event.to)}`;
    case 'reboot':
      return event.resetCause ? `Rebooted (${formatCause(event.resetCause)})` : 'Rebooted';
    case 'recovery': {
      const step = STEP_TEXT[event.step] ?? event.step ?? 'step';
      return event.outcome ? `Recovery: ${step}, ${event.outcome}` : `Recovery: ${step}`;
    }
    case 'diagnosis':
      return event.fault ? `Diagnosis: ${String(event.fault).replace(/-/g, ' ')}` : 'Diagnosis';
    default:
      return String(event.type ?? 'Event');
  }
}

export { asSentence };
