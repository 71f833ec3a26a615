// @ts-check
/**
 * The board side of a UART running MicroPython-WASM's REPL, in a worker thread so code that loops forever
 * blocks only this thread. Received bytes arrive on `inbox`; the main thread rings `ctl[0]` after each post
 * so the "UART interrupt" (polled from Date.now, which MicroPython's ticks call, and from stdout) can turn a
 * Ctrl-C into KeyboardInterrupt while code runs, as the ESP32's UART handler does.
 * Raw-paste is emulated here (the WASM REPL would spin on it): optional, window 128, credits delayed a turn.
 */
import { parentPort, workerData, receiveMessageOnPort } from 'node:worker_threads';
import { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const { rawPaste, ctl: ctlBuf, inbox } = workerData;
const ctl = new Int32Array(ctlBuf);
const WINDOW = 128;
const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n>';

let seen = 0;
/** @type {number[]} */ const pending = [];
/** @type {number[]} */ let outBuf = [];
let tail = '';
let rawMode = false;
let swallow = 0;
let muted = false;
/** @type {number[]} */ let line = [];
/** @type {null | { data: number[]; received: number; granted: number; dueCredits: number }} */ let paste = null;
let processing = false;

function flush() {
  if (outBuf.length === 0) return;
  port.postMessage({ type: 'tx', bytes: Uint8Array.from(outBuf) });
  outBuf = [];
}

/** @param {Iterable<number>} bytes */
function emit(bytes) {
  for (const b of bytes) {
    if (muted) continue;
    if (swallow > 0) {
      swallow--;
      continue;
    }
    outBuf.push(b);
    tail = (tail + String.fromCharCode(b)).slice(-40);
    if (tail.endsWith(RAW_BANNER)) rawMode = true;
    else if (tail.endsWith('>>> ')) rawMode = false;
  }
  if (outBuf.length >= 64) flush();
  poll();
}
const text = (/** @type {string} */ s) => Buffer.from(s, 'latin1');

const mp = await loadMicroPython({ stdout: (/** @type {Uint8Array} */ c) => emit(c), stderr: (/** @type {Uint8Array} */ c) => emit(c), linebuffer: false, heapsize: 2 * 1024 * 1024 });
const mod = mp._module;

function poll() {
  // A UART sends what is in its FIFO even while the code loops.
  flush();
  const now = Atomics.load(ctl, 0);
  if (now === seen) return;
  seen = now;
  for (let m = receiveMessageOnPort(inbox); m; m = receiveMessageOnPort(inbox)) rx(m.message);
}

/** @param {Uint8Array} bytes */
function rx(bytes) {
  const ic = mod._mp_hal_get_interrupt_char();
  for (const b of bytes) {
    if (ic >= 0 && b === ic) mod._mp_sched_keyboard_interrupt();
    else pending.push(b);
  }
}

const realNow = Date.now;
Date.now = () => {
  poll();
  return realNow();
};

mp.runPython(
  [
    'import sys',
    'class WDT:',
    '  log = []',
    '  def __init__(self, id=0, timeout=5000):',
    '    self.timeout = timeout',
    "    type(self).log.append(('new', timeout))",
    '  def feed(self):',
    "    type(self).log.append(('feed', self.timeout))",
    'class machine:',
    '  pass',
    'machine.WDT = WDT',
    "sys.modules['machine'] = machine",
    'del WDT, machine',
  ].join('\n'),
);

/** @param {number} b */
function feed(b) {
  if (paste) return feedPaste(b);
  if (rawMode && b === 0x01 && line.length === 2 && line[0] === 0x05 && line[1] === 0x41) {
    line = [];
    process1(0x03); // clears the raw REPL's line, silently
    if (!rawPaste) return emit(text('R\x00>'));
    paste = { data: [], received: 0, granted: 2 * WINDOW, dueCredits: 0 };
    return emit(Uint8Array.of(0x52, 0x01, WINDOW & 0xff, WINDOW >> 8, 0x01));
  }
  if (rawMode) {
    // Ctrl-B leaves the raw REPL: what it had buffered (the \r of `\r\x02`) must not prefix the next raw-paste request.
    if (b === 0x01 || b === 0x02 || b === 0x03) line = [];
    else if (b === 0x04) {
      if (line.length > 0) port.postMessage({ type: 'exec', code: Buffer.from(line).toString('utf8') });
      line = [];
    } else line.push(b);
  }
  process1(b);
}

/** @param {number} b */
function process1(b) {
  const ret = mp.replProcessChar(b);
  if (ret & 0x100) softReset();
}

function softReset() {
  const wasRaw = rawMode;
  emit(text('MPY: soft reboot\r\n'));
  muted = true;
  mp.replInit();
  muted = false;
  rawMode = false;
  if (wasRaw) process1(0x01);
  else emit(text('\r\nMicroPython v1.27.0 on 2025-12-10; JS with Emscripten\r\nType "help()" for more information.\r\n>>> '));
}

/** @param {number} b */
function feedPaste(b) {
  const p = /** @type {NonNullable<typeof paste>} */ (paste);
  if (b === 0x04) {
    emit(new Uint8Array(p.dueCredits).fill(0x01));
    paste = null;
    emit([0x04]);
    port.postMessage({ type: 'exec', code: Buffer.from(p.data).toString('utf8'), rawPaste: true });
    swallow = 2; // raw-paste sends no "OK"
    for (const c of p.data) mp.replProcessChar(c);
    process1(0x04);
    return;
  }
  if (b === 0x03) {
    paste = null;
    return emit(text('\x04\x04KeyboardInterrupt: \r\n\x04>'));
  }
  p.data.push(b);
  p.received++;
  if (p.received > p.granted) port.postMessage({ type: 'overrun', received: p.received, granted: p.granted });
  if (p.received % WINDOW === 0) {
    p.dueCredits++;
    p.granted += WINDOW;
    // The credit goes out a turn later, so a host that ignores the window would overrun.
    setImmediate(() => {
      if (paste === p && p.dueCredits > 0) {
        p.dueCredits--;
        emit([0x01]);
        flush();
      }
      drain();
    });
  }
}

function drain() {
  if (processing) return;
  processing = true;
  try {
    while (pending.length > 0) feed(/** @type {number} */ (pending.shift()));
  } finally {
    processing = false;
  }
  flush();
}

inbox.on('message', (/** @type {Uint8Array} */ bytes) => {
  rx(bytes);
  drain();
});
port.on('message', (msg) => {
  if (msg === 'poll') drain();
});

mp.replInit();
flush();
port.postMessage({ type: 'ready' });
