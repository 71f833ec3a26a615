import { asSentence, formatBytes } from './format.js';

const $ = (id) => document.getElementById(id);

const PHASE_TEXT = {
  capturing: 'Taking the photo…',
  downloading: 'Downloading',
  verifying: 'Checking the photo…',
  done: 'Done',
};

/** Capture button state: busy while any capture runs, whoever started it (one camera, one capture). */
export function setBusy(busy) {
  const button = $('capture-button');
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
  button.querySelector('.capture-label').textContent = busy ? 'Capturing…' : 'Capture';
}

export function showStarting() {
  hideError();
  $('capture-progress').hidden = false;
  const bar = $('progress-bar');
  bar.removeAttribute('value');
  $('progress-text').textContent = 'Starting…';
}

/** Renders a `capture:progress` event. Without a known total the bar stays indeterminate. */
export function showProgress(p) {
  $('capture-progress').hidden = false;
  $('capture-progress').dataset.phase = p.phase;
  const bar = $('progress-bar');
  const total = Number.isFinite(p.total) && p.total > 0 ? p.total : null;
  if (p.phase === 'done' || p.phase === 'verifying') {
    bar.max = 1;
    bar.value = 1;
  } else if (total !== null && p.phase === 'downloading') {
    bar.max = total;
    bar.value = Math.min(p.bytes, total);
  } else {
    bar.removeAttribute('value');
  }
  let text = PHASE_TEXT[p.phase] ?? p.phase;
  if (p.phase === 'downloading') {
    text +=
      total !== null
        ? ` ${formatBytes(p.bytes)} / ${formatBytes(total)} (${Math.floor((100 * Math.min(p.bytes, total)) / total)} %)`
        : ` ${formatBytes(p.bytes)}…`;
  }
  if (p.attempt > 1) text += ` (attempt ${p.attempt})`;
  $('progress-text').textContent = text;
}

export function hideProgress() {
  $('capture-progress').hidden = true;
  delete $('capture-progress').dataset.phase;
}

/** Shows a `{ code, message, hint }` error where the user looks after pressing a button. */
export function showError(err) {
  $('error-message').textContent = err.message || 'Something went wrong';
  $('error-code').textContent = err.code || '';
  $('error-hint').textContent = asSentence(err.hint);
  $('error-hint').hidden = !err.hint;
  $('capture-error').dataset.code = err.code || '';
  $('capture-error').hidden = false;
}

export function hideError() {
  $('capture-error').hidden = true;
}

/** Clears a shown error once its cause is gone (the service is reachable again). */
export function hideErrorIf(code) {
  if ($('capture-error').dataset.code === code) hideError();
}
