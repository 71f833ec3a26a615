/**
 * The firmware panel: choose a serial port, pick a .bin, flash it, and follow the job (progress with
 * throughput, the flasher's log lines, then the board's boot log or the error with its hint). The job runs
 * in the service; its progress comes over socket.io, so the page may be closed and opened again meanwhile.
 */
import { send as call } from './api.js';
import { asSentence, formatBytes } from './format.js';
import { loadPortsInto, refreshButtonHtml } from './ports.js';
import { pageSocket } from './socket.js';

const MAX_LOG_LINES = 200;
/** Events of a job whose POST has not answered yet (socket.io can overtake the HTTP reply). */
const MAX_EARLY_EVENTS = 500;

const PANEL_HTML = `
<details class="fw" id="fw-details">
  <summary class="fw-summary" data-testid="fw-toggle">
    <h2 id="firmware-heading">Firmware</h2>
    <span class="fw-state" id="fw-state" data-testid="fw-state">Flash the board over USB</span>
  </summary>
  <div class="fw-body">
  <form class="fw-form" id="fw-form" novalidate>
    <div class="fw-field">
      <label for="fw-port">Serial port</label>
      <div class="fw-port-row">
        <select id="fw-port" data-testid="fw-port"><option value="">Looking for ports…</option></select>
        ${refreshButtonHtml('fw')}
      </div>
      <p class="fw-note" id="fw-port-note" data-testid="fw-port-note"></p>
    </div>
    <div class="fw-field">
      <label for="fw-file">Firmware file (.bin)</label>
      <input type="file" id="fw-file" data-testid="fw-file" accept=".bin,application/octet-stream">
      <p class="fw-note" id="fw-file-note" data-testid="fw-file-note"></p>
    </div>
    <div class="fw-options">
      <div class="fw-field">
        <label for="fw-offset">Offset</label>
        <input id="fw-offset" data-testid="fw-offset" value="auto" inputmode="text" autocomplete="off" spellcheck="false">
      </div>
      <div class="fw-field">
        <label for="fw-before">Reset</label>
        <select id="fw-before" data-testid="fw-before">
          <option value="auto">Auto</option>
          <option value="classic">DTR/RTS</option>
          <option value="usb-jtag">USB-JTAG</option>
          <option value="manual">Manual: buttons</option>
          <option value="no-reset">None: in download mode</option>
        </select>
      </div>
      <div class="fw-field">
        <label for="fw-baud">Baud</label>
        <select id="fw-baud" data-testid="fw-baud">
          <option value="115200">115200</option>
          <option value="460800" selected>460800</option>
          <option value="921600">921600</option>
        </select>
      </div>
    </div>
    <label class="fw-check">
      <input type="checkbox" id="fw-erase" data-testid="fw-erase">
      <span>Erase the whole flash first</span>
    </label>
    <button type="submit" class="capture fw-flash" id="fw-flash" data-testid="fw-flash">Flash</button>
  </form>
  <div class="progress" id="fw-progress" data-testid="fw-progress" hidden>
    <progress id="fw-bar" data-testid="fw-bar" aria-label="Flash progress"></progress>
    <p class="progress-text" id="fw-progress-text" data-testid="fw-progress-text" aria-live="polite"></p>
  </div>
  <ol class="fw-log" id="fw-log" data-testid="fw-log" aria-label="Flash log" hidden></ol>
  <div class="fw-result" id="fw-result" data-testid="fw-result" hidden>
    <p class="fw-result-text" id="fw-result-text" data-testid="fw-result-text"></p>
    <p class="fw-boot-title">The board printed on boot:</p>
    <pre class="fw-boot-log" id="fw-boot-log" data-testid="fw-boot-log"></pre>
  </div>
  <div class="error" id="fw-error" data-testid="fw-error" role="alert" hidden>
    <p class="error-message"><strong id="fw-error-message"></strong> <code id="fw-error-code" data-testid="fw-error-code"></code></p>
    <p class="error-hint" id="fw-error-hint" data-testid="fw-error-hint"></p>
  </div>
  </div>
</details>`;

const PHASE_TEXT = { erase: 'Erasing the flash', write: 'Writing', verify: 'Verified' };

const hex = (n) => `0x${Number(n).toString(16)}`;
const kbps = (bytesPerSecond) => `${Math.round((bytesPerSecond * 8) / 1000)} kbit/s`;

export function initFirmwarePanel(root = document.getElementById('firmware-panel')) {
  if (!root) return null;
  root.innerHTML = PANEL_HTML;
  const $ = (id) => root.querySelector(`#${id}`);
  const ui = {
    details: $('fw-details'),
    state: $('fw-state'),
    form: $('fw-form'),
    port: $('fw-port'),
    refresh: $('fw-refresh'),
    portNote: $('fw-port-note'),
    file: $('fw-file'),
    fileNote: $('fw-file-note'),
    offset: $('fw-offset'),
    before: $('fw-before'),
    baud: $('fw-baud'),
    erase: $('fw-erase'),
    flash: $('fw-flash'),
    progress: $('fw-progress'),
    bar: $('fw-bar'),
    progressText: $('fw-progress-text'),
    log: $('fw-log'),
    result: $('fw-result'),
    resultText: $('fw-result-text'),
    bootLog: $('fw-boot-log'),
    error: $('fw-error'),
    errorMessage: $('fw-error-message'),
    errorCode: $('fw-error-code'),
    errorHint: $('fw-error-hint'),
  };
  let ports = [];
  let jobId = null;
  let uploading = false;
  let early = [];
  let pollTimer = 0;
  const socket = pageSocket();

  function setBusy(busy) {
    ui.flash.disabled = busy;
    ui.flash.setAttribute('aria-busy', String(busy));
    ui.flash.textContent = busy ? 'Flashing…' : 'Flash';
    root.dataset.busy = String(busy);
  }

  function showError(err) {
    ui.errorMessage.textContent = err.message || 'Something went wrong';
    ui.errorCode.textContent = err.code || '';
    ui.errorHint.textContent = asSentence(err.hint);
    ui.errorHint.hidden = !err.hint;
    ui.error.dataset.code = err.code || '';
    ui.error.hidden = false;
  }

  function describePort() {
    const port = ports.find((p) => p.path === ui.port.value);
    if (!port) ui.portNote.textContent = '';
    else if (port.simulated) ui.portNote.textContent = `${port.path}, the service's simulated board behind a ${port.bridgeLabel}: ${port.resetNote}`;
    else ui.portNote.textContent = `${port.path}${port.byId ? ` (${port.byId})` : ''}, ${port.bridgeLabel}: ${port.resetNote}`;
  }

  async function loadPorts() {
    ui.refresh.disabled = true;
    try {
      ports = await loadPortsInto(ui.port);
      describePort();
      if (!ports.length) {
        ui.portNote.textContent = 'Plug the board in with a data cable, then look again.';
      }
    } catch (err) {
      showError(err);
    } finally {
      ui.refresh.disabled = false;
    }
  }

  function resetJobView() {
    ui.error.hidden = true;
    ui.result.hidden = true;
    ui.log.replaceChildren();
    ui.log.hidden = true;
    ui.progress.hidden = false;
    ui.bar.removeAttribute('value');
    delete ui.progress.dataset.phase;
  }

  function addLine(line) {
    const item = document.createElement('li');
    item.textContent = line;
    ui.log.append(item);
    while (ui.log.childElementCount > MAX_LOG_LINES) ui.log.firstElementChild.remove();
    ui.log.hidden = false;
    ui.log.scrollTop = ui.log.scrollHeight;
    if (!ui.progress.dataset.phase) ui.progressText.textContent = line;
  }

  function showProgress(p) {
    ui.progress.hidden = false;
    ui.progress.dataset.phase = p.phase;
    if (p.total > 0 && (p.phase !== 'erase' || p.written >= p.total)) {
      ui.bar.max = p.total;
      ui.bar.value = Math.min(p.written, p.total);
    } else {
      ui.bar.removeAttribute('value');
    }
    let text = PHASE_TEXT[p.phase] ?? p.phase;
    if (p.phase === 'write' && p.total > 0) {
      text += ` ${formatBytes(p.written)} / ${formatBytes(p.total)} (${Math.floor((100 * Math.min(p.written, p.total)) / p.total)} %)`;
    } else if (p.phase === 'erase') {
      text += p.written >= p.total ? ': done' : '…';
    }
    if (p.bytesPerSecond > 0) text += ` · ${kbps(p.bytesPerSecond)}`;
    ui.progressText.textContent = text;
  }

  function finishDone(result) {
    setBusy(false);
    jobId = null;
    ui.bar.max = 1;
    ui.bar.value = 1;
    ui.progress.dataset.phase = 'done';
    ui.progressText.textContent = `Done · ${kbps((result.effectiveKbps * 1000) / 8)}`;
    ui.resultText.textContent = `Wrote ${formatBytes(result.length)} at ${hex(result.offset)} to the ${result.chip} in ${result.writeSeconds.toFixed(1)} s, MD5 verified.`;
    ui.bootLog.textContent = result.bootLog || '(nothing: the board could not be reset through this port; press RST to start the new firmware)';
    ui.result.hidden = false;
    // The end is what matters: the new firmware's banner, or the ROM's complaint.
    ui.bootLog.scrollTop = ui.bootLog.scrollHeight;
    ui.state.textContent = 'Flashed';
    root.dataset.state = 'done';
  }

  function finishFailed(error) {
    setBusy(false);
    jobId = null;
    ui.progress.dataset.phase = 'failed';
    ui.bar.removeAttribute('value');
    ui.progress.hidden = true;
    showError(error);
    ui.state.textContent = 'Flash failed';
    root.dataset.state = 'failed';
  }

  /** Applies one socket.io event to the job shown. */
  function apply(event, data) {
    if (event === 'job:progress') showProgress(data);
    else if (event === 'job:log') addLine(data.line);
    else if (event === 'job:done') finishDone(data.result);
    else if (event === 'job:failed') finishFailed(data.error);
  }

  /** Shows a job from its snapshot: after a reconnect, or a job started in another tab. */
  function render(job) {
    resetJobView();
    jobId = job.state === 'running' ? job.id : null;
    for (const line of job.log) addLine(line);
    if (job.progress) showProgress(job.progress);
    if (job.state === 'running') {
      setBusy(true);
      ui.state.textContent = `Flashing ${job.port}…`;
      root.dataset.state = 'running';
    } else if (job.state === 'done') finishDone(job.result);
    else finishFailed(job.error);
  }

  function onEvent(event, data) {
    const id = event === 'job:started' ? data.job.id : data.id;
    if (id === jobId) {
      apply(event, data);
    } else if (uploading) {
      early.push([event, data]);
      if (early.length > MAX_EARLY_EVENTS) early.shift();
    } else if (event === 'job:started' && !jobId) {
      ui.details.open = true;
      render(data.job);
    }
  }

  async function catchUp() {
    if (!jobId) return;
    try {
      render((await call(`/api/jobs/${encodeURIComponent(jobId)}`)).job);
    } catch (err) {
      showError(err);
    }
  }

  /** Without socket.io the job is followed by asking for it. */
  function poll() {
    clearTimeout(pollTimer);
    if (!jobId) return;
    pollTimer = setTimeout(async () => {
      await catchUp();
      poll();
    }, 700);
  }

  async function flash(event) {
    event.preventDefault();
    if (jobId || uploading) return;
    ui.error.hidden = true;
    const file = ui.file.files[0];
    if (!ui.port.value) {
      showError({
        code: 'E_BAD_INPUT',
        message: 'Choose the serial port of the board',
        hint: 'Plug the board in and press the refresh button next to the port list.',
      });
      return;
    }
    if (!file) {
      showError({ code: 'E_BAD_INPUT', message: 'Choose the firmware file first', hint: 'Pick a .bin file such as firmware_camera.bin.' });
      return;
    }
    const query = new URLSearchParams({
      port: ui.port.value,
      offset: ui.offset.value.trim() || 'auto',
      baud: ui.baud.value,
      before: ui.before.value,
      erase: ui.erase.checked ? '1' : '0',
    });
    resetJobView();
    setBusy(true);
    uploading = true;
    early = [];
    root.dataset.state = 'uploading';
    ui.state.textContent = 'Uploading…';
    ui.progressText.textContent = `Uploading ${formatBytes(file.size)}…`;
    try {
      const { job } = await call(`/api/firmware?${query}`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/octet-stream' },
        body: file,
      });
      jobId = job.id;
      root.dataset.state = 'running';
      root.dataset.job = job.id;
      ui.state.textContent = `Flashing ${job.port}…`;
      ui.progressText.textContent = 'Connecting to the board…';
      uploading = false;
      for (const [name, data] of early.splice(0)) onEvent(name, data);
      if (!socket) poll();
    } catch (err) {
      uploading = false;
      early = [];
      setBusy(false);
      ui.progress.hidden = true;
      ui.state.textContent = 'Not flashed';
      root.dataset.state = 'refused';
      showError(err);
    }
  }

  ui.details.addEventListener('toggle', () => {
    if (ui.details.open && !ports.length) loadPorts();
  });
  ui.refresh.addEventListener('click', loadPorts);
  ui.port.addEventListener('change', describePort);
  ui.file.addEventListener('change', () => {
    const file = ui.file.files[0];
    ui.fileNote.textContent = file ? `${file.name}, ${formatBytes(file.size)}` : '';
  });
  ui.form.addEventListener('submit', flash);

  if (socket) {
    for (const name of ['job:started', 'job:progress', 'job:log', 'job:done', 'job:failed']) {
      // Pushes run as jobs too; this panel follows the flash jobs only.
      socket.on(name, (data) => data?.kind === 'flash' && onEvent(name, data));
    }
    let connectedBefore = false;
    socket.on('connect', () => {
      if (connectedBefore) catchUp();
      connectedBefore = true;
    });
  }
  root.dataset.ready = 'true';
  return { loadPorts };
}
