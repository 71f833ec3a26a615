// @ts-check
/**
 * The REPL on the simulated board's UART: MicroPython-WASM's event-driven REPL (replInit/replProcessChar)
 * does the friendly and the raw REPL, and this adds what the board has and the WASM build lacks: raw-paste,
 * the ESP32 camera build's banner, and soft reset (the 0x100 PYEXEC_FORCED_EXIT return) handed to the host.
 */
import { RawPaste, RAW_PASTE_WINDOW } from './raw-paste.mjs';

const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n>';
/** The WASM build's banner line; the board's replaces it (pyexec.c prints it on Ctrl-B). */
const WASM_BANNER_LINE = /MicroPython v[^\r\n;]*; JS with Emscripten/;
const CTRL_A = 0x01;
const CTRL_B = 0x02;
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const CTRL_E = 0x05;

export class UartRepl {
  /**
   * @param {object} o
   * @param {{ replInit(): void, replProcessChar(c: number): number }} o.mp
   * @param {import('./uart-stdio.mjs').UartStdio} o.io
   * @param {boolean} o.rawPaste whether the firmware offers raw-paste
   * @param {string} o.banner the friendly REPL's banner with its first prompt
   * @param {(code: string, how: 'raw' | 'raw-paste') => void} o.onExec
   * @param {(o: {arrived: number, granted: number}) => void} o.onOverrun
   * @param {(raw: boolean) => void} o.onSoftReset
   */
  constructor(o) {
    this.o = o;
    /** The raw REPL's line so far (to spot `\x05A\x01`, and to log what runs). @type {number[]} */
    this.line = [];
    /** @type {RawPaste | null} */
    this.paste = null;
  }

  get raw() {
    return this.o.io.raw;
  }

  /** After boot.py/main.py: the REPL starts in the mode it was in before a soft reset. @param {boolean} raw */
  start(raw) {
    const { io, mp } = this.o;
    io.mute(() => {
      mp.replInit();
      if (raw) this.process(CTRL_A);
    });
    io.write(raw ? RAW_BANNER : this.o.banner);
  }

  /** One byte from the UART's stdin. @param {number} b */
  feed(b) {
    if (this.paste) return this.feedPaste(this.paste, b);
    if (this.raw && b === CTRL_A && this.line.length === 2 && this.line[0] === CTRL_E && this.line[1] === 0x41) return this.startPaste();
    // Ctrl-A (enter raw), Ctrl-B (leave it) and Ctrl-C start a fresh raw line in every mode: a line kept from
    // before the friendly REPL would hide the next `\x05A\x01`, and the WASM REPL spins forever on one.
    if (b === CTRL_A || b === CTRL_B || b === CTRL_C) this.line = [];
    else if (this.raw) {
      if (b === CTRL_D) {
        if (this.line.length > 0) this.o.onExec(Buffer.from(this.line).toString('utf8'), 'raw');
        this.line = [];
      } else this.line.push(b);
    }
    if (b === CTRL_B) {
      const text = this.o.io.capture(() => this.process(b));
      const line = this.o.banner.split('\r\n')[0] ?? '';
      this.o.io.write(text.replace(WASM_BANNER_LINE, line));
      return;
    }
    this.process(b);
  }

  /** @param {number} b */
  process(b) {
    const ret = this.o.mp.replProcessChar(b);
    if (ret & 0x100) this.o.onSoftReset(this.raw);
  }

  startPaste() {
    const { io } = this.o;
    this.line = [];
    io.mute(() => this.process(CTRL_C)); // clears the raw REPL's line, which prints nothing
    if (!this.o.rawPaste) {
      // Firmware without raw-paste: do_reader_stdin's "unsupported" answer, then the prompt again.
      io.write('R\x00>');
      return;
    }
    const paste = new RawPaste(RAW_PASTE_WINDOW, io.stdin.length, this.o.onOverrun);
    this.paste = paste;
    io.onArrive = (n) => paste.arrive(n);
    io.write([0x52, 0x01, RAW_PASTE_WINDOW & 0xff, RAW_PASTE_WINDOW >> 8, 0x01]);
    io.flush();
  }

  /** @param {RawPaste} paste @param {number} b */
  feedPaste(paste, b) {
    const { io } = this.o;
    const r = paste.consume(b);
    if (r === 'credit') {
      io.write([0x01]);
      io.flush();
      return;
    }
    if (r === 'data') return;
    this.paste = null;
    io.onArrive = null;
    if (r === 'abort') {
      // The reader saw Ctrl-C: end-of-data, KeyboardInterrupt as the result, back at the raw prompt.
      io.write('\x04\x04KeyboardInterrupt: \r\n\x04>');
      return;
    }
    io.write([0x04]);
    io.flush();
    this.o.onExec(paste.code(), 'raw-paste');
    // The code goes through the WASM raw REPL, whose "OK" raw-paste does not send.
    for (const c of paste.data) this.o.mp.replProcessChar(c);
    io.swallow('OK');
    this.process(CTRL_D);
  }
}
