/**
 * The Timelapse panel of a camera's view: its schedules (timing, next and last slot, what became of the
 * slots, the photos each keeps) and an editor to add one or change one. A schedule takes a photo every N
 * seconds or on a cron expression, with its own flash and its own retention. A refused field shows the
 * service's message and hint under that field. `schedule:change` and `schedule:delete` keep the list current.
 */
import { createSchedule, deleteSchedule, listSchedules, updateSchedule } from './api.js';
import { errorBox, errorBoxHtml } from './error-box.js';
import { asSentence, formatBytes, formatTaken, formatTakenLong } from './format.js';
import { faultField, OUTCOME_TEXT, splitEvery, timingText, UNIT_SECONDS } from './schedule-format.js';

/** Entries of a schedule's history the page lists; the service keeps more. */
const HISTORY_SHOWN = 10;
/** What a new schedule keeps unless told otherwise (the service's default). */
const DEFAULT_MAX_PHOTOS = 1000;
const FIELD_IDS = ['label', 'every', 'cron', 'flash', 'max-photos', 'max-bytes', 'enabled'];

const fieldError = (id) => `<div class="error sd-field-error" id="sd-${id}-error" data-testid="schedule-${id}-error" role="alert" hidden>
  <p class="error-message"><strong class="sd-error-message"></strong> <code class="sd-error-code"></code></p>
  <p class="error-hint sd-error-hint"></p>
</div>`;

const PANEL_HTML = `
<div class="sd-head">
  <h2 id="schedules-heading">Timelapse</h2>
  <span class="count" id="sd-count" data-testid="schedule-count"></span>
</div>
<ul class="sd-list" id="sd-list" data-testid="schedule-list" aria-live="polite"></ul>
<p class="fw-note" id="sd-empty">No schedules yet. Add one to take a photo every few minutes, or on a cron expression.</p>
${errorBoxHtml('sd')}
<details class="fw sd-editor" id="sd-editor" data-testid="schedule-editor">
  <summary class="fw-summary" data-testid="schedule-editor-toggle"><h3 class="hp-subhead" id="sd-form-title">Add a schedule</h3></summary>
  <form class="sd-form" id="sd-form" data-testid="schedule-form" novalidate>
    <div class="fw-field">
      <label for="sd-label">Name</label>
      <input type="text" id="sd-label" data-testid="schedule-label" maxlength="80" placeholder="e.g. Garden, every 5 minutes" autocomplete="off">
      ${fieldError('label')}
    </div>
    <fieldset class="sd-timing">
      <legend>When</legend>
      <div class="sd-kinds" role="radiogroup">
        <label class="sd-kind"><input type="radio" name="sd-kind" value="every" data-testid="schedule-kind-every" checked><span>Every…</span></label>
        <label class="sd-kind"><input type="radio" name="sd-kind" value="cron" data-testid="schedule-kind-cron"><span>Cron</span></label>
      </div>
      <div class="sd-every" id="sd-every-row">
        <div class="fw-field">
          <label for="sd-every">Every</label>
          <div class="sd-every-inputs">
            <input type="number" id="sd-every" data-testid="schedule-every" min="1" step="1" inputmode="numeric" value="5">
            <select id="sd-every-unit" data-testid="schedule-every-unit" aria-label="Unit">
              <option value="s">seconds</option>
              <option value="min" selected>minutes</option>
              <option value="h">hours</option>
            </select>
          </div>
        </div>
        ${fieldError('every')}
      </div>
      <div class="sd-cron" id="sd-cron-row" hidden>
        <div class="fw-field">
          <label for="sd-cron">Cron expression</label>
          <input type="text" id="sd-cron" data-testid="schedule-cron" placeholder="*/10 * * * *" autocomplete="off" spellcheck="false">
        </div>
        <p class="fw-note">minute hour day month weekday, in the Pi's time; six fields put seconds first. "0 12 * * *" is every day at noon.</p>
        ${fieldError('cron')}
      </div>
    </fieldset>
    <div class="sd-row">
      <div class="fw-field">
        <label for="sd-flash">Flash</label>
        <select id="sd-flash" data-testid="schedule-flash">
          <option value="">Camera's own</option>
          <option value="off">Off</option>
          <option value="on">On</option>
          <option value="auto">Auto</option>
        </select>
        ${fieldError('flash')}
      </div>
      <label class="switch sd-enabled">
        <input type="checkbox" role="switch" id="sd-enabled" data-testid="schedule-enabled-input" checked>
        <span class="track" aria-hidden="true"><span class="thumb"></span></span>
        <span>Enabled</span>
      </label>
    </div>
    <fieldset class="sd-retention">
      <legend>Keep at most</legend>
      <div class="sd-row">
        <div class="fw-field">
          <label for="sd-max-photos">Photos</label>
          <input type="number" id="sd-max-photos" data-testid="schedule-max-photos" min="1" step="1" inputmode="numeric" placeholder="no limit">
          ${fieldError('max-photos')}
        </div>
        <div class="fw-field">
          <label for="sd-max-bytes">Size (MB)</label>
          <input type="number" id="sd-max-bytes" data-testid="schedule-max-bytes" min="0" step="any" inputmode="decimal" placeholder="no limit">
          ${fieldError('max-bytes')}
        </div>
      </div>
      <p class="fw-note">The oldest photos of this schedule go first; photos taken by hand are never pushed out by a timelapse.</p>
    </fieldset>
    ${fieldError('enabled')}
    <div class="sd-actions">
      <button type="submit" class="secondary sd-save" id="sd-save" data-testid="schedule-save">Add schedule</button>
      <button type="button" class="link" id="sd-cancel" data-testid="schedule-cancel" hidden>Cancel</button>
    </div>
    ${errorBoxHtml('sd-form')}
  </form>
</details>`;

/** Returns { open(name), close(), applyChange(view), applyDelete({camera, id}), refresh() } for app.js. */
export function initSchedulesPanel(root = document.getElementById('schedules-panel'), { onChange } = {}) {
  if (!root) return null;
  root.innerHTML = PANEL_HTML;
  const $ = (id) => root.querySelector(`#${id}`);
  const errors = errorBox(root, 'sd');
  const formErrors = errorBox(root, 'sd-form');
  const form = $('sd-form');

  let camera = null;
  /** id → view, for the open camera. */
  const schedules = new Map();
  /** The schedule the form edits, or null when it adds one. */
  let editing = null;
  let loadSeq = 0;

  // ---- the list ----

  function renderList() {
    const list = $('sd-list');
    const sorted = [...schedules.values()].sort((a, b) => a.id.localeCompare(b.id));
    // Each slot redraws its schedule; a history the user opened stays open.
    const opened = new Set([...list.querySelectorAll('.sd-history[open]')].map((d) => d.closest('.sd-item').dataset.id));
    list.replaceChildren(...sorted.map(renderItem));
    for (const d of list.querySelectorAll('.sd-history')) d.open = opened.has(d.closest('.sd-item').dataset.id);
    $('sd-empty').hidden = sorted.length > 0;
    $('sd-count').textContent = sorted.length ? `${sorted.length} schedule${sorted.length === 1 ? '' : 's'}` : '';
    onChange?.([...schedules.values()]);
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fact(dl, term, value, testid) {
    const dt = el('dt', '', term);
    const dd = el('dd', '', '');
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value;
    if (testid) dd.dataset.testid = testid;
    dl.append(dt, dd);
    return dd;
  }

  function timeEl(iso) {
    if (!iso) return document.createTextNode('–');
    const t = el('time', '', formatTaken(iso));
    t.dateTime = iso;
    t.title = formatTakenLong(iso);
    return t;
  }

  function keptText(s) {
    const limits = [];
    if (s.retention?.maxPhotos) limits.push(`${s.retention.maxPhotos} photos`);
    if (s.retention?.maxBytes) limits.push(formatBytes(s.retention.maxBytes));
    const kept = `${s.photos ?? 0} photo${s.photos === 1 ? '' : 's'}, ${formatBytes(s.bytes ?? 0)}`;
    return limits.length ? `${kept} (at most ${limits.join(' or ')})` : `${kept} (the overall limits only)`;
  }

  function renderItem(s) {
    const li = el('li', 'sd-item');
    li.dataset.testid = 'schedule-item';
    li.dataset.id = s.id;
    li.dataset.enabled = String(s.enabled);
    if (s.lastOutcome) li.dataset.outcome = s.lastOutcome;

    const head = el('div', 'sd-item-head');
    const title = el('strong', 'sd-item-title', s.label || s.id);
    title.dataset.testid = 'schedule-title';
    const timing = el('span', 'sd-item-timing', timingText(s));
    timing.dataset.testid = 'schedule-timing';
    const toggle = el('label', 'switch sd-item-enabled');
    const input = el('input');
    input.type = 'checkbox';
    input.setAttribute('role', 'switch');
    input.checked = s.enabled;
    input.dataset.testid = 'schedule-enabled';
    input.setAttribute('aria-label', `${s.label || s.id} enabled`);
    input.addEventListener('change', () => void setEnabled(s, input));
    const track = el('span', 'track');
    track.setAttribute('aria-hidden', 'true');
    track.append(el('span', 'thumb'));
    toggle.append(input, track, el('span', '', s.enabled ? 'On' : 'Paused'));
    head.append(title, timing, toggle);

    const facts = el('dl', 'facts sd-facts');
    fact(facts, 'Next', s.enabled ? timeEl(s.nextAt) : 'Paused', 'schedule-next');
    const last = el('span');
    last.append(timeEl(s.lastAt));
    if (s.lastOutcome) {
      const outcome = el('span', 'sd-outcome', ` · ${OUTCOME_TEXT[s.lastOutcome] ?? s.lastOutcome}`);
      outcome.dataset.outcome = s.lastOutcome;
      last.append(outcome);
    }
    fact(facts, 'Last', last, 'schedule-last');
    const c = s.counts ?? {};
    fact(facts, 'Slots', `${c.taken ?? 0} taken · ${c.missed ?? 0} missed · ${c.failed ?? 0} failed`, 'schedule-counts');
    fact(facts, 'Kept', keptText(s), 'schedule-kept');
    fact(facts, 'Flash', s.flash ? { off: 'Off', on: 'On', auto: 'Auto' }[s.flash] : "The camera's own");

    li.append(head, facts);

    const history = (s.history ?? []).slice(-HISTORY_SHOWN).reverse();
    if (history.length) {
      const details = el('details', 'sd-history');
      details.append(el('summary', '', `Recent slots (${history.length})`));
      const ol = el('ol', 'sd-history-list');
      for (const h of history) {
        const item = el('li', 'sd-slot');
        item.dataset.outcome = h.outcome;
        item.append(timeEl(h.at), el('span', 'sd-outcome', ` ${OUTCOME_TEXT[h.outcome] ?? h.outcome}`));
        if (h.slots > 1) item.append(el('span', 'muted', ` ×${h.slots}`));
        if (h.reason) item.append(el('span', 'sd-reason', ` — ${h.reason}`));
        ol.append(item);
      }
      details.append(ol);
      li.append(details);
    }

    const actions = el('div', 'sd-item-actions');
    const edit = el('button', 'link', 'Edit');
    edit.type = 'button';
    edit.dataset.testid = 'schedule-edit';
    edit.addEventListener('click', () => startEdit(s.id));
    const del = el('button', 'link danger-text', 'Delete');
    del.type = 'button';
    del.dataset.testid = 'schedule-delete';
    // A second press confirms: a schedule's history goes with it (its photos stay).
    del.addEventListener('click', () => {
      if (del.dataset.confirm === 'true') void remove(s);
      else {
        del.dataset.confirm = 'true';
        del.textContent = 'Delete: press again';
      }
    });
    actions.append(edit, del);
    li.append(actions);
    return li;
  }

  async function setEnabled(s, input) {
    input.disabled = true;
    try {
      upsert(await updateSchedule(camera, s.id, { enabled: input.checked }));
      errors.hide();
    } catch (err) {
      input.checked = !input.checked;
      errors.show(err);
    } finally {
      input.disabled = false;
    }
  }

  async function remove(s) {
    try {
      await deleteSchedule(camera, s.id);
      schedules.delete(s.id);
      if (editing === s.id) resetForm();
      errors.hide();
      renderList();
    } catch (err) {
      errors.show(err);
    }
  }

  function upsert(view) {
    if (!view || view.camera !== camera) return;
    schedules.set(view.id, view);
    renderList();
  }

  // ---- the editor ----

  function kind() {
    return form.querySelector('input[name="sd-kind"]:checked').value;
  }

  function showKind() {
    const k = kind();
    $('sd-every-row').hidden = k !== 'every';
    $('sd-cron-row').hidden = k !== 'cron';
  }

  function clearFieldErrors() {
    for (const id of FIELD_IDS) $(`sd-${id}-error`).hidden = true;
    for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    formErrors.hide();
  }

  /** Puts a refusal under the field it is about, or under the form when it names none. */
  function showFieldError(err) {
    const field = faultField(err);
    if (!field) {
      formErrors.show(err);
      return;
    }
    const box = $(`sd-${field}-error`);
    box.querySelector('.sd-error-message').textContent = err.message;
    box.querySelector('.sd-error-code').textContent = err.code || '';
    const hint = box.querySelector('.sd-error-hint');
    hint.textContent = asSentence(err.hint);
    hint.hidden = !err.hint;
    box.hidden = false;
    const input = $(`sd-${field === 'enabled' ? 'enabled' : field}`);
    input?.setAttribute('aria-invalid', 'true');
    input?.focus();
  }

  function resetForm() {
    editing = null;
    form.reset();
    $('sd-max-photos').value = String(DEFAULT_MAX_PHOTOS);
    $('sd-form-title').textContent = 'Add a schedule';
    $('sd-save').textContent = 'Add schedule';
    $('sd-cancel').hidden = true;
    clearFieldErrors();
    showKind();
  }

  function startEdit(id) {
    const s = schedules.get(id);
    if (!s) return;
    resetForm();
    editing = id;
    $('sd-label').value = s.label ?? '';
    form.querySelector(`input[name="sd-kind"][value="${s.every !== undefined ? 'every' : 'cron'}"]`).checked = true;
    if (s.every !== undefined) {
      const { value, unit } = splitEvery(s.every);
      $('sd-every').value = String(value);
      $('sd-every-unit').value = unit;
    } else {
      $('sd-cron').value = s.cron;
    }
    $('sd-flash').value = s.flash ?? '';
    $('sd-enabled').checked = s.enabled;
    $('sd-max-photos').value = s.retention?.maxPhotos ? String(s.retention.maxPhotos) : '';
    $('sd-max-bytes').value = s.retention?.maxBytes ? String(+(s.retention.maxBytes / 1024 ** 2).toFixed(3)) : '';
    $('sd-form-title').textContent = `Change "${s.label || s.id}"`;
    $('sd-save').textContent = 'Save changes';
    $('sd-cancel').hidden = false;
    showKind();
    $('sd-editor').open = true;
    $('sd-editor').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }

  /** The form as a schedule body. Values the form cannot judge go as typed, so the service's reason shows. */
  function body() {
    const out = {};
    const label = $('sd-label').value.trim();
    if (label) out.label = label;
    else if (editing) out.label = null;
    if (kind() === 'every') {
      const n = Number($('sd-every').value);
      out.every = $('sd-every').value.trim() === '' ? null : n * UNIT_SECONDS[$('sd-every-unit').value];
    } else {
      out.cron = $('sd-cron').value.trim();
    }
    const flash = $('sd-flash').value;
    if (flash) out.flash = flash;
    else if (editing) out.flash = null;
    out.enabled = $('sd-enabled').checked;
    const retention = {};
    const maxPhotos = $('sd-max-photos').value.trim();
    if (maxPhotos) retention.maxPhotos = Number(maxPhotos);
    const maxBytes = $('sd-max-bytes').value.trim();
    if (maxBytes) retention.maxBytes = `${maxBytes}MB`;
    out.retention = retention;
    return out;
  }

  form.addEventListener('change', (event) => {
    if (event.target.name === 'sd-kind') showKind();
  });
  $('sd-cancel').addEventListener('click', () => resetForm());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (camera === null) return;
    clearFieldErrors();
    const save = $('sd-save');
    save.disabled = true;
    const target = camera;
    try {
      const view = editing ? await updateSchedule(target, editing, body()) : await createSchedule(target, body());
      if (target !== camera) return;
      upsert(view);
      resetForm();
      $('sd-editor').open = false;
    } catch (err) {
      if (target === camera) showFieldError(err);
    } finally {
      save.disabled = false;
    }
  });

  async function load() {
    const name = camera;
    const my = ++loadSeq;
    try {
      const res = await listSchedules(name);
      if (name !== camera || my !== loadSeq) return;
      schedules.clear();
      for (const s of res.schedules ?? []) schedules.set(s.id, s);
      errors.hide();
      renderList();
    } catch (err) {
      if (name === camera && my === loadSeq) errors.show(err);
    }
  }

  resetForm();
  return {
    open(name) {
      if (name === camera) return;
      camera = name;
      schedules.clear();
      resetForm();
      errors.hide();
      renderList();
      void load();
    },
    close() {
      camera = null;
      schedules.clear();
      resetForm();
    },
    /** `schedule:change`: a slot's outcome or an edit, from any page. */
    applyChange(view) {
      upsert(view);
    },
    /** `schedule:delete` */
    applyDelete(e) {
      if (e?.camera !== camera || !schedules.delete(e.id)) return;
      if (editing === e.id) resetForm();
      renderList();
    },
    refresh() {
      if (camera !== null) void load();
    },
  };
}
