/**
 * The scripts panel: push the bundled slave script (or a .py file) to the board as a job in the service,
 * with its progress over socket.io, the result (bytes, bytes on the wire, time) and the board's files after.
 */
import { send as call } from './api.js';
import { errorBox, errorBoxHtml } from './error-box.js';
import { formatBytes } from './format.js';
import { loadPortsInto } from './ports.js';
import { pageSocket } from './socket.js';

const PANEL_HTML = `
<details class="fw sc" id="sc-details">
  <summary class="fw-summary" data-testid="sc-toggle">
    <h2 id="scripts-heading">Scripts on the board</h2>
    <span class="fw-state" id="sc-state" data-testid="sc-state">Push the slave script</span>
  </summary>
  <div class="fw-body">
  <form class="fw-form" id="sc-form" novalidate>
    <div class="fw-field">
      <label for="sc-port">Serial port</label>
      <div class="fw-port-row">
        <select id="sc-port" data-testid="sc-port"><option value="">Looking for ports…</option></select>
        <button type="button" class="secondary" id="sc-list" data-testid="sc-list">List files</button>
      </div>
    </div>
    <fieldset class="sc-what">
      <legend>What to push</legend>
      <label class="fw-check"><input type="radio" name="sc-what" value="bundled" data-testid="sc-bundled" checked> <span>The bundled slave script (main.py and camconfig.py)</span></label>
      <label class="fw-check"><input type="radio" name="sc-what" value="file" data-testid="sc-use-file"> <span>A .py file</span></label>
      <input type="file" id="sc-file" data-testid="sc-file" accept=".py,text/x-python">
    </fieldset>
    <label class="fw-check"><input type="checkbox" id="sc-force" data-testid="sc-force"> <span>Send even when unchanged</span></label>
    <label class="fw-check"><input type="checkbox" id="sc-run" data-testid="sc-run"> <span>Reset the board and check that it runs</span></label>
    <button type="submit" class="capture fw-flash" id="sc-push" data-testid="sc-push">Push</button>
  </form>
  <div class="progress" id="sc-progress" data-testid="sc-progress" hidden>
    <progress id="sc-bar" data-testid="sc-bar" aria-label="Push progress"></progress>
    <p class="progress-text" id="sc-progress-text" data-testid="sc-progress-text" aria-live="polite"></p>
  </div>
  <p class="fw-result sc-result" id="sc-result" data-testid="sc-result" hidden></p>
  <div class="sc-files" id="sc-files-box" hidden>
    <p class="fw-boot-title" id="sc-files-title"></p>
    <ul class="sc-files-list" id="sc-files" data-testid="sc-files"></ul>
  </div>
  ${errorBoxHtml('sc')}
  </div>
</details>`;

const PHASE = { check: 'Checking', write: 'Sending', verify: 'Verifying', rename: 'Renaming', skipped: 'Unchanged', done: 'Done' };

export function initScriptsPanel(root = document.getElementById('scripts-panel')) {
  if (!root) return null;
  root.innerHTML = PANEL_HTML;
  const $ = (id) => root.querySelector(`#${id}`);
  const ui = {
    details: $('sc-details'),
    state: $('sc-state'),
    form: $('sc-form'),
    port: $('sc-port'),
    list: $('sc-list'),
    file: $('sc-file'),
    force: $('sc-force'),
    run: $('sc-run'),
    push: $('sc-push'),
    progress: $('sc-progress'),
    bar: $('sc-bar'),
    progressText: $('sc-progress-text'),
    result: $('sc-result'),
    filesBox: $('sc-files-box'),
    filesTitle: $('sc-files-title'),
    files: $('sc-files'),
  };
  const errors = errorBox(root, 'sc');
  const socket = pageSocket();
  let jobId = null;
  let early = [];

  function setBusy(busy) {
    ui.push.disabled = busy;
    ui.push.textContent = busy ? 'Pushing…' : 'Push';
    root.dataset.busy = String(busy);
  }

  function showFiles(dir, files) {
    ui.filesTitle.textContent = `On the board in ${dir}:`;
    ui.files.replaceChildren(
      ...files.map((f) => {
        const li = document.createElement('li');
        li.dataset.name = f.name;
        li.textContent = f.type === 'dir' ? `${f.name}/` : `${f.name} · ${formatBytes(f.size)}`;
        return li;
      }),
    );
    ui.filesBox.hidden = false;
  }

  async function listFiles() {
    errors.hide();
    ui.list.disabled = true;
    try {
      const q = new URLSearchParams({ dir: '/' });
      if (ui.port.value) q.set('port', ui.port.value);
      const { dir, files } = await call(`/api/device/files?${q}`, { headers: { accept: 'application/json' } });
      showFiles(dir, files);
    } catch (err) {
      errors.show(err);
    } finally {
      ui.list.disabled = false;
    }
  }

  function apply(event, data) {
    if (event === 'job:progress') {
      ui.progress.hidden = false;
      ui.bar.max = Math.max(1, data.total);
      ui.bar.value = Math.min(data.sent, data.total);
      ui.progressText.textContent = `${data.sourceName} (${data.index + 1} of ${data.count}): ${PHASE[data.phase] ?? data.phase} ${formatBytes(data.sent)} / ${formatBytes(data.total)}`;
    } else if (event === 'job:done') {
      const { summary, listing, run } = data.result;
      jobId = null;
      setBusy(false);
      ui.progress.hidden = true;
      const ratio = summary.ratio ? `, ${summary.ratio.toFixed(2)}× on the wire` : '';
      ui.result.textContent = summary.pushed
        ? `Pushed ${summary.pushed} file${summary.pushed === 1 ? '' : 's'}, ${formatBytes(summary.bytes)}${ratio}, in ${summary.seconds.toFixed(1)} s, verified by SHA-256${summary.skipped ? `; ${summary.skipped} unchanged` : ''}.`
        : `Nothing to send: the board already has ${summary.skipped === 1 ? 'this file' : 'these files'}.`;
      if (run) ui.result.textContent += ` The board restarted and the script runs${run.banner ? `: ${run.banner}` : ''}.`;
      ui.result.hidden = false;
      showFiles('/', listing);
      ui.state.textContent = 'Pushed';
      root.dataset.state = 'done';
    } else if (event === 'job:failed') {
      jobId = null;
      setBusy(false);
      ui.progress.hidden = true;
      errors.show(data.error);
      ui.state.textContent = 'Push failed';
      root.dataset.state = 'failed';
    }
  }

  function onEvent(event, data) {
    const id = event === 'job:started' ? data.job.id : data.id;
    if (id === jobId) apply(event, data);
    else if (jobId === 'pending') early.push([event, data]);
  }

  async function push(event) {
    event.preventDefault();
    if (jobId) return;
    errors.hide();
    ui.result.hidden = true;
    const q = new URLSearchParams();
    if (ui.port.value) q.set('port', ui.port.value);
    const bundled = root.querySelector('input[name="sc-what"]:checked').value === 'bundled';
    let init;
    if (bundled) {
      init = {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ force: ui.force.checked, run: ui.run.checked }),
      };
    } else {
      const file = ui.file.files[0];
      if (!file) {
        errors.show({ code: 'E_BAD_INPUT', message: 'Choose the .py file first', hint: 'Pick a MicroPython script, or push the bundled slave script.' });
        return;
      }
      q.set('name', file.name);
      if (ui.force.checked) q.set('force', '1');
      if (ui.run.checked) q.set('run', '1');
      init = { method: 'POST', headers: { accept: 'application/json', 'content-type': 'text/x-python' }, body: file };
    }
    jobId = 'pending';
    early = [];
    setBusy(true);
    ui.state.textContent = 'Pushing…';
    root.dataset.state = 'running';
    ui.progress.hidden = false;
    ui.bar.removeAttribute('value');
    ui.progressText.textContent = 'Checking the script…';
    try {
      const { job } = await call(`/api/scripts/push?${q}`, init);
      jobId = job.id;
      root.dataset.job = job.id;
      for (const [name, data] of early.splice(0)) onEvent(name, data);
    } catch (err) {
      jobId = null;
      setBusy(false);
      ui.progress.hidden = true;
      ui.state.textContent = 'Not pushed';
      root.dataset.state = 'refused';
      errors.show(err);
    }
  }

  ui.details.addEventListener('toggle', async () => {
    if (!ui.details.open || ui.port.options.length > 1 || ui.port.value) return;
    try {
      await loadPortsInto(ui.port);
    } catch (err) {
      errors.show(err);
    }
  });
  ui.file.addEventListener('change', () => {
    if (ui.file.files[0]) root.querySelector('input[value="file"]').checked = true;
  });
  ui.list.addEventListener('click', listFiles);
  ui.form.addEventListener('submit', push);
  // Flash jobs share the job events; this panel follows the push jobs only.
  if (socket)
    for (const name of ['job:started', 'job:progress', 'job:log', 'job:done', 'job:failed'])
      socket.on(name, (data) => data?.kind === 'push' && onEvent(name, data));
  root.dataset.ready = 'true';
  return { listFiles };
}
