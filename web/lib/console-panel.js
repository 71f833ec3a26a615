/**
 * The serial console panel: xterm.js on the board's UART through the service (socket.io). Every tab that
 * connects to a port shares one session: the same output for all, input from any. Opening it never resets
 * the board (the service holds DTR/RTS at rest), and while it is open the port is the console's: a flash or
 * a push is refused until it is disconnected. xterm.js loads only when the panel is first opened.
 */
import { errorBox, errorBoxHtml } from './error-box.js';
import { loadPortsInto, refreshButtonHtml } from './ports.js';
import { pageSocket } from './socket.js';

/** The service takes at most 4096 bytes per message; 1000 UTF-16 units never encode to more. */
const INPUT_CHUNK = 1000;

const PANEL_HTML = `
<details class="fw con" id="con-details">
  <summary class="fw-summary" data-testid="con-toggle">
    <h2 id="console-heading">Serial console</h2>
    <span class="fw-state" id="con-state" data-testid="con-state">The board's REPL over USB</span>
  </summary>
  <div class="fw-body">
    <div class="fw-field">
      <label for="con-port">Serial port</label>
      <div class="con-port-row">
        <select id="con-port" data-testid="con-port"><option value="">Looking for ports…</option></select>
        ${refreshButtonHtml('con')}
        <button type="button" class="capture con-connect" id="con-connect" data-testid="con-connect">Connect</button>
      </div>
    </div>
    <p class="con-status" id="con-status" data-testid="con-status" role="status">Not connected. Connecting does not reset the board.</p>
    <div class="con-term" id="con-term" data-testid="con-term" aria-label="Serial console output"></div>
    <div class="con-keys" role="group" aria-label="Send control keys">
      <button type="button" class="secondary" data-testid="con-ctrl-c" data-bytes="03" title="Interrupt the running program">Ctrl-C</button>
      <button type="button" class="secondary" data-testid="con-ctrl-d" data-bytes="04" title="Soft reset (at the REPL prompt)">Ctrl-D</button>
      <button type="button" class="secondary" data-testid="con-ctrl-b" data-bytes="02" title="Leave the raw REPL">Ctrl-B</button>
      <button type="button" class="secondary" data-testid="con-reset" id="con-reset" title="Press RST through the port's RTS line">Reset board</button>
    </div>
    <form class="con-raw" id="con-raw" novalidate>
      <label for="con-raw-input">Raw bytes (hex)</label>
      <div class="con-raw-row">
        <input id="con-raw-input" data-testid="con-raw-input" placeholder="e.g. 03 0d 0a" autocomplete="off" spellcheck="false" inputmode="text">
        <button type="submit" class="secondary" data-testid="con-raw-send">Send</button>
      </div>
    </form>
    ${errorBoxHtml('con')}
  </div>
</details>`;

/** "03 0d0a" → bytes; null when it is not hex pairs. */
export function parseHexBytes(text) {
  const compact = text.replace(/0x/gi, '').replace(/[\s,]+/g, '');
  if (!compact || compact.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(compact)) return null;
  const bytes = new Uint8Array(compact.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(compact.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

async function loadXterm() {
  const [{ Terminal }, { FitAddon }] = await Promise.all([import('/vendor/xterm/lib/xterm.mjs'), import('/vendor/xterm-addon-fit/lib/addon-fit.mjs')]);
  if (!document.querySelector('link[data-xterm-css]')) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = '/vendor/xterm/css/xterm.css';
    link.dataset.xtermCss = 'true';
    document.head.append(link);
  }
  return { Terminal, FitAddon };
}

export function initConsolePanel(root = document.getElementById('console-panel')) {
  if (!root) return null;
  root.innerHTML = PANEL_HTML;
  const $ = (id) => root.querySelector(`#${id}`);
  const ui = {
    details: $('con-details'),
    state: $('con-state'),
    port: $('con-port'),
    refresh: $('con-refresh'),
    connect: $('con-connect'),
    status: $('con-status'),
    term: $('con-term'),
    raw: $('con-raw'),
    rawInput: $('con-raw-input'),
  };
  const errors = errorBox(root, 'con');
  const socket = pageSocket();
  let term = null;
  let fit = null;
  let connected = null;
  let connecting = false;

  function setState(state, text) {
    root.dataset.state = state;
    ui.status.textContent = text;
    ui.state.textContent = { open: 'Connected', closed: 'Not connected', failed: 'Disconnected', connecting: 'Connecting…' }[state] ?? state;
    ui.connect.textContent = state === 'open' ? 'Disconnect' : 'Connect';
    ui.connect.dataset.action = state === 'open' ? 'disconnect' : 'connect';
    ui.connect.disabled = state === 'connecting';
  }

  async function ensureTerminal() {
    if (term) return term;
    const { Terminal, FitAddon } = await loadXterm();
    term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      fontSize: 13,
      scrollback: 2000,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      theme: { background: '#0d0f12', foreground: '#d6dde4' },
    });
    fit = new FitAddon();
    term.loadAddon(fit);
    term.open(ui.term);
    fit.fit();
    new ResizeObserver(() => fit.fit()).observe(ui.term);
    term.onData((data) => sendText(data));
    root.dataset.terminal = 'ready';
    return term;
  }

  function emitInput(payload) {
    if (!connected || !socket) return;
    socket.emit('console:input', payload);
  }

  function sendText(text) {
    for (let i = 0; i < text.length; i += INPUT_CHUNK) emitInput(text.slice(i, i + INPUT_CHUNK));
  }

  async function loadPorts() {
    ui.refresh.disabled = true;
    try {
      const ports = await loadPortsInto(ui.port);
      if (!ports.length) ui.status.textContent = 'No serial port found: plug the board in with a data cable, then look again.';
    } catch (err) {
      errors.show(err);
    } finally {
      ui.refresh.disabled = false;
    }
  }

  async function connect() {
    if (connecting || connected || !socket) {
      if (!socket)
        errors.show({
          code: 'E_OFFLINE',
          message: 'The console needs the live connection to the service',
          hint: 'Reload the page; check that esp32cam serve is running.',
        });
      return;
    }
    errors.hide();
    connecting = true;
    setState('connecting', `Opening ${ui.port.value || 'the board'} at 115200 baud…`);
    try {
      await ensureTerminal();
      const reply = await socket.emitWithAck('console:join', ui.port.value ? { port: ui.port.value } : {});
      if (reply.error) throw reply.error;
      connected = reply.port;
      root.dataset.port = reply.port;
      term.reset();
      if (reply.scrollback) term.write(new Uint8Array(reply.scrollback));
      showOpen(reply.viewers);
      term.focus();
    } catch (err) {
      connected = null;
      setState('failed', 'Not connected.');
      errors.show(err);
    } finally {
      connecting = false;
    }
  }

  function showOpen(viewers) {
    const others = viewers > 1 ? ` · ${viewers - 1} other tab${viewers > 2 ? 's' : ''} watching` : '';
    setState('open', `Connected to ${connected} at 115200 baud${others}. Ctrl-C interrupts, Ctrl-D soft-resets.`);
  }

  async function disconnect() {
    if (!connected || !socket) return;
    const port = connected;
    connected = null;
    await socket.emitWithAck('console:disconnect', {});
    setState('closed', `Disconnected from ${port}; the port is free for flashing and pushing.`);
  }

  ui.details.addEventListener('toggle', () => {
    if (ui.details.open && ui.port.options.length <= 1 && !ui.port.value) loadPorts();
    if (ui.details.open && fit) fit.fit();
  });
  ui.refresh.addEventListener('click', loadPorts);
  ui.connect.addEventListener('click', () => (connected ? disconnect() : connect()));
  root.querySelector('#con-reset').addEventListener('click', async () => {
    if (!socket || !connected) return;
    const reply = await socket.emitWithAck('console:reset', {});
    if (reply?.error) errors.show(reply.error);
    term?.focus();
  });
  for (const button of root.querySelectorAll('[data-bytes]')) {
    button.addEventListener('click', () => {
      emitInput(parseHexBytes(button.dataset.bytes));
      term?.focus();
    });
  }
  ui.raw.addEventListener('submit', (event) => {
    event.preventDefault();
    const bytes = parseHexBytes(ui.rawInput.value);
    if (!bytes) {
      errors.show({ code: 'E_BAD_INPUT', message: 'Type the bytes as hex pairs', hint: 'For example 03 for Ctrl-C, or 0d 0a for a line end.' });
      return;
    }
    if (!connected) {
      errors.show({ code: 'E_BAD_INPUT', message: 'The console is not connected', hint: 'Press Connect first.' });
      return;
    }
    errors.hide();
    for (let i = 0; i < bytes.length; i += 4096) emitInput(bytes.subarray(i, i + 4096));
    ui.rawInput.value = '';
  });

  if (socket) {
    socket.on('console:output', ({ port, data }) => {
      if (port === connected && term) term.write(new Uint8Array(data));
    });
    socket.on('console:state', (event) => {
      if (event.port !== connected) return;
      if (event.state === 'open') {
        showOpen(event.viewers);
        return;
      }
      connected = null;
      if (event.error) {
        setState('failed', `Disconnected: ${event.error.message}.`);
        errors.show(event.error);
      } else {
        setState('closed', 'Disconnected (from another tab); the port is free for flashing and pushing.');
      }
    });
    socket.on('console:error', (error) => errors.show(error));
    socket.on('disconnect', () => {
      if (!connected) return;
      connected = null;
      setState('failed', 'The connection to the service was lost; connect again once it is back.');
    });
  }
  setState('closed', 'Not connected. Connecting does not reset the board.');
  root.dataset.ready = 'true';
  return { loadPorts };
}
