/**
 * The Export panel of a camera's view: a time range and which photos (all, taken by hand, or one schedule's),
 * what that range holds (count, size, first and last), and downloads of it as a ZIP of JPEGs or, when the Pi
 * has ffmpeg, an MP4 timelapse. The preview follows every change of the form; the downloads are plain links
 * the service streams, so a large range never passes through the page.
 */
import { exportMp4Url, exportPreview, exportZipUrl } from './api.js';
import { errorBox, errorBoxHtml } from './error-box.js';
import { asSentence, formatBytes, formatTaken, formatTakenLong } from './format.js';
import { remember, remembered } from './remember.js';

/** The form settles before it is asked about: typing a date fires a change per field. */
const PREVIEW_SETTLE_MS = 250;
const FPS_DEFAULT = 10;

const PANEL_HTML = `
<details class="fw ex-details" id="ex-details">
<summary class="fw-summary" data-testid="export-toggle">
  <h2 id="export-heading">Export</h2>
  <span class="fw-state">ZIP or MP4 of a time range</span>
</summary>
<form class="ex-form" id="ex-form" data-testid="export-form" novalidate>
  <div class="ex-range">
    <div class="fw-field">
      <label for="ex-from">From</label>
      <input type="datetime-local" id="ex-from" data-testid="export-from">
    </div>
    <div class="fw-field">
      <label for="ex-to">To</label>
      <input type="datetime-local" id="ex-to" data-testid="export-to">
    </div>
  </div>
  <p class="fw-note">Leave a field empty to start at the first photo or end at the latest.</p>
  <div class="fw-field">
    <label for="ex-which">Photos</label>
    <select id="ex-which" data-testid="export-which">
      <option value="all">All photos</option>
      <option value="manual">Taken by hand</option>
    </select>
  </div>
  <div class="ex-preview" id="ex-preview" data-testid="export-preview" data-state="loading" aria-live="polite">
    <p class="ex-summary" id="ex-summary" data-testid="export-summary">…</p>
    <p class="fw-note" id="ex-span" data-testid="export-span"></p>
  </div>
  <div class="ex-downloads">
    <a class="secondary ex-download" id="ex-zip" data-testid="export-zip" download aria-disabled="true">Download ZIP</a>
    <div class="ex-mp4">
      <div class="fw-field ex-fps">
        <label for="ex-fps">Frames/s</label>
        <input type="number" id="ex-fps" data-testid="export-fps" min="1" max="60" step="1" inputmode="numeric" value="${FPS_DEFAULT}">
      </div>
      <a class="secondary ex-download" id="ex-mp4" data-testid="export-mp4" download aria-disabled="true">Download MP4</a>
    </div>
  </div>
  <div class="ex-mp4-note" id="ex-mp4-note" data-testid="export-mp4-note" role="note" hidden>
    <p class="ex-mp4-reason" id="ex-mp4-reason"></p>
    <p class="ex-mp4-hint" id="ex-mp4-hint"></p>
  </div>
  ${errorBoxHtml('ex')}
</form>
</details>`;

/** Folded until opened (and kept as the user left it); only an open panel asks for previews. */
const OPEN_KEY = 'esp32cam.exportOpen';

/** A datetime-local value as an ISO time with its zone; a `to` without seconds takes in its whole minute. */
export function isoOf(value, end = false) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  if (end && value.length <= 16) d.setSeconds(59, 999);
  return d.toISOString();
}

/** Returns { open(name), close(), setSchedules(list), refresh() } for app.js. */
export function initExportPanel(root = document.getElementById('export-panel')) {
  if (!root) return null;
  root.innerHTML = PANEL_HTML;
  const $ = (id) => root.querySelector(`#${id}`);
  const errors = errorBox(root, 'ex');

  let camera = null;
  let timer = 0;
  let seq = 0;
  /** Whether the last preview said an MP4 can be made. */
  let mp4 = false;
  let count = 0;

  function range() {
    return { from: isoOf($('ex-from').value), to: isoOf($('ex-to').value, true), schedule: $('ex-which').value };
  }

  function setLink(a, href, enabled) {
    if (enabled) {
      a.href = href;
      a.removeAttribute('aria-disabled');
    } else {
      a.removeAttribute('href');
      a.setAttribute('aria-disabled', 'true');
    }
  }

  function fps() {
    const n = Number($('ex-fps').value);
    return Number.isInteger(n) && n >= 1 && n <= 60 ? n : FPS_DEFAULT;
  }

  function updateLinks() {
    if (camera === null) return;
    const r = range();
    setLink($('ex-zip'), exportZipUrl(camera, r), count > 0);
    setLink($('ex-mp4'), exportMp4Url(camera, r, fps()), count > 0 && mp4);
  }

  function showPreview(p) {
    count = Number.isInteger(p.count) ? p.count : 0;
    const preview = $('ex-preview');
    preview.dataset.state = count > 0 ? 'ready' : 'empty';
    preview.dataset.count = String(count);
    $('ex-summary').textContent = count > 0 ? `${count} photo${count === 1 ? '' : 's'}, ${formatBytes(p.bytes)}` : 'No photos in this range';
    const span = $('ex-span');
    if (count > 0 && p.first && p.last) {
      const sizes = Array.isArray(p.sizes) && p.sizes.length ? ` · ${p.sizes.map((s) => `${s.width}×${s.height}`).join(', ')}` : '';
      span.textContent = `${formatTaken(p.first)} to ${formatTaken(p.last)}${sizes}`;
      span.title = `${formatTakenLong(p.first)} to ${formatTakenLong(p.last)}`;
    } else {
      span.textContent = '';
    }
    // The service says whether ffmpeg is there: `mp4` is true/false, or { available, reason, hint, busy }.
    const m = p.mp4;
    mp4 = m === true || (typeof m === 'object' && m !== null && m.available === true);
    const note = $('ex-mp4-note');
    note.hidden = mp4;
    if (!mp4) {
      $('ex-mp4-reason').textContent = (typeof m === 'object' && m?.reason) || p.mp4Reason || 'This Pi cannot make an MP4: ffmpeg is not installed.';
      $('ex-mp4-hint').textContent = asSentence((typeof m === 'object' && m?.hint) || p.hint || 'Install it with "sudo apt install ffmpeg".');
    }
    if (typeof m === 'object' && m?.fps?.default && !$('ex-fps').dataset.touched) $('ex-fps').value = String(m.fps.default);
    updateLinks();
  }

  const details = $('ex-details');
  details.open = remembered(OPEN_KEY);
  details.addEventListener('toggle', () => {
    remember(OPEN_KEY, details.open);
    if (details.open) void preview();
  });

  async function preview() {
    if (camera === null || !details.open) return;
    const name = camera;
    const my = ++seq;
    $('ex-preview').dataset.state = 'loading';
    try {
      const p = await exportPreview(name, range());
      if (name !== camera || my !== seq) return;
      errors.hide();
      showPreview(p);
    } catch (err) {
      if (name !== camera || my !== seq) return;
      count = 0;
      $('ex-preview').dataset.state = 'failed';
      $('ex-summary').textContent = 'No preview';
      $('ex-span').textContent = '';
      updateLinks();
      errors.show(err);
    }
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(() => void preview(), PREVIEW_SETTLE_MS);
  }

  const form = $('ex-form');
  form.addEventListener('change', (event) => {
    if (event.target.id === 'ex-fps') {
      $('ex-fps').dataset.touched = 'true';
      updateLinks();
      return;
    }
    soon();
  });
  form.addEventListener('input', (event) => {
    if (event.target.id === 'ex-fps') updateLinks();
  });
  form.addEventListener('submit', (event) => event.preventDefault());
  // A link without href does nothing anyway; this keeps a keyboard press on it from scrolling to the top.
  for (const a of [$('ex-zip'), $('ex-mp4')]) {
    a.addEventListener('click', (event) => {
      if (a.getAttribute('aria-disabled') === 'true') event.preventDefault();
    });
  }

  /** The camera's schedules, each a choice of "which photos". */
  function setSchedules(list) {
    const select = $('ex-which');
    const chosen = select.value;
    for (const o of [...select.options]) if (o.dataset.schedule) o.remove();
    for (const s of [...list].sort((a, b) => a.id.localeCompare(b.id))) {
      const o = document.createElement('option');
      o.value = s.id;
      o.dataset.schedule = 'true';
      o.textContent = `Timelapse: ${s.label || s.id}`;
      select.append(o);
    }
    select.value = [...select.options].some((o) => o.value === chosen) ? chosen : 'all';
    if (select.value !== chosen) soon();
  }

  return {
    open(name) {
      if (name === camera) return;
      camera = name;
      form.reset();
      delete $('ex-fps').dataset.touched;
      setSchedules([]);
      errors.hide();
      void preview();
    },
    close() {
      camera = null;
      clearTimeout(timer);
    },
    setSchedules,
    /** Photos came or went: the preview is asked again once they settle. */
    refresh() {
      if (camera !== null) soon();
    },
  };
}
