/**
 * The Health panel of a camera's view: its state, when it last answered, what the board says about itself,
 * reboots by cause, and a timeline of health events (newest first) with the hint for each. It loads
 * GET /api/cameras/:name/health when a camera opens, follows `status` and `health:event` from the socket, and
 * asks again now and then for what the socket does not push (last seen, uptime, free heap). A simulated camera
 * also gets a "Simulate a fault" form, so a demo can show the panel react.
 */
import { getHealth, simFault } from './api.js';
import { errorBox, errorBoxHtml } from './error-box.js';
import { formatTaken, formatTakenLong, formatUptime } from './format.js';
import { asSentence, eventTitle, formatAgo, formatCameraOk, formatCauseLong, formatHeap, formatInterval, formatReboots, setBadge } from './health-format.js';

/** Entries the timeline keeps in the page; the service keeps more (GET /api/health). */
export const MAX_EVENTS = 50;
/** How often the report is asked for again while the panel is open: the keep-alive, within these bounds. */
const MIN_POLL_MS = 2000;
const MAX_POLL_MS = 15000;

/**
 * Friendlier labels for the fault kinds a simulated camera lists in its status (`sim.faults`, from
 * host/src/sim/runtime-faults.ts); a kind the page does not know yet is offered with the service's own words.
 * `arg` is the number the kind takes, if any; an empty number is left out, so the service's default applies.
 */
const FAULT_LABELS = {
  hang: [{ value: 'hang', arg: 'seconds', label: 'Hang: the script freezes', placeholder: 'e.g. 10' }],
  reboot: [
    { value: 'reboot-watchdog', cause: 'watchdog', label: 'Reboot: task watchdog' },
    { value: 'reboot-panic', cause: 'panic', label: 'Reboot: panic (Guru Meditation)' },
    { value: 'reboot-power', cause: 'power', label: 'Reboot: power / EN' },
  ],
  brownout: [{ value: 'brownout', arg: 'count', label: 'Brownout loop', placeholder: '3' }],
  'camera-init': [{ value: 'camera-init', arg: 'count', label: 'Camera init failure', placeholder: '1' }],
  'lost-script': [{ value: 'lost-script', label: 'Lost slave script' }],
  'bus-stuck': [{ value: 'bus-stuck', arg: 'seconds', label: 'Bus stuck (SDA held low)', placeholder: 'until reset' }],
  desync: [{ value: 'desync', label: 'Desynced reply ring' }],
  'invalid-header': [{ value: 'invalid-header', arg: 'count', label: 'Invalid header boot loop (GPIO12)', placeholder: 'until cleared' }],
  'no-psram': [{ value: 'no-psram', label: 'No PSRAM' }],
};

/** The form's choices for the kinds the service lists, in its order. */
function faultChoices(kinds) {
  return kinds.flatMap(({ kind, usage, description }) => {
    const known = FAULT_LABELS[kind];
    if (known) return known.map((f) => ({ ...f, kind }));
    const arg = /seconds/.test(usage) ? 'seconds' : /count/.test(usage) ? 'count' : undefined;
    return [{ value: kind, kind, arg, label: `${kind}: ${description}`, placeholder: '' }];
  });
}

const ARG_LABEL = { seconds: 'Seconds', count: 'Boots' };

const PANEL_HTML = `
<div class="hp-head">
  <h2 id="health-heading">Health</h2>
  <span class="health-badge" id="hp-state" data-testid="health-state" data-state="unknown" role="status">Not checked yet</span>
</div>
<p class="hp-recovering" id="hp-recovering" data-testid="health-recovering" hidden></p>
<p class="fw-note hp-load" id="hp-load" data-testid="health-load"></p>
<div class="hp-body">
  <dl class="facts hp-facts">
    <dt>Last seen</dt>
    <dd><time id="hp-last-seen" data-testid="health-last-seen">–</time></dd>
    <dt>Board uptime</dt>
    <dd id="hp-uptime" data-testid="health-uptime">–</dd>
    <dt>Boot count</dt>
    <dd id="hp-boots" data-testid="health-boots">–</dd>
    <dt>Reset cause</dt>
    <dd id="hp-cause" data-testid="health-cause">–</dd>
    <dt>Free heap</dt>
    <dd id="hp-heap" data-testid="health-heap">–</dd>
    <dt>Camera sensor</dt>
    <dd id="hp-sensor" data-testid="health-sensor">–</dd>
    <dt>Keep-alive</dt>
    <dd id="hp-keepalive" data-testid="health-keepalive">–</dd>
    <dt>Reboots</dt>
    <dd id="hp-reboots" data-testid="health-reboots">–</dd>
    <dt>Resets, last hour</dt>
    <dd id="hp-resets" data-testid="health-resets">–</dd>
    <dt>Last error</dt>
    <dd id="hp-last-error" data-testid="health-last-error">None</dd>
  </dl>
  <div class="hp-events">
    <h3 class="hp-subhead" id="hp-timeline-heading">Timeline</h3>
    <ol class="hp-timeline" id="hp-timeline" data-testid="health-timeline" aria-labelledby="hp-timeline-heading" aria-live="polite"></ol>
    <p class="fw-note" id="hp-timeline-empty">No health events yet.</p>
  </div>
</div>
<details class="fw hp-fault" id="hp-fault" data-testid="health-fault" hidden>
  <summary class="fw-summary" data-testid="health-fault-toggle"><h3 class="hp-subhead">Simulate a fault</h3></summary>
  <form class="hp-fault-form" id="hp-fault-form" novalidate>
    <p class="fw-note">This camera is simulated: inject what a real board does and watch this panel react.</p>
    <div class="hp-fault-row">
      <div class="fw-field">
        <label for="hp-fault-kind">Fault</label>
        <select id="hp-fault-kind" data-testid="health-fault-kind"></select>
      </div>
      <div class="fw-field">
        <label for="hp-fault-arg" id="hp-fault-arg-label">Seconds</label>
        <input type="number" id="hp-fault-arg" data-testid="health-fault-arg" inputmode="numeric" min="1" step="1">
      </div>
      <button type="submit" class="secondary" id="hp-fault-inject" data-testid="health-fault-inject">Inject</button>
    </div>
    <p class="fw-note" id="hp-fault-note" data-testid="health-fault-note" aria-live="polite"></p>
  </form>
  ${errorBoxHtml('hp')}
</details>`;

const eventKey = (e) => `${e.at}|${e.type}|${e.step ?? ''}|${e.outcome ?? ''}|${e.reason}`;
const newestFirst = (a, b) => Date.parse(b.at) - Date.parse(a.at);

/** Returns { open(name, camera), close(), applyStatus(camera), applyEvent(event), refresh() } for app.js. */
export function initHealthPanel(root = document.getElementById('health-panel')) {
  if (!root) return null;
  root.innerHTML = PANEL_HTML;
  const $ = (id) => root.querySelector(`#${id}`);
  const ui = {
    state: $('hp-state'),
    recovering: $('hp-recovering'),
    load: $('hp-load'),
    lastSeen: $('hp-last-seen'),
    uptime: $('hp-uptime'),
    boots: $('hp-boots'),
    cause: $('hp-cause'),
    heap: $('hp-heap'),
    sensor: $('hp-sensor'),
    keepAlive: $('hp-keepalive'),
    reboots: $('hp-reboots'),
    resets: $('hp-resets'),
    lastError: $('hp-last-error'),
    timeline: $('hp-timeline'),
    timelineEmpty: $('hp-timeline-empty'),
    fault: $('hp-fault'),
    faultForm: $('hp-fault-form'),
    faultKind: $('hp-fault-kind'),
    faultArg: $('hp-fault-arg'),
    faultArgLabel: $('hp-fault-arg-label'),
    faultInject: $('hp-fault-inject'),
    faultNote: $('hp-fault-note'),
  };
  const errors = errorBox(root, 'hp');

  /** The open camera and what is known of it; `name` null while the grid shows. */
  let view = emptyView(null);
  let pollTimer = 0;
  let tickTimer = 0;
  let soonTimer = 0;

  function emptyView(name) {
    return { name, events: new Map(), lastSeenAt: null, keepAliveMs: NaN, liveSeq: 0, loading: null, again: false };
  }

  let faults = [];
  /** Offers the kinds this camera's simulator lists; kept when the list has not changed. */
  function setFaultKinds(kinds) {
    const next = faultChoices(kinds ?? []);
    if (next.map((f) => f.value).join() === faults.map((f) => f.value).join()) return;
    faults = next;
    ui.faultKind.replaceChildren(
      ...faults.map((f) => {
        const option = document.createElement('option');
        option.value = f.value;
        option.textContent = f.label;
        return option;
      }),
    );
    syncFaultArg();
  }

  function syncFaultArg() {
    const f = faults.find((x) => x.value === ui.faultKind.value) ?? faults[0];
    if (!f) return;
    ui.faultArg.disabled = !f.arg;
    ui.faultArg.placeholder = f.arg ? f.placeholder : 'not needed';
    ui.faultArgLabel.textContent = f.arg ? ARG_LABEL[f.arg] : 'No number';
    if (!f.arg) ui.faultArg.value = '';
  }
  ui.faultKind.addEventListener('change', syncFaultArg);
  syncFaultArg();

  ui.faultForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = view.name;
    if (name === null) return;
    const f = faults.find((x) => x.value === ui.faultKind.value);
    if (!f) return;
    const body = { kind: f.kind };
    if (f.cause) body.cause = f.cause;
    // The number goes as typed; the service says what is wrong with it, and the error box shows that.
    if (f.arg && ui.faultArg.value.trim() !== '') body[f.arg] = Number(ui.faultArg.value);
    errors.hide();
    ui.faultNote.textContent = '';
    ui.faultInject.disabled = true;
    try {
      const res = await simFault(name, body);
      if (view.name !== name) return;
      ui.faultNote.textContent = `Injected ${res?.fault ?? f.kind}${res?.description ? `: ${res.description}` : ''}.`;
      refreshSoon();
    } catch (err) {
      if (view.name === name) errors.show(err);
    } finally {
      ui.faultInject.disabled = false;
    }
  });

  function setState(state) {
    setBadge(ui.state, state);
    root.dataset.state = ui.state.dataset.state;
  }

  function setLastSeen(iso) {
    if (iso && (!view.lastSeenAt || Date.parse(iso) > Date.parse(view.lastSeenAt))) view.lastSeenAt = iso;
    renderLastSeen();
  }

  function renderLastSeen() {
    const iso = view.lastSeenAt;
    ui.lastSeen.textContent = formatAgo(iso);
    if (iso) {
      ui.lastSeen.dateTime = iso;
      ui.lastSeen.title = formatTakenLong(iso);
    } else {
      ui.lastSeen.removeAttribute('datetime');
      ui.lastSeen.removeAttribute('title');
    }
  }

  function renderTimeline() {
    const events = [...view.events.values()].sort(newestFirst);
    // The DOM holds a bounded list; what falls off is forgotten here too.
    for (const e of events.slice(MAX_EVENTS)) view.events.delete(eventKey(e));
    ui.timeline.replaceChildren(...events.slice(0, MAX_EVENTS).map(eventItem));
    ui.timelineEmpty.hidden = events.length > 0;
  }

  function addEvents(list) {
    for (const e of list) {
      if (e && typeof e.at === 'string' && typeof e.reason === 'string') view.events.set(eventKey(e), e);
    }
    renderTimeline();
  }

  function applyReport(report, liveSeqAtStart) {
    // A state pushed while the request was out is at least as new as the one in the report.
    if (view.liveSeq === liveSeqAtStart) setState(report.state);
    setLastSeen(report.lastSeenAt);
    ui.uptime.textContent = Number.isFinite(report.uptimeMs) ? formatUptime(report.uptimeMs / 1000) : '–';
    ui.boots.textContent = Number.isInteger(report.bootCount) ? String(report.bootCount) : '–';
    ui.cause.textContent = formatCauseLong(report.resetCause);
    ui.heap.textContent = formatHeap(report.freeHeap);
    ui.sensor.textContent = formatCameraOk(report.cameraOk);
    ui.sensor.dataset.ok = String(report.cameraOk);
    ui.keepAlive.textContent = formatInterval(report.keepAliveMs);
    ui.reboots.textContent = formatReboots(report.counters?.reboots);
    ui.resets.textContent = Number.isInteger(report.counters?.resetsLastHour) ? String(report.counters.resetsLastHour) : '–';
    const err = report.lastError;
    ui.lastError.textContent = err ? `${err.message} (${err.code})` : 'None';
    ui.lastError.classList.toggle('has-error', Boolean(err));
    const rec = report.recovering;
    ui.recovering.hidden = !rec;
    ui.recovering.textContent = rec
      ? `Recovering: ${eventTitle({ type: 'recovery', step: rec.step }).replace(/^Recovery: /, '')}, since ${formatTaken(rec.since)}`
      : '';
    view.keepAliveMs = report.keepAliveMs;
    addEvents(Array.isArray(report.events) ? report.events : []);
  }

  /** Loads the report; a call while one is out asks for one more pass after it (its answer may be stale). */
  function load() {
    if (view.name === null) return Promise.resolve();
    if (view.loading) {
      view.again = true;
      return view.loading;
    }
    const current = view;
    current.loading = (async () => {
      do {
        current.again = false;
        const seq = current.liveSeq;
        try {
          const report = await getHealth(current.name);
          if (view !== current) return;
          applyReport(report, seq);
          ui.load.textContent = '';
        } catch (err) {
          if (view !== current) return;
          ui.load.textContent = `Could not load the health report: ${err.message}`;
        }
      } while (current.again && view === current);
    })().finally(() => {
      current.loading = null;
      if (view === current) schedulePoll();
    });
    return current.loading;
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    if (view.name === null || document.hidden) return;
    const every = Number.isFinite(view.keepAliveMs) && view.keepAliveMs > 0 ? view.keepAliveMs : MAX_POLL_MS;
    pollTimer = setTimeout(load, Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, every)));
  }

  /** Events come in bursts (a state change with its recovery steps): one request after the burst. */
  function refreshSoon() {
    clearTimeout(soonTimer);
    soonTimer = setTimeout(load, 250);
  }

  document.addEventListener('visibilitychange', () => {
    if (view.name === null) return;
    if (document.hidden) clearTimeout(pollTimer);
    else load();
  });

  function open(name, camera) {
    if (view.name === name) return;
    close();
    view = emptyView(name);
    setState(camera?.health?.state);
    setLastSeen(camera?.health?.lastSeenAt);
    for (const el of [ui.uptime, ui.boots, ui.cause, ui.heap, ui.sensor, ui.keepAlive, ui.reboots, ui.resets]) el.textContent = '–';
    ui.lastError.textContent = 'None';
    ui.lastError.classList.remove('has-error');
    ui.recovering.hidden = true;
    ui.load.textContent = '';
    ui.faultNote.textContent = '';
    errors.hide();
    ui.fault.hidden = !camera?.simulated;
    setFaultKinds(camera?.sim?.faults);
    renderTimeline();
    tickTimer = setInterval(renderLastSeen, 1000);
    void load();
  }

  function close() {
    clearTimeout(pollTimer);
    clearTimeout(soonTimer);
    clearInterval(tickTimer);
    view = emptyView(null);
  }

  /** The open camera's entry of a `status` or `camera:status` message. */
  function applyStatus(camera) {
    if (!camera || camera.name !== view.name) return;
    ui.fault.hidden = !camera.simulated;
    setFaultKinds(camera.sim?.faults);
    if (camera.health) {
      view.liveSeq += 1;
      setState(camera.health.state);
      setLastSeen(camera.health.lastSeenAt);
    }
  }

  /** A `health:event` from the socket: any camera's; only the open one's shows. */
  function applyEvent(event) {
    if (!event || event.camera !== view.name) return;
    const entry = { ...event };
    delete entry.camera;
    addEvents([entry]);
    if (event.type === 'state' && event.to) {
      view.liveSeq += 1;
      setState(event.to);
    }
    // Reboots, recovery steps and diagnoses change the counters and facts the report holds.
    refreshSoon();
  }

  return { open, close, applyStatus, applyEvent, refresh: load };
}

function eventItem(e) {
  const li = document.createElement('li');
  li.className = 'hp-event';
  li.dataset.testid = 'health-event';
  li.dataset.type = e.type;
  if (e.to) li.dataset.to = e.to;
  if (e.step) li.dataset.step = e.step;
  if (e.outcome) li.dataset.outcome = e.outcome;
  if (e.fault) li.dataset.fault = e.fault;
  const head = document.createElement('p');
  head.className = 'hp-event-head';
  const time = document.createElement('time');
  time.dateTime = e.at;
  time.title = formatTakenLong(e.at);
  time.textContent = formatTaken(e.at);
  const title = document.createElement('strong');
  title.className = 'hp-event-title';
  title.textContent = eventTitle(e);
  head.append(title, time);
  li.append(head);
  const reason = document.createElement('p');
  reason.className = 'hp-event-reason';
  reason.textContent = asSentence(e.reason);
  li.append(reason);
  if (e.hint) {
    const hint = document.createElement('p');
    hint.className = 'hp-event-hint';
    hint.dataset.testid = 'health-event-hint';
    hint.textContent = asSentence(e.hint);
    li.append(hint);
  }
  return li;
}
