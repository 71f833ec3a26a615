/**
 * An incremental parser of what a MicroPython board sends back on its raw REPL. Feed it bytes as they
 * arrive (split anywhere); it returns typed events. The host tells it what it just sent with `expect()`,
 * because the same byte means different things after different requests (`\x04` ends stdout after code,
 * acknowledges the end of raw-paste data, or aborts it).
 */
import { parseResetBanner, isRomLoopLine } from './boot-banner.js';
import { CTRL_A, CTRL_D, FRIENDLY_PROMPT, RAW_BANNER, SOFT_REBOOT_LINE } from './constants.js';

export type ReplEvent =
  | { type: 'prompt'; banner: boolean }
  | { type: 'friendly-prompt' }
  | { type: 'soft-reboot' }
  | { type: 'ok' }
  | { type: 'stdout'; data: Uint8Array }
  | { type: 'stdout-end' }
  | { type: 'error'; text: string }
  | { type: 'done' }
  | { type: 'raw-paste-ready'; window: number }
  | { type: 'raw-paste-unsupported'; legacy: boolean }
  | { type: 'window-credit' }
  | { type: 'abort' }
  | { type: 'reboot'; code: number; cause: string; boot?: number; line: string }
  | { type: 'rom-loop'; line: string }
  | { type: 'unexpected'; expected: string; data: Uint8Array };

/** What the host just did, so the parser knows what the next bytes mean. */
export type ReplExpectation =
  /** Anything until the raw banner (after interrupt / enter-raw / soft reset / a reboot). */
  | 'sync'
  /** The `>` of the raw prompt. */
  | 'prompt'
  /** `OK` after code and `\x04` in plain raw mode, then stdout, `\x04`, error text, `\x04`, `>`. */
  | 'ok'
  /** The answer to `\x05A\x01`. */
  | 'paste-reply';

type State = ReplExpectation | 'idle' | 'ok-2' | 'paste-r' | 'paste-window' | 'paste' | 'stdout' | 'stderr';

const TAIL_KEEP = 64;
const LINE_CAP = 512;
const utf8 = new TextDecoder('utf-8');

export class ReplParser {
  private state: State = 'sync';
  private tail = '';
  private line = '';
  private pasteEndSent = false;
  private windowBytes: number[] = [];
  private stdout: number[] = [];
  private stderr: number[] = [];
  private events: ReplEvent[] = [];

  /** The host sent something: interpret what follows accordingly. */
  expect(what: ReplExpectation): void {
    this.state = what;
    this.tail = '';
    this.pasteEndSent = false;
  }

  /** The host sent the `\x04` that ends raw-paste data: a `\x04` from the device is now its acknowledgement, not an abort. */
  pasteEnded(): void {
    this.pasteEndSent = true;
  }

  get expectation(): string {
    return this.state;
  }

  feed(bytes: Uint8Array): ReplEvent[] {
    this.events = [];
    for (const b of bytes) {
      this.step(b);
      this.scanLine(b);
    }
    this.flushStdout();
    return this.events;
  }

  private emit(e: ReplEvent): void {
    this.events.push(e);
  }

  private step(b: number): void {
    switch (this.state) {
      case 'sync':
      case 'idle': {
        this.tail = (this.tail + String.fromCharCode(b)).slice(-TAIL_KEEP);
        if (this.state === 'sync' && this.tail.endsWith(RAW_BANNER)) {
          this.emit({ type: 'prompt', banner: true });
          this.state = 'idle';
        } else if (this.tail.endsWith(FRIENDLY_PROMPT)) {
          this.emit({ type: 'friendly-prompt' });
        } else if (this.tail.endsWith(`${SOFT_REBOOT_LINE}\r\n`)) {
          this.emit({ type: 'soft-reboot' });
        }
        return;
      }
      case 'prompt':
        // A banner still counts: some firmwares reprint it where others send the bare `>`.
        if (b === 0x3e) {
          this.emit({ type: 'prompt', banner: false });
          this.state = 'idle';
        }
        return;
      case 'ok':
        if (b === 0x4f /* O */) this.state = 'ok-2';
        else this.unexpected('OK', b);
        return;
      case 'ok-2':
        if (b === 0x4b /* K */) {
          this.emit({ type: 'ok' });
          this.state = 'stdout';
        } else this.unexpected('OK', b);
        return;
      case 'paste-reply':
        if (b === 0x52 /* R */) {
          this.state = 'paste-r';
        } else {
          // Firmware older than raw-paste keeps \x05 and A as code and answers the \x01 with the raw banner.
          this.emit({ type: 'raw-paste-unsupported', legacy: true });
          this.state = 'sync';
          this.tail = String.fromCharCode(b);
        }
        return;
      case 'paste-r':
        if (b === 0) {
          // pyexec.c: "R\x00" is followed by the raw prompt's `>`.
          this.emit({ type: 'raw-paste-unsupported', legacy: false });
          this.state = 'prompt';
        } else if (b === 1) {
          this.windowBytes = [];
          this.state = 'paste-window';
        } else this.unexpected('R\\x00 or R\\x01', b);
        return;
      case 'paste-window':
        this.windowBytes.push(b);
        if (this.windowBytes.length === 2) {
          this.emit({ type: 'raw-paste-ready', window: this.windowBytes[0]! | (this.windowBytes[1]! << 8) });
          this.state = 'paste';
        }
        return;
      case 'paste':
        if (b === CTRL_A) this.emit({ type: 'window-credit' });
        else if (b === CTRL_D) {
          this.emit(this.pasteEndSent ? { type: 'ok' } : { type: 'abort' });
          this.state = 'stdout';
        }
        return;
      case 'stdout':
        if (b === CTRL_D) {
          this.flushStdout();
          this.emit({ type: 'stdout-end' });
          this.state = 'stderr';
        } else this.stdout.push(b);
        return;
      case 'stderr':
        if (b === CTRL_D) {
          if (this.stderr.length > 0) this.emit({ type: 'error', text: utf8.decode(Uint8Array.from(this.stderr)) });
          this.stderr = [];
          this.emit({ type: 'done' });
          this.state = 'prompt';
        } else this.stderr.push(b);
        return;
    }
  }

  private unexpected(expected: string, b: number): void {
    this.emit({ type: 'unexpected', expected, data: Uint8Array.of(b) });
    this.state = 'sync';
    this.tail = String.fromCharCode(b);
  }

  private flushStdout(): void {
    if (this.stdout.length === 0) return;
    this.emit({ type: 'stdout', data: Uint8Array.from(this.stdout) });
    this.stdout = [];
  }

  /** Reset banners and ROM lines are recognised in every state: a reboot can come at any moment. */
  private scanLine(b: number): void {
    if (b !== 0x0a) {
      if (this.line.length < LINE_CAP) this.line += String.fromCharCode(b);
      return;
    }
    const line = this.line;
    this.line = '';
    const banner = parseResetBanner(line);
    if (banner) {
      this.flushStdout();
      this.stderr = [];
      this.emit({ type: 'reboot', ...banner });
      this.state = 'sync';
      this.tail = '';
    } else if (isRomLoopLine(line)) {
      this.emit({ type: 'rom-loop', line: line.trim() });
    }
  }
}
