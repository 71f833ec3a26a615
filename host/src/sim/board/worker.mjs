// @ts-check
/**
 * One boot of the simulated ESP32-CAM's MicroPython (from a chip reset or a soft reset to the next): a worker
 * thread running MicroPython-WASM with freshev's start-up (filesystem, boot.py, main.py) and its REPL on
 * the UART.
 *
 * It is plain JavaScript because Node 20 cannot start a worker from a .ts file, and it ships as-is
 * next to the fake hardware modules (`_sim_*.py`). The main thread owns the bus; this thread owns the
 * chip. They share:
 *  - `ctl` (Int32Array): a doorbell the main thread rings after posting on `inbox`, and fault counters;
 *  - `wdt` (Float64Array): the watchdog's timeout and last feed, so the main thread can bite even when
 *    the script is stuck in a loop that never sleeps;
 *  - one TX ring per slave (see tx-ring layout below), written here by setdata and drained by reads;
 *  - TX counters in `ctl`, so printing blocks while the UART line is behind (uart-stdio.mjs).
 * UART bytes arrive on `inbox` like bus deliveries. The thread never returns to its event loop after boot:
 * it blocks in Atomics.wait between events, and the host ends it with terminate() at the next chip reset.
 * Sleeping blocks this thread in Atomics.wait, which is what lets `while True: utime.sleep(1)` cost
 * nothing and lets bus events wake the script at once.
 */
import { parentPort, workerData, receiveMessageOnPort } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';
import { CTL, WDT, RING_HEADER_BYTES, RING_HEAD, RING_TAIL, RING_FIFO_BYTES } from './shared-layout.mjs';
import { UartStdio } from './uart-stdio.mjs';
import { UartRepl } from './uart-repl.mjs';

/**
 * @typedef {object} BootData
 * @property {number} resetAt absolute ms (timeOrigin + now) when the chip was last reset
 * @property {number} powerOnAt absolute ms when the board was first powered
 * @property {number} bootMs delay from reset until main.py runs (0 for a soft reset)
 * @property {boolean} soft a soft reset (Ctrl-D, machine.soft_reset): no start-up delay, the I2C driver stays
 * @property {boolean} raw the REPL was in raw mode (then main.py is not run)
 * @property {boolean} rawPaste the firmware offers raw-paste
 * @property {string} banner the friendly REPL's banner
 * @property {'ok'|'erased'|'corrupt'|'none'} fsState what the vfs partition holds
 * @property {number} fsBlocks the filesystem's capacity in 4 KB blocks
 * @property {{files: Array<[string, string]>, dirs: string[]}} fs the files (hex) and folders
 * @property {number[]} i2cUsed the mode installed on each I2C bus (-1 free), kept across a soft reset
 * @property {number} resetCause MicroPython's machine constant for this boot
 * @property {number} seed
 * @property {number} bootCount
 * @property {Record<string, Record<string, [string, number|string]>>} nvs what NVS commit()s kept (_sim_esp32.py)
 * @property {Record<string, string|number|boolean>} configOverrides
 * @property {SharedArrayBuffer} ctl
 * @property {SharedArrayBuffer} wdt
 * @property {{sensorDead: boolean, noPsram: boolean}} [hardware] faults of this chip boot: the camera sensor does
 *   not answer its probe; the PSRAM is missing
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

/** @type {any} MicroPython-WASM, once loaded */
let mp = null;

/**
 * Bulk data crosses between JS and the script as bytes in the WASM memory, never as strings: the webassembly
 * port collects garbage only when control returns to JS at the top level (ports/webassembly/main.c,
 * gc_collect with MICROPY_GC_SPLIT_HEAP_AUTO), which a board script that loops forever never does. So every
 * object the simulated board allocates stays until it reboots, and a frame passed as a hex string cost five
 * times its size; as bytes copied into the script's own buffer it costs its size once.
 * @type {WebAssembly.Memory | null}
 */
let wasmMemory = null;

/** Writes `bytes` at `ptr` in the WASM memory (a buffer the script allocated, uctypes.addressof). */
function copyIn(ptr, bytes) {
  if (wasmMemory) {
    new Uint8Array(wasmMemory.buffer, ptr, bytes.length).set(bytes);
    return;
  }
  for (let i = 0; i < bytes.length; i++) mp._module.setValue(ptr + i, bytes[i], 'i8');
}

/** A copy of `n` bytes at `ptr` in the WASM memory. */
function copyOut(ptr, n) {
  if (wasmMemory) return Buffer.from(new Uint8Array(wasmMemory.buffer, ptr, n));
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = mp._module.getValue(ptr + i, 'i8') & 0xff;
  return out;
}
const io = new UartStdio({
  post,
  ctl,
  interruptChar: () => (mp ? mp._module._mp_hal_get_interrupt_char() : -1),
  interrupt: () => mp?._module._mp_sched_keyboard_interrupt(),
  waitTx: (ms) => {
    const done = Atomics.load(ctl, CTL.TX_DONE);
    Atomics.wait(ctl, CTL.TX_DONE, done, ms);
    drainInbox();
  },
});

/** The chip stops here; the host ends this worker. */
function halt() {
  io.flush();
  for (;;) Atomics.wait(ctl, CTL.HALT, 0);
}

/** main.c's soft_reset_exit: the VM goes, the host starts a new one (and keeps the I2C driver and the WDT). */
function softReboot(raw) {
  io.write('MPY: soft reboot\r\n');
  io.flush();
  post({ t: 'soft-reset', raw });
  halt();
}

// Code that never sleeps only reaches JS through these hooks; they are where it notices a Ctrl-C. A bare
// `while True: pass` calls neither, so (unlike on the board) it cannot be interrupted: the watchdog, which
// the host checks, still bites it.
const realDateNow = Date.now;
Date.now = () => {
  if (Atomics.load(ctl, CTL.DOORBELL) !== received) drainInbox();
  return realDateNow();
};

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
/** Until when the script is frozen (an injected hang), in absNow() ms. */
let hangUntil = 0;
let hanging = false;

function drainInbox() {
  takeMessages();
  if (hangUntil > absNow() && !hanging) hang();
}

/**
 * An injected hang: the VM stops wherever it looked at its inbox, as a script stuck in C code would. Bus
 * deliveries keep arriving meanwhile (the slave task is another FreeRTOS task) and wait in the RX queue;
 * the callbacks for them run once the script goes on, and each reads getcbdata(), the last chunk.
 */
function hang() {
  hanging = true;
  io.flush();
  for (let rem = hangUntil - absNow(); rem > 0; rem = hangUntil - absNow()) {
    const rung = Atomics.load(ctl, CTL.DOORBELL);
    if (rung !== received) Atomics.wait(ctl, CTL.HALT, 0, Math.min(rem, 0.05));
    else Atomics.wait(ctl, CTL.DOORBELL, rung, rem);
    takeMessages();
  }
  hanging = false;
}

function takeMessages() {
  for (;;) {
    const m = receiveMessageOnPort(data.inbox);
    if (!m) return;
    received++;
    const msg = m.message;
    if (msg.t === 'hang') {
      hangUntil = msg.until;
    } else if (msg.t === 'rx') {
      let q = rxQueues.get(msg.addr);
      if (!q) rxQueues.set(msg.addr, (q = []));
      q.push(msg.hex);
    } else if (msg.t === 'frame') {
      frames.set(msg.id, msg);
    } else if (msg.t === 'uart') {
      io.rx(msg.bytes);
    }
  }
}

/**
 * Blocks until a message from the main thread has been taken in, or `ms` pass. The doorbell counts
 * the messages posted; a message can become readable a moment after its ring, so while the count is
 * ahead of what arrived this polls instead of sleeping on the doorbell.
 */
function waitDoorbell(ms, until = () => false) {
  io.flush();
  const end = absNow() + ms;
  const before = received;
  for (;;) {
    drainInbox();
    if (received !== before || until()) return;
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
function txWrite(bus, ptr, len) {
  const ring = rings.get(bus);
  if (!ring) return false;
  const n = Number(len);
  if (n === 0 || n > ring.wbuflen) return false;
  // Copied out before any wait: nothing in Python runs meanwhile, but the view must not outlive this call.
  const buf = copyOut(Number(ptr), n);
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
    io.flush(); // what was printed before this wait is on the wire meanwhile
    Atomics.wait(ring.hdr, RING_TAIL, tail, rem);
  }
}

/**
 * A test rig's hook, not a driver call: blocks until the master has read everything queued, or `ms` pass.
 * It lets a fixture force a master's read between two setdata calls instead of hoping a pause is long enough.
 */
function txWaitEmpty(bus, ms) {
  const ring = rings.get(bus);
  if (!ring) return false;
  const deadline = absNow() + ms;
  for (;;) {
    const head = Atomics.load(ring.hdr, RING_HEAD);
    const tail = Atomics.load(ring.hdr, RING_TAIL);
    if (head === tail) return true;
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

/**
 * `look` is the sensor settings the frame was exposed with ("vflip,hmirror,brightness,contrast,saturation,
 * effect,wb"), `ageMs` how long ago it was exposed: the driver may hand back a frame grabbed long before.
 * `ambient` is the scene's light then (0..1), `flashAgeMs` how long before now the flash LED went on (-1: it
 * was off when the frame was exposed).
 */
function camCapture(width, height, quality, format, fbLen, xclk, sizeIndex, look = '', ageMs = 0, ambient = 1, flashAgeMs = -1) {
  const start = absNow();
  const id = ++captureId;
  const flashOnAt = Number(flashAgeMs) < 0 ? undefined : start - Number(flashAgeMs);
  const vmBytes = wasmMemory ? wasmMemory.buffer.byteLength : 0;
  post({
    t: 'capture',
    id,
    vmBytes,
    width,
    height,
    quality,
    format,
    fbLen,
    look: String(look),
    exposedAt: start - Number(ageMs),
    ambient: Number(ambient),
    flashOnAt,
  });
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
  if (frame.outcome !== 'frame') return -1;
  pendingFrame = Buffer.from(frame.hex, 'hex');
  return pendingFrame.length;
}

/** The frame cam_capture() measured, copied into the bytearray the script allocated for it. */
let pendingFrame = null;

function camTake(ptr) {
  if (!pendingFrame) return 0;
  const n = pendingFrame.length;
  copyIn(Number(ptr), pendingFrame);
  pendingFrame = null;
  return n;
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
    post({ t: 'wdt-start', timeoutMs });
  },
  wdt_feed: () => {
    wdt[WDT.LAST_FEED] = absNow();
  },
  wait_input: (ms) => waitDoorbell(Math.max(0, Number(ms)), () => io.hasInput()),
  uart_pending: () => {
    drainInbox();
    return io.hasInput();
  },
  reboot: (cause, ms) => {
    if (cause === 'SOFT_RESET') softReboot(io.raw);
    io.flush();
    post({ t: 'reboot', cause, ms });
    halt();
  },
  i2c_state: () => data.i2cUsed.join(','),
  i2c_mode: (bus, mode) => post({ t: 'i2c-mode', bus, mode }),
  fs_seed: () => JSON.stringify(data.fs),
  nvs_seed: () => JSON.stringify(data.nvs ?? {}),
  nvs_commit: (json) => post({ t: 'nvs', data: JSON.parse(json) }),
  fs_write: (path, hex) => post({ t: 'fs', op: 'write', path, data: Buffer.from(hex, 'hex') }),
  fs_remove: (path) => post({ t: 'fs', op: 'remove', path }),
  fs_rename: (from, to) => post({ t: 'fs', op: 'rename', from, to }),
  fs_mkdir: (path) => post({ t: 'fs', op: 'mkdir', path }),
  fs_rmdir: (path) => post({ t: 'fs', op: 'rmdir', path }),
  load_error: (file, text) => {
    const loc = lastLocation(text);
    post({ t: 'load-error', file: loc.file || file, line: loc.line, message: text.trim().split('\n').pop() ?? '', text });
  },
  script_error: (_file, text) => post({ t: 'script-error', text: text.trimEnd() }),
  started: () => post({ t: 'started' }),
  fs_corrupt: () => post({ t: 'fs-corrupt' }),
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
  rx_next_len: (addr) => {
    drainInbox();
    const q = rxQueues.get(addr);
    return q && q.length ? q[0].length / 2 : -1;
  },
  rx_take: (addr, ptr) => {
    const q = rxQueues.get(addr);
    if (!q || !q.length) return 0;
    const bytes = Buffer.from(q.shift(), 'hex');
    copyIn(Number(ptr), bytes);
    return bytes.length;
  },
  tx_write: (bus, ptr, len) => txWrite(bus, ptr, len),
  tx_wait_empty: (bus, ms) => txWaitEmpty(bus, Number(ms)),
  cam_init_fault: () => {
    for (;;) {
      const left = Atomics.load(ctl, CTL.CAM_INIT_FAULTS);
      if (left <= 0) return false;
      if (Atomics.compareExchange(ctl, CTL.CAM_INIT_FAULTS, left, left - 1) === left) return true;
    }
  },
  cam_capture: camCapture,
  cam_take: camTake,
  ambient_light: () => Atomics.load(ctl, CTL.AMBIENT_PERMILLE) / 1000,
  cam_sensor_dead: () => Boolean(data.hardware?.sensorDead),
  psram_missing: () => Boolean(data.hardware?.noPsram),
};

// ---- boot ---------------------------------------------------------------------------------------------
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

function pyError(e) {
  if (e && typeof e === 'object' && 'type' in e && e.name === 'PythonError') {
    return { type: String(e.type), text: String(/** @type {Error} */ (e).message) };
  }
  return { type: 'JsError', text: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

const SIM_MODULES = ['_sim_core.py', '_sim_gc.py', '_sim_utime.py', '_sim_machine.py', '_sim_camera.py', '_sim_esp32.py', '_sim_vfs.py', '_sim_boot.py'];

/** The ESP32-CAM's MicroPython heap lives in its 4 MB PSRAM. */
const HEAP_BYTES = 4 * 1024 * 1024;

async function main() {
  // The runtime does not export its linear memory, but the instance it builds does: catching it there lets
  // frames and slave writes cross as bytes (see copyIn).
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async function (...args) {
    const result = await instantiate.apply(this, args);
    const exports = (result.instance ?? result).exports;
    for (const value of Object.values(exports)) if (value instanceof WebAssembly.Memory) wasmMemory = value;
    return result;
  };
  try {
    mp = await loadMicroPython({
      heapsize: HEAP_BYTES,
      linebuffer: false,
      stdout: (bytes) => io.out(bytes),
      stderr: (bytes) => io.out(bytes),
    });
  } finally {
    WebAssembly.instantiate = instantiate;
  }
  mp.registerJsModule('_simhw', hw);
  mp.FS.mkdirTree('/simboard');
  for (const name of SIM_MODULES) mp.FS.writeFile(`/simboard/${name}`, readFileSync(join(BOARD_DIR, name)));
  // The fake hardware modules load from the WASM's own filesystem, before the board's is mounted over it.
  mp.runPython(`
import sys
sys.path.insert(0, '/simboard')
import _sim_core, _sim_gc, _sim_utime, _sim_machine, _sim_camera, _sim_esp32, _sim_vfs, _sim_boot
sys.path.pop(0)
_sim_gc.HEAP_BYTES = ${HEAP_BYTES}
sys.modules['gc'] = _sim_gc
sys.modules['time'] = _sim_utime
sys.modules['utime'] = _sim_utime
sys.modules['machine'] = _sim_machine
sys.modules['camera'] = _sim_camera
sys.modules['esp32'] = _sim_esp32
import micropython
try:
    micropython.schedule = _sim_core.schedule
except Exception:
    pass
del sys
`);
  post({ t: 'loaded', ms: absNow() - data.resetAt });

  if (!data.soft) {
    // The ROM, the bootloader and MicroPython's own start-up take this long before main.py runs.
    const startAt = data.resetAt + data.bootMs;
    while (absNow() < startAt) waitDoorbell(startAt - absNow());
  }
  mp.globals.set('_sim_overrides', Object.keys(data.configOverrides ?? {}).length > 0 ? JSON.stringify(data.configOverrides) : '');
  mp.runPython(`_sim_boot.mount(${JSON.stringify(data.fsState)}, ${data.fsBlocks})`);
  mp.runPython(`_sim_boot.run_file('boot.py', globals())`);
  if (!data.raw) {
    mp.runPython(`_sim_rc = _sim_boot.run_file('main.py', globals(), _sim_overrides)`);
    if (mp.globals.get('_sim_rc') === 'ok') post({ t: 'main-ended' });
    mp.runPython('del _sim_rc');
  }
  mp.runPython('del _sim_overrides');
  const repl = new UartRepl({
    mp,
    io,
    rawPaste: data.rawPaste,
    banner: data.banner,
    onExec: (code, how) => post({ t: 'exec', code, how }),
    onOverrun: (o) => post({ t: 'paste-overrun', ...o }),
    onSoftReset: (raw) => softReboot(raw),
  });
  repl.start(data.raw);
  post({ t: 'repl', raw: data.raw });
  for (;;) {
    if (!io.hasInput()) {
      io.flush();
      mp.runPython('_sim_boot.idle_until_input()');
    }
    while (io.hasInput()) repl.feed(io.take());
  }
}

main().catch((e) => {
  const { text } = pyError(e);
  post({ t: 'worker-error', text: e instanceof Error && !('type' in e) ? (e.stack ?? text) : text });
});
