// @ts-check
/**
 * One boot of the simulated ESP32-CAM: a worker thread running the slave script in MicroPython-WASM.
 *
 * It is plain JavaScript because Node 20 cannot start a worker from a .ts file, and it ships as-is
 * next to the fake hardware modules (`_sim_*.py`). The main thread owns the bus; this thread owns the
 * chip. They share:
 *  - `ctl` (Int32Array): a doorbell the main thread rings after posting on `inbox`, and fault counters;
 *  - `wdt` (Float64Array): the watchdog's timeout and last feed, so the main thread can bite even when
 *    the script is stuck in a loop that never sleeps;
 *  - one TX ring per slave (see tx-ring layout below), written here by setdata and drained by reads.
 * Sleeping blocks this thread in Atomics.wait, which is what lets `while True: utime.sleep(1)` cost
 * nothing and lets bus events wake the script at once.
 */
import { parentPort, workerData, receiveMessageOnPort } from 'node:worker_threads';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';
import { CTL, WDT, RING_HEADER_BYTES, RING_HEAD, RING_TAIL, RING_FIFO_BYTES } from './shared-layout.mjs';

/**
 * @typedef {object} BootData
 * @property {string} scriptPath absolute path of the slave script
 * @property {number} resetAt absolute ms (timeOrigin + now) when this boot began
 * @property {number} powerOnAt absolute ms when the board was first powered
 * @property {number} bootMs delay from reset until the script runs
 * @property {number} resetCause MicroPython's machine constant for this boot
 * @property {number} seed
 * @property {number} bootCount
 * @property {Record<string, string|number|boolean>} configOverrides
 * @property {SharedArrayBuffer} ctl
 * @property {SharedArrayBuffer} wdt
 * @property {MessagePort} inbox
 */

const BOARD_DIR = dirname(fileURLToPath(import.meta.url));
const FB_GET_TIMEOUT_MS = 4000; // esp_camera.c: esp_camera_fb_get gives up after this
const SETDATA_TIMEOUT_MS = 500; // machine_i2c.c: I2C_SLAVE_MUTEX_TIMEOUT

const data = /** @type {BootData} */ (workerData);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const ctl = new Int32Array(data.ctl);
const wdt = new Float64Array(data.wdt);

const absNow = () => performance.timeOrigin + performance.now();
/** @param {Record<string, unknown>} msg */
const post = (msg) => port.postMessage(msg);

// ---- seeded RNG (mulberry32), so capture timing repeats under the same seed -------------------------
let rngState = (data.seed ^ Math.imul(data.bootCount + 1, 0x9e3779b9)) >>> 0;
function random() {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// ---- inbox: messages from the main thread, read synchronously --------------------------------------
/** @type {Map<number, string[]>} */
const rxQueues = new Map();
/** @type {Map<number, {hex: string|null, outcome: string}>} */
const frames = new Map();

let received = 0;

function drainInbox() {
  for (;;) {
    const m = receiveMessageOnPort(data.inbox);
    if (!m) return;
    received++;
    const msg = m.message;
    if (msg.t === 'rx') {
      let q = rxQueues.get(msg.addr);
      if (!q) rxQueues.set(msg.addr, (q = []));
      q.push(msg.hex);
    } else if (msg.t === 'frame') {
      frames.set(msg.id, msg);
    }
  }
}

/**
 * Blocks until a message from the main thread has been taken in, or `ms` pass. The doorbell counts
 * the messages posted; a message can become readable a moment after its ring, so while the count is
 * ahead of what arrived this polls instead of sleeping on the doorbell.
 */
function waitDoorbell(ms) {
  const end = absNow() + ms;
  const before = received;
  for (;;) {
    drainInbox();
    if (received !== before) return;
    const rem = end - absNow();
    if (rem <= 0) return;
    const rung = Atomics.load(ctl, CTL.DOORBELL);
    if (rung !== received) Atomics.wait(ctl, CTL.HALT, 0, Math.min(rem, 0.05));
    else Atomics.wait(ctl, CTL.DOORBELL, rung, rem);
  }
}

/** Blocks for `ms` while still collecting bus deliveries (C code holding the VM). */
function blockFor(ms) {
  const end = absNow() + ms;
  for (let rem = ms; rem > 0; rem = end - absNow()) waitDoorbell(rem);
}

// ---- TX rings ---------------------------------------------------------------------------------------
/** @type {Map<number, {hdr: Int32Array, bytes: Uint8Array, size: number, wbuflen: number}>} */
const rings = new Map();

/**
 * setdata: the whole buffer goes into the ring or none of it (xRingbufferSend on a byte buffer). The
 * hardware FIFO takes up to 32 bytes out of the ring at once, so that much more fits behind a full ring.
 */
function txWrite(bus, hex) {
  const ring = rings.get(bus);
  if (!ring) return false;
  const buf = Buffer.from(hex, 'hex');
  const n = buf.length;
  if (n === 0 || n > ring.wbuflen) return false;
  const deadline = absNow() + SETDATA_TIMEOUT_MS;
  for (;;) {
    const head = Atomics.load(ring.hdr, RING_HEAD);
    const tail = Atomics.load(ring.hdr, RING_TAIL);
    const used = (head - tail + ring.size) % ring.size;
    if (used + n <= ring.size - 1) {
      const first = Math.min(n, ring.size - head);
      ring.bytes.set(buf.subarray(0, first), head);
      if (first < n) ring.bytes.set(buf.subarray(first), 0);
      Atomics.store(ring.hdr, RING_HEAD, (head + n) % ring.size);
      return true;
    }
    const rem = deadline - absNow();
    if (rem <= 0) return false;
    Atomics.wait(ring.hdr, RING_TAIL, tail, rem);
  }
}

// ---- camera -----------------------------------------------------------------------------------------
let captureId = 0;

/**
 * The OV2640 streams a frame per period; esp32-camera with one buffer waits for the next VSYNC and
 * then a whole frame. Periods follow the sensor's three modes (CIF, SVGA, UXGA windows: 60, 30 and
 * 15 fps at a 24 MHz clock), scaled to the XCLK the script asked for (freshev's default is 10 MHz).
 */
function framePeriodMs(sizeIndex, xclkHz) {
  const fps24 = sizeIndex <= 6 ? 60 : sizeIndex <= 9 ? 30 : 15;
  return 1000 / (fps24 * (xclkHz / 24_000_000));
}

function camCapture(width, height, quality, format, fbLen, xclk, sizeIndex) {
  const start = absNow();
  const id = ++captureId;
  post({ t: 'capture', id, width, height, quality, format, fbLen });
  const period = framePeriodMs(sizeIndex, xclk);
  let frame;
  for (;;) {
    frame = frames.get(id);
    if (frame) break;
    waitDoorbell(1000);
  }
  frames.delete(id);
  // A frame that never arrives whole (camera fault, buffer overflow) is retried by the driver until
  // esp_camera_fb_get times out; a good frame costs the wait for VSYNC plus one frame period.
  const endAt = frame.outcome === 'frame' ? start + period * (1 + random()) : start + FB_GET_TIMEOUT_MS;
  blockFor(endAt - absNow());
  return frame.outcome === 'frame' ? frame.hex : null;
}

// ---- the bridge module the Python side imports as _simhw -------------------------------------------
const hw = {
  now_ms: () => absNow() - data.resetAt,
  rtc_s: () => (absNow() - data.powerOnAt) / 1000,
  wait: (ms) => waitDoorbell(Math.max(0, Number(ms))),
  pin: (pin, value) => post({ t: 'pin', pin, value }),
  wdt_start: (timeoutMs) => {
    wdt[WDT.LAST_FEED] = absNow();
    wdt[WDT.TIMEOUT] = timeoutMs;
  },
  wdt_feed: () => {
    wdt[WDT.LAST_FEED] = absNow();
  },
  reboot: (cause, ms) => {
    post({ t: 'reboot', cause, ms });
    // The chip is gone: wait here until the main thread ends this worker.
    for (;;) Atomics.wait(ctl, CTL.HALT, 0);
  },
  reset_cause: () => data.resetCause,
  unique_id_hex: () => {
    const id = Buffer.from([0x24, 0x0a, 0xc4, 0, 0, 0]);
    id.writeUIntBE(data.seed & 0xffffff, 3, 3);
    return id.toString('hex');
  },
  slave_up: (bus, addr, rbuflen, wbuflen) => {
    let ring = null;
    if (wbuflen > 0) {
      const size = wbuflen + RING_FIFO_BYTES + 1;
      const sab = new SharedArrayBuffer(RING_HEADER_BYTES + size);
      rings.set(bus, { hdr: new Int32Array(sab, 0, 2), bytes: new Uint8Array(sab, RING_HEADER_BYTES), size, wbuflen });
      ring = sab;
    } else {
      rings.delete(bus);
    }
    rxQueues.set(addr, []);
    post({ t: 'slave-up', bus, addr, rbuflen, wbuflen, ring });
  },
  slave_down: (bus) => {
    rings.delete(bus);
    post({ t: 'slave-down', bus });
  },
  slave_task: (bus) => post({ t: 'slave-task', bus }),
  take_rx: (addr) => {
    drainInbox();
    const q = rxQueues.get(addr);
    return q && q.length ? q.shift() : null;
  },
  tx_write: (bus, hex) => txWrite(bus, hex),
  cam_init_fault: () => {
    for (;;) {
      const left = Atomics.load(ctl, CTL.CAM_INIT_FAULTS);
      if (left <= 0) return false;
      if (Atomics.compareExchange(ctl, CTL.CAM_INIT_FAULTS, left, left - 1) === left) return true;
    }
  },
  cam_capture: camCapture,
};

// ---- boot ---------------------------------------------------------------------------------------------
/** Copies the script's folder (Python sources only) into the WASM filesystem at the same path. */
function mirrorFolder(FS, dir, depth) {
  FS.mkdirTree(dir);
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || name === 'node_modules' || name === '__pycache__') continue;
    const full = join(dir, name);
    let st;
    try {
      st = statSync(full);
    } catch {
      continue;
    }
    if (st.isDirectory() && depth > 0) mirrorFolder(FS, full, depth - 1);
    else if (st.isFile() && (name.endsWith('.py') || name.endsWith('.json')) && st.size < 1_000_000) {
      FS.writeFile(full, readFileSync(full));
    }
  }
}

/** "File "/x/main.py", line 3" → { file, line } from a MicroPython traceback. */
function lastLocation(text) {
  let file = '';
  let line = 0;
  for (const m of text.matchAll(/File "([^"]+)", line (\d+)/g)) {
    if (m[1] === '<stdin>') continue;
    file = m[1];
    line = Number(m[2]);
  }
  return { file, line };
}

/** The traceback without the frame of our own exec() wrapper. */
function cleanTraceback(text) {
  return text
    .split('\n')
    .filter((l) => !/^\s*File "<stdin>"/.test(l))
    .join('\n')
    .trimEnd();
}

function pyError(e) {
  if (e && typeof e === 'object' && 'type' in e && e.name === 'PythonError') {
    return { type: String(e.type), text: String(/** @type {Error} */ (e).message) };
  }
  return { type: 'JsError', text: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

async function main() {
  const mp = await loadMicroPython({
    heapsize: 4 * 1024 * 1024, // the ESP32-CAM's MicroPython heap lives in its 4 MB PSRAM
    linebuffer: true,
    stdout: (line) => post({ t: 'console', line }),
    stderr: (line) => post({ t: 'console', line }),
  });
  mp.registerJsModule('_simhw', hw);
  mp.FS.mkdirTree('/simboard');
  for (const name of ['_sim_core.py', '_sim_utime.py', '_sim_machine.py', '_sim_camera.py']) {
    mp.FS.writeFile(`/simboard/${name}`, readFileSync(join(BOARD_DIR, name)));
  }
  mp.runPython(`
import sys
sys.path.insert(0, '/simboard')
import _sim_core, _sim_utime, _sim_machine, _sim_camera
sys.path.pop(0)
sys.modules['time'] = _sim_utime
sys.modules['utime'] = _sim_utime
sys.modules['machine'] = _sim_machine
sys.modules['camera'] = _sim_camera
import micropython
try:
    micropython.schedule = _sim_core.schedule
except Exception:
    pass
`);
  post({ t: 'loaded', ms: absNow() - data.resetAt });

  // The ROM and MicroPython's own start-up take this long before main.py runs.
  const startAt = data.resetAt + data.bootMs;
  while (absNow() < startAt) Atomics.wait(ctl, CTL.HALT, 0, startAt - absNow());

  const scriptDir = dirname(data.scriptPath);
  let source;
  try {
    source = readFileSync(data.scriptPath, 'utf8');
    mirrorFolder(mp.FS, scriptDir, 2);
  } catch (e) {
    post({ t: 'load-error', file: data.scriptPath, line: 0, message: `cannot read the script: ${/** @type {Error} */ (e).message}` });
    return idle(mp);
  }
  mp.FS.writeFile(data.scriptPath, source);
  mp.globals.set('_sim_src', source);
  mp.globals.set('_sim_path', data.scriptPath);
  mp.globals.set('_sim_overrides', JSON.stringify(data.configOverrides ?? {}));
  try {
    mp.runPython(`
import sys, json
sys.path.insert(0, ${JSON.stringify(scriptDir)})
_sim_code = compile(_sim_src, _sim_path, 'exec')
del _sim_src
`);
  } catch (e) {
    const { text } = pyError(e);
    const loc = lastLocation(text);
    const last = text.trim().split('\n').pop() ?? 'SyntaxError';
    post({ t: 'load-error', file: loc.file || data.scriptPath, line: loc.line, message: last });
    return idle(mp);
  }
  if (Object.keys(data.configOverrides ?? {}).length > 0) {
    try {
      mp.runPython(`
try:
    import camconfig
except ImportError as _e:
    raise ImportError('configOverrides need camconfig.py next to the script')
for _k, _v in json.loads(_sim_overrides).items():
    setattr(camconfig, _k, _v)
`);
    } catch (e) {
      const { text } = pyError(e);
      const loc = lastLocation(text);
      post({ t: 'load-error', file: loc.file || join(scriptDir, 'camconfig.py'), line: loc.line, message: text.trim().split('\n').pop() });
      return idle(mp);
    }
  }

  post({ t: 'started' });
  try {
    mp.runPython(`exec(_sim_code, {'__name__': '__main__', '__file__': _sim_path})`);
    post({ t: 'main-ended' });
  } catch (e) {
    const { type, text } = pyError(e);
    if (type === 'SystemExit') {
      post({ t: 'main-ended' });
    } else {
      const tb = cleanTraceback(text);
      for (const line of tb.split('\n')) post({ t: 'console', line });
      post({ t: 'script-error', text: tb });
    }
  }
  return idle(mp);
}

/**
 * After main.py the board sits at the REPL. Its input loop still runs scheduled callbacks, so a slave
 * created before the script ended keeps answering, exactly as on hardware.
 */
function idle(mp) {
  try {
    mp.runPython(`
import _sim_core
while True:
    _sim_core.sleep_ms(1000)
`);
  } catch (e) {
    post({ t: 'worker-error', text: pyError(e).text });
  }
}

main().catch((e) => post({ t: 'worker-error', text: e instanceof Error ? e.stack ?? e.message : String(e) }));
