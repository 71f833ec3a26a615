/**
 * The Settings panel of a camera's view: a control for each camera setting (a select for the frame size,
 * the effect and the white balance, a slider for the JPEG quality, a row of steps for brightness, contrast
 * and saturation, switches for flip and mirror) and the flash mode. A change is sent at once, one setting per
 * PUT, and each field says whether the board holds it (applied), is still to get it (pending) or refused it
 * (the service's message and hint, under the field). A board whose script cannot take settings shows why and
 * how to fix it, with its controls disabled.
 */
import { getSettings, getSettingsSpec, putSettings } from './api.js';
import { asSentence, formatTaken, formatTakenLong } from './format.js';
import { errorBox, errorBoxHtml } from './error-box.js';
import { FLASH_MODES, settingsFromSpec, valueText } from './camera-settings-spec.js';
import { remember, remembered } from './remember.js';

const FLASH = { name: 'flash', label: 'Flash with photos' };

function fieldHtml(spec) {
  const id = `st-${spec.name}`;
  const testid = `setting-${spec.name}`;
  let control;
  if (spec.control === 'select') {
    const options = spec.options.map((text, i) => `<option value="${spec.min + i}">${text}</option>`).join('');
    control = `<label class="st-label" for="${id}">${spec.label}</label>
      <select id="${id}" data-testid="${testid}"><option value="" data-unknown hidden></option>${options}</select>`;
  } else if (spec.control === 'range') {
    control = `<label class="st-label" for="${id}">${spec.label} <output class="st-output" id="${id}-output" for="${id}" data-testid="${testid}-value"></output></label>
      <input type="range" id="${id}" data-testid="${testid}" min="${spec.min}" max="${spec.max}" step="1">
      <span class="st-scale" aria-hidden="true"><span>${spec.min} best</span><span>${spec.max} smallest</span></span>`;
  } else if (spec.control === 'steps') {
    const steps = [];
    for (let v = spec.min; v <= spec.max; v += 1) {
      steps.push(`<label class="st-step"><input type="radio" name="${id}" value="${v}" data-testid="${testid}-${v}"><span>${spec.format(v)}</span></label>`);
    }
    control = `<span class="st-label" id="${id}-label">${spec.label}</span>
      <div class="st-steps" role="radiogroup" aria-labelledby="${id}-label" data-testid="${testid}">${steps.join('')}</div>`;
  } else {
    control = `<label class="switch st-switch">
        <input type="checkbox" role="switch" id="${id}" data-testid="${testid}">
        <span class="track" aria-hidden="true"><span class="thumb"></span></span>
        <span class="st-label">${spec.label}</span>
      </label>`;
  }
  return `<div class="st-field" data-setting="${spec.name}" data-testid="${testid}-field" data-state="default">
    ${control}
    <p class="st-status" id="${id}-status" data-testid="${testid}-status" aria-live="polite"></p>
    <div class="error st-error" id="${id}-error" data-testid="${testid}-error" role="alert" hidden>
      <p class="error-message"><strong class="st-error-message"></strong> <code class="st-error-code"></code></p>
      <p class="error-hint st-error-hint"></p>
    </div>
  </div>`;
}

const flashHtml = () => `<div class="st-field" data-setting="flash" data-testid="setting-flash-field" data-state="default">
  <label class="st-label" for="st-flash">${FLASH.label}</label>
  <select id="st-flash" data-testid="setting-flash">${FLASH_MODES.map((m) => `<option value="${m.value}">${m.label}</option>`).join('')}</select>
  <p class="st-status" id="st-flash-status" data-testid="setting-flash-status" aria-live="polite"></p>
  <div class="error st-error" id="st-flash-error" data-testid="setting-flash-error" role="alert" hidden>
    <p class="error-message"><strong class="st-error-message"></strong> <code class="st-error-code"></code></p>
    <p class="error-hint st-error-hint"></p>
  </div>
</div>`;

const PANEL_HTML = `
<details class="fw st-details" id="st-details">
  <summary class="fw-summary" data-testid="settings-toggle">
    <h2 id="settings-heading">Settings</h2>
    <span class="st-state" id="st-state" data-testid="settings-state" data-state="loading" role="status">Loading…</span>
  </summary>
  <div class="st-body">
    <div class="st-unsupported" id="st-unsupported" data-testid="settings-unsupported" role="note" hidden>
      <p class="st-unsupported-why" id="st-unsupported-why"></p>
      <p class="st-unsupported-hint" id="st-unsupported-hint"></p>
    </div>
    ${errorBoxHtml('st')}
    <form class="st-form" id="st-form" novalidate>
      ${flashHtml()}
    </form>
  </div>
</details>`;

/** The panel is folded until opened, and stays as the user left it; the badge in its head tells the state. */
const OPEN_KEY = 'esp32cam.settingsOpen';

/** Returns { open(name), close(), apply(view) } for app.js. */
export function initSettingsPanel(root = document.getElementById('settings-panel')) {
  if (!root) return null;
  root.innerHTML = PANEL_HTML;
  const $ = (id) => root.querySelector(`#${id}`);
  const errors = errorBox(root, 'st');
  // The camera's settings join the flash mode once the service has said what they are.
  const fields = new Map([[FLASH.name, { spec: FLASH, el: root.querySelector('[data-setting="flash"]') }]]);
  let specLoad = null;

  let camera = null;
  /** The service's last word on this camera's settings. */
  let view = null;
  /** Changes sent and not answered yet: name → { value, seq }. */
  const inflight = new Map();
  /** The last change of a field that failed: name → error. */
  const fieldErrors = new Map();
  let seq = 0;
  let loadSeq = 0;

  const details = $('st-details');
  details.open = remembered(OPEN_KEY);
  details.addEventListener('toggle', () => remember(OPEN_KEY, details.open));

  // ---- reading and writing the controls ----

  function control(name) {
    return name === 'flash' || fields.get(name).spec.control !== 'steps' ? $(`st-${name}`) : null;
  }

  function readControl(spec, target) {
    if (spec === FLASH) return $('st-flash').value;
    if (spec.control === 'toggle') return $(`st-${spec.name}`).checked ? 1 : 0;
    if (spec.control === 'steps') return Number(target.value);
    return Number($(`st-${spec.name}`).value);
  }

  /** Shows `value` in the field's control; null when it is not known. */
  function writeControl(spec, value) {
    if (spec === FLASH) {
      $('st-flash').value = value ?? 'off';
      return;
    }
    const el = control(spec.name);
    if (spec.control === 'select') {
      const unknown = el.querySelector('[data-unknown]');
      unknown.textContent = value === null ? "Camconfig's (not set here)" : '';
      unknown.hidden = value !== null;
      el.value = value === null ? '' : String(value);
    } else if (spec.control === 'range') {
      el.value = String(value ?? Math.round((spec.min + spec.max) / 2));
      el.dataset.known = String(value !== null);
      $(`st-${spec.name}-output`).textContent = value === null ? "camconfig's" : String(value);
    } else if (spec.control === 'steps') {
      for (const radio of root.querySelectorAll(`input[name="st-${spec.name}"]`)) radio.checked = value !== null && Number(radio.value) === value;
    } else {
      el.checked = value === 1;
    }
  }

  function setDisabled(disabled) {
    for (const el of root.querySelectorAll('.st-form select, .st-form input')) {
      // The flash mode is the host's, so it works for a board that cannot take settings.
      el.disabled = disabled && el.id !== 'st-flash';
    }
  }

  // ---- what each field and the panel say ----

  /** The value a field shows and its state: applying, error, applied, pending, board or default. */
  function fieldView(spec) {
    const name = spec.name;
    const sent = inflight.get(name);
    if (spec === FLASH) {
      const value = sent ? sent.value : (view?.flash ?? null);
      if (sent) return { value, state: 'applying', text: 'Saving…' };
      if (fieldErrors.has(name)) return { value, state: 'error', text: 'Not changed' };
      return { value, state: 'applied', text: 'Used by each photo that does not choose its own' };
    }
    const wanted = view?.wanted?.[name];
    const applied = view?.applied?.[name];
    if (sent) return { value: sent.value, state: 'applying', text: 'Applying…' };
    const shown = wanted ?? applied ?? spec.boot;
    if (fieldErrors.has(name)) {
      return { value: shown, state: 'error', text: shown === null ? 'Not applied' : `Not applied: it stays ${valueText(spec, shown)}` };
    }
    if (wanted !== undefined) {
      if (applied === wanted) return { value: wanted, state: 'applied', text: 'Applied' };
      if (view.supported === false) return { value: wanted, state: 'unsupported', text: 'Cannot be applied' };
      return {
        value: wanted,
        state: 'pending',
        text: applied === undefined ? 'Pending: applied when the camera answers' : `Pending (the board holds ${valueText(spec, applied)})`,
      };
    }
    if (applied !== undefined) return { value: applied, state: 'board', text: 'As the board holds it' };
    return { value: spec.boot, state: 'default', text: spec.boot === null ? "Not set here: the script's camconfig decides" : 'Board default' };
  }

  function renderField(name) {
    const { spec, el } = fields.get(name);
    const f = fieldView(spec);
    el.dataset.state = f.state;
    writeControl(spec, f.value);
    $(`st-${name}-status`).textContent = f.text;
    const box = $(`st-${name}-error`);
    const err = fieldErrors.get(name);
    box.hidden = !err;
    if (err) {
      box.querySelector('.st-error-message').textContent = err.message || 'The change was refused';
      box.querySelector('.st-error-code').textContent = err.code || '';
      const hint = box.querySelector('.st-error-hint');
      hint.textContent = asSentence(err.hint);
      hint.hidden = !err.hint;
    }
  }

  function panelState() {
    if (view === null) return { state: 'loading', text: 'Loading…' };
    if (view.supported === false) return { state: 'unsupported', text: "Needs the project's slave script" };
    if ([...inflight.keys()].some((n) => n !== 'flash')) return { state: 'applying', text: 'Applying…' };
    if (view.lastError) return { state: 'failed', text: 'Not applied' };
    const wanted = Object.entries(view.wanted ?? {});
    if (wanted.length === 0) return { state: 'default', text: "The board's own settings" };
    const held = view.applied && wanted.every(([n, v]) => view.applied[n] === v);
    if (held) return { state: 'applied', text: view.appliedAt ? `Applied ${formatTaken(view.appliedAt)}` : 'Applied' };
    return { state: 'pending', text: 'Waiting for the camera' };
  }

  function render() {
    const p = panelState();
    root.dataset.state = p.state;
    const badge = $('st-state');
    badge.dataset.state = p.state;
    badge.textContent = p.text;
    badge.title = p.state === 'applied' && view.appliedAt ? `The board reported these settings ${formatTakenLong(view.appliedAt)}` : '';
    const unsupported = view?.supported === false;
    $('st-unsupported').hidden = !unsupported;
    if (unsupported) {
      $('st-unsupported-why').textContent = view.lastError?.message ?? "This board's script cannot change the camera's settings.";
      $('st-unsupported-hint').textContent = asSentence(
        view.lastError?.hint || 'Push the project\'s slave script to the board ("esp32cam push") to change settings.',
      );
    }
    if (view?.lastError && !unsupported) errors.show(view.lastError);
    else if (view) errors.hide();
    setDisabled(view === null || unsupported);
    for (const name of fields.keys()) renderField(name);
  }

  // ---- talking to the service ----

  /** Asks the service for the settings' table once, and adds a field for each before the flash mode. */
  function loadSpec() {
    specLoad ??= getSettingsSpec().then(
      (spec) => {
        const settings = settingsFromSpec(spec);
        $('st-form').insertAdjacentHTML('afterbegin', settings.map(fieldHtml).join(''));
        for (const s of settings) fields.set(s.name, { spec: s, el: root.querySelector(`[data-setting="${s.name}"]`) });
        render();
      },
      (err) => {
        specLoad = null; // the next open or refresh asks again
        throw err;
      },
    );
    return specLoad;
  }

  async function load() {
    const name = camera;
    const my = ++loadSeq;
    try {
      await loadSpec();
      const next = await getSettings(name);
      if (name === camera && my === loadSeq) accept(next);
    } catch (err) {
      if (name === camera && my === loadSeq) errors.show(err);
    }
  }

  function accept(next) {
    if (!next || next.camera !== camera) return;
    view = next;
    render();
  }

  async function change(name, value) {
    if (camera === null) return;
    const target = camera;
    const my = ++seq;
    inflight.set(name, { value, seq: my });
    fieldErrors.delete(name);
    render();
    try {
      const next = await putSettings(target, { [name]: value });
      if (target !== camera) return;
      if (inflight.get(name)?.seq === my) inflight.delete(name);
      accept(next);
    } catch (err) {
      if (target !== camera) return;
      if (inflight.get(name)?.seq === my) {
        inflight.delete(name);
        fieldErrors.set(name, err);
      }
      render();
      // A refusal may have changed what the service records (a legacy board is now known as one).
      void load();
    }
  }

  root.querySelector('#st-form').addEventListener('change', (event) => {
    const target = event.target;
    const field = target.closest('.st-field');
    if (!field) return;
    const name = field.dataset.setting;
    const { spec } = fields.get(name);
    void change(name, readControl(spec, target));
  });
  // The slider's number follows the thumb while it moves; the change is sent when it is let go.
  root.querySelector('#st-form').addEventListener('input', (event) => {
    const target = event.target;
    if (target.type !== 'range') return;
    target.dataset.known = 'true';
    $(`${target.id}-output`).textContent = target.value;
  });
  root.querySelector('#st-form').addEventListener('submit', (event) => event.preventDefault());

  render();
  return {
    open(name) {
      if (name === camera) return;
      camera = name;
      view = null;
      inflight.clear();
      fieldErrors.clear();
      errors.hide();
      render();
      void load();
    },
    close() {
      camera = null;
      view = null;
      inflight.clear();
      fieldErrors.clear();
      errors.hide();
    },
    /** A `camera:settings` event: the service's view after any change, from any page. */
    apply(next) {
      if (next?.camera === camera) accept(next);
    },
    /** Asks again (after a reconnect, when events may have been missed). */
    refresh() {
      if (camera !== null) void load();
    },
  };
}
