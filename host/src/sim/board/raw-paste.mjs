// @ts-check
/**
 * Raw-paste mode (MicroPython shared/runtime/pyexec.c, `mp_reader_new_stdin`), done by the simulator because
 * MicroPython-WASM's event-driven REPL cannot read stdin while it compiles. The board grants two windows at
 * the start (the window size itself counts as one, the \x01 after it as the other) and one more each time a
 * window's worth of bytes has been consumed. Bytes arriving beyond what was granted are an overrun: a host
 * that ignores the flow control, which a real board would lose bytes to.
 */
export const RAW_PASTE_WINDOW = 128;

export class RawPaste {
  /**
   * @param {number} window
   * @param {number} alreadyArrived bytes in stdin when the mode started
   * @param {(o: {arrived: number, granted: number}) => void} onOverrun
   */
  constructor(window, alreadyArrived, onOverrun) {
    this.window = window;
    /** @type {number[]} */
    this.data = [];
    this.granted = 2 * window;
    this.arrived = alreadyArrived;
    this.onOverrun = onOverrun;
    this.overrun = false;
  }

  /** The host's bytes reach the board. @param {number} n */
  arrive(n) {
    this.arrived += n;
    if (this.arrived > this.granted && !this.overrun) {
      this.overrun = true;
      this.onOverrun({ arrived: this.arrived, granted: this.granted });
    }
  }

  /**
   * One byte consumed: 'credit' when it completed a window (send \x01), 'end' on Ctrl-D, 'abort' on Ctrl-C.
   * @param {number} b
   * @returns {'data' | 'credit' | 'end' | 'abort'}
   */
  consume(b) {
    if (b === 0x04) return 'end';
    if (b === 0x03) return 'abort';
    this.data.push(b);
    if (this.data.length % this.window === 0) {
      this.granted += this.window;
      return 'credit';
    }
    return 'data';
  }

  code() {
    return Buffer.from(this.data).toString('utf8');
  }
}
