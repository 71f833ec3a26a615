// @ts-check
/**
 * The ESP32's UART0 as MicroPython in the worker sees it.
 *
 * RX: bytes from the host land in the stdin buffer, except the interrupt character (Ctrl-C unless
 * micropython.kbd_intr changed it), which the UART handler turns into a KeyboardInterrupt at once, as
 * freshev's uart.c does. Bytes typed before a Ctrl-C stay in the buffer for the REPL.
 *
 * TX: what MicroPython-WASM prints, cooked like mp_hal_stdout_tx_strn_cooked (a bare LF becomes CR LF; the
 * REPL's own CR LF stays as it is), batched to the main thread, which paces it at the baud rate. The
 * worker blocks while more than the driver's TX buffer is still on its way, so a script that prints
 * forever runs at line rate, as on the board.
 */
import { CTL } from './shared-layout.mjs';

/** The UART driver's TX ring buffer in freshev's port (uart.c installs it with 2 KB... plus the 128-byte FIFO). */
const TX_BUFFER_BYTES = 2048;
const FLUSH_AFTER_BYTES = 256;
const FLUSH_AFTER_MS = 5;
const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n>';
const SIM_FRAME = '  File "/simboard/';

export class UartStdio {
  /**
   * @param {object} o
   * @param {(msg: Record<string, unknown>) => void} o.post
   * @param {Int32Array} o.ctl
   * @param {() => number} o.interruptChar the VM's current interrupt char (-1: none)
   * @param {() => void} o.interrupt schedules KeyboardInterrupt in the VM
   * @param {(ms: number) => void} o.waitTx blocks up to ms for the line to drain, still taking in messages
   */
  constructor(o) {
    this.o = o;
    /** @type {number[]} */
    this.stdin = [];
    /** @type {number[]} */
    this.txBuf = [];
    this.firstAt = 0;
    this.prev = 0;
    this.muted = 0;
    /** @type {string | null} */
    this.captured = null;
    this.swallowText = '';
    this.tail = '';
    /** Whether the REPL is in raw mode, as its own output says. */
    this.raw = false;
    /** @type {((n: number) => void) | null} called with the count of bytes arriving for stdin */
    this.onArrive = null;
    /** @type {string | null} the start of a line that may be one of our own traceback frames */
    this.held = null;
  }

  // ---- RX ------------------------------------------------------------------------------------------------
  /** @param {Uint8Array} bytes */
  rx(bytes) {
    const ic = this.o.interruptChar();
    let n = 0;
    for (const b of bytes) {
      if (ic >= 0 && b === ic) this.o.interrupt();
      else {
        this.stdin.push(b);
        n++;
      }
    }
    if (n > 0) this.onArrive?.(n);
  }

  hasInput() {
    return this.stdin.length > 0;
  }

  /** @returns {number} */
  take() {
    return /** @type {number} */ (this.stdin.shift());
  }

  // ---- TX ------------------------------------------------------------------------------------------------
  /** What the VM prints (its stdout/stderr hook). @param {Uint8Array} bytes */
  out(bytes) {
    for (const b of bytes) {
      // Traceback frames inside the simulator's own modules stand for C code on the board: not shown.
      if (this.held !== null || (b === 0x20 && this.prev === 0x0a)) {
        this.held = (this.held ?? '') + String.fromCharCode(b);
        if (SIM_FRAME.startsWith(this.held)) continue;
        if (this.held.startsWith(SIM_FRAME)) {
          if (b === 0x0a) this.held = null;
          continue;
        }
        const held = this.held;
        this.held = null;
        for (let i = 0; i < held.length; i++) this.outByte(held.charCodeAt(i));
        continue;
      }
      this.outByte(b);
    }
  }

  /** @param {number} b */
  outByte(b) {
    this.track(b);
    if (this.muted > 0) return;
    if (this.swallowText) {
      if (b === this.swallowText.charCodeAt(0)) {
        this.swallowText = this.swallowText.slice(1);
        return;
      }
      this.swallowText = '';
    }
    if (b === 0x0a && this.prev !== 0x0d) this.put(0x0d);
    this.put(b);
  }

  /** Bytes the simulator itself prints as the firmware would (already with CR LF). @param {string | Uint8Array | number[]} data */
  write(data) {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (const b of bytes) {
      this.track(b);
      this.put(b);
    }
  }

  /** Runs fn with the VM's output dropped. @param {() => void} fn */
  mute(fn) {
    this.muted++;
    try {
      fn();
    } finally {
      this.muted--;
    }
  }

  /** Runs fn and returns what the VM printed instead of sending it. @param {() => void} fn */
  capture(fn) {
    const outer = this.captured;
    this.captured = '';
    try {
      fn();
      return this.captured;
    } finally {
      this.captured = outer;
    }
  }

  /** The next bytes the VM prints are dropped if they are exactly `text` (raw-paste sends no "OK"). */
  swallow(text) {
    this.swallowText = text;
  }

  /** @param {number} b */
  track(b) {
    this.tail = (this.tail + String.fromCharCode(b)).slice(-32);
    if (this.tail.endsWith(RAW_BANNER)) this.raw = true;
    else if (this.tail.endsWith('>>> ')) this.raw = false;
  }

  /** @param {number} b */
  put(b) {
    this.prev = b;
    if (this.captured !== null) {
      this.captured += String.fromCharCode(b);
      return;
    }
    if (this.txBuf.length === 0) this.firstAt = performance.now();
    this.txBuf.push(b);
    if (this.txBuf.length >= FLUSH_AFTER_BYTES || performance.now() - this.firstAt > FLUSH_AFTER_MS) this.flush();
  }

  /** Hands what is buffered to the line, waiting while the driver's TX buffer is full. */
  flush() {
    if (this.txBuf.length === 0) return;
    const { ctl } = this.o;
    while (Atomics.load(ctl, CTL.TX_SENT) - Atomics.load(ctl, CTL.TX_DONE) > TX_BUFFER_BYTES) this.o.waitTx(20);
    const bytes = Uint8Array.from(this.txBuf);
    this.txBuf = [];
    Atomics.add(ctl, CTL.TX_SENT, bytes.length);
    this.o.post({ t: 'uart', bytes });
  }
}
