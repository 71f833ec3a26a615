/**
 * A MicroPython raw-REPL session over a byte link: interrupt, enter the raw REPL, run code and get its
 * stdout and exception text back as a result. Raw-paste (flow-controlled) when the board offers it, plain
 * raw mode otherwise. Watchdog-safe: the first code run after the interrupt re-arms the watchdog with a
 * maintenance-length timeout, and it is fed again before each exec once half that window has passed.
 */
import {
  END_OF_INPUT,
  ENTER_RAW,
  EXEC_INTERRUPT,
  EXIT_RAW,
  INTERRUPT,
  RAW_CHUNK_BYTES,
  RAW_PASTE_REQUEST,
  RawPasteWindow,
  type ReplEvent,
} from '../../../../protocol/src/repl/index.js';
import type { ReplLink } from './link.js';
import { ReplInbox } from './repl-inbox.js';
import { boardRebooted, noSerialData, notMicroPython, outputLimit, replProtocol, replTimeout } from './repl-errors.js';
import { DEFAULT_MAINTENANCE_WINDOW_MS, watchdogFeedCode } from './watchdog.js';

export interface RawReplOptions {
  /** The watchdog timeout set for the session (ms). Default 10 minutes. */
  maintenanceWindowMs?: number;
  /** Feed again before an exec once this long has passed since the last feed. Default half the window. */
  feedEveryMs?: number;
  /** How long to wait for the raw REPL banner after an interrupt. Default 3000 ms. */
  syncTimeoutMs?: number;
  /** Try raw-paste (default true). */
  rawPaste?: boolean;
  /** Called when the board reboots under the session. */
  onReboot?: (info: { code: number; cause: string; line: string }) => void;
}

export interface ExecOptions {
  /** Give up (and interrupt the code) after this long. Default 10 s. */
  timeoutMs?: number;
  /** Each stdout chunk as it arrives. */
  onStdout?: (chunk: Uint8Array) => void;
  /** Interrupt the code once it has printed more than this. Default 1 MiB. */
  maxOutputBytes?: number;
}

export interface ExecResult {
  stdout: string;
  stdoutBytes: Uint8Array;
  /** The exception text (traceback) when the code raised, else undefined. */
  error: string | undefined;
}

type Mode = 'unknown' | 'raw' | 'friendly';

const INTERRUPT_GRACE_MS = 2000;
const DRAIN_QUIET_MS = 50;
const DRAIN_MAX_MS = 500;
const RESEND_ENTER_MS = 500;

export class RawReplClient {
  private readonly inbox: ReplInbox;
  private readonly windowMs: number;
  private readonly feedEveryMs: number;
  private readonly syncTimeoutMs: number;
  private useRawPaste: boolean;
  private mode: Mode = 'unknown';
  private lastFeedAt = 0;
  /** Which path the last exec took; for diagnostics and tests. */
  lastExecPath: 'raw-paste' | 'raw' | undefined;

  constructor(
    private readonly link: ReplLink,
    private readonly options: RawReplOptions = {},
  ) {
    this.inbox = new ReplInbox(link);
    this.windowMs = options.maintenanceWindowMs ?? DEFAULT_MAINTENANCE_WINDOW_MS;
    this.feedEveryMs = options.feedEveryMs ?? this.windowMs / 2;
    this.syncTimeoutMs = options.syncTimeoutMs ?? 3000;
    this.useRawPaste = options.rawPaste ?? true;
  }

  get inRawRepl(): boolean {
    return this.mode === 'raw';
  }

  /** Whether raw-paste is still tried (false once the board has refused it). */
  get rawPasteEnabled(): boolean {
    return this.useRawPaste;
  }

  /** Stops whatever runs (main.py included) and waits until the board is quiet. */
  async interrupt(): Promise<void> {
    this.inbox.parser.expect('sync');
    await this.link.write(INTERRUPT);
    await this.inbox.quiet(DRAIN_QUIET_MS, Date.now() + DRAIN_MAX_MS);
    this.throwIfRomLoop();
    this.inbox.clear();
    this.mode = 'unknown';
  }

  /** Interrupt, enter the raw REPL, and re-arm the watchdog before anything else runs. */
  async enterRaw(): Promise<void> {
    await this.interrupt();
    this.inbox.parser.expect('sync');
    await this.link.write(ENTER_RAW);
    await this.waitForRawBanner();
    this.mode = 'raw';
    await this.feedWatchdog();
  }

  /** Feeds (or, after a reset, re-creates) the session's watchdog. */
  async feedWatchdog(): Promise<void> {
    const result = await this.run(watchdogFeedCode(this.windowMs), { timeoutMs: 5000 });
    if (result.error) throw notMicroPython(`machine.WDT failed: ${result.error.trim().split('\n').pop() ?? ''}`);
    this.lastFeedAt = Date.now();
  }

  /** Runs code on the board. An exception on the board is part of the result, not a thrown error. */
  async exec(code: string | Uint8Array, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.mode !== 'raw') await this.enterRaw();
    if (Date.now() - this.lastFeedAt >= this.feedEveryMs) await this.feedWatchdog();
    return this.run(code, options);
  }

  /** Soft reset from the raw REPL (runs boot.py, not main.py); the session stays in the raw REPL. */
  async softReset(): Promise<void> {
    if (this.mode !== 'raw') await this.enterRaw();
    this.inbox.parser.expect('sync');
    await this.link.write(END_OF_INPUT);
    await this.waitForRawBanner();
    await this.feedWatchdog();
  }

  /** Back to the friendly REPL (`>>> `). */
  async exitRaw(): Promise<void> {
    this.inbox.parser.expect('sync');
    await this.link.write(EXIT_RAW);
    const deadline = Date.now() + this.syncTimeoutMs;
    for (;;) {
      const event = await this.inbox.next(deadline);
      if (!event) throw notMicroPython(this.inbox.recentText());
      this.checkReboot(event);
      if (event.type === 'friendly-prompt') break;
    }
    this.mode = 'friendly';
  }

  /** Stops listening to the link (the caller closes it). */
  close(): void {
    this.inbox.detach();
  }

  /**
   * Waits for `raw REPL; CTRL-B to exit\r\n>`. A board that is still booting (after a reset, or a reboot
   * we just saw) drops what it is sent, so the interrupt and Ctrl-A are repeated until the deadline.
   */
  private async waitForRawBanner(): Promise<void> {
    const deadline = Date.now() + this.syncTimeoutMs;
    const before = this.inbox.bytesSeen;
    let resent = false;
    for (;;) {
      const event = await this.inbox.next(Math.min(deadline, Date.now() + RESEND_ENTER_MS));
      if (!event) {
        if (Date.now() >= deadline) {
          if (this.inbox.bytesSeen === before) throw noSerialData();
          throw notMicroPython(this.inbox.recentText());
        }
        this.inbox.parser.expect('sync');
        await this.link.write(INTERRUPT);
        await this.link.write(ENTER_RAW);
        resent = true;
        continue;
      }
      if (event.type === 'rom-loop') throw notMicroPython(event.line);
      if (event.type === 'reboot') {
        this.options.onReboot?.(event);
        continue;
      }
      if (event.type === 'prompt' && event.banner) {
        if (!resent) return;
        // Repeated requests may each be answered: let the answers finish, then ask once more, alone.
        await this.inbox.quiet(DRAIN_QUIET_MS * 2, Date.now() + DRAIN_MAX_MS);
        this.inbox.clear();
        this.inbox.parser.expect('sync');
        await this.link.write(ENTER_RAW);
        resent = false;
      }
    }
  }

  private throwIfRomLoop(): void {
    for (let e = this.inbox.poll(); e; e = this.inbox.poll()) {
      if (e.type === 'rom-loop') throw notMicroPython(e.line);
    }
  }

  private checkReboot(event: ReplEvent): void {
    if (event.type !== 'reboot') return;
    this.mode = 'unknown';
    this.lastFeedAt = 0;
    this.options.onReboot?.(event);
    throw boardRebooted(event.cause, event.line);
  }

  /** Sends code at the raw prompt and collects its result; the prompt has been consumed. */
  private async run(code: string | Uint8Array, options: ExecOptions): Promise<ExecResult> {
    const bytes = typeof code === 'string' ? new TextEncoder().encode(code) : code;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    if (this.useRawPaste && (await this.sendRawPaste(bytes, deadline))) this.lastExecPath = 'raw-paste';
    else {
      await this.sendPlain(bytes, deadline);
      this.lastExecPath = 'raw';
    }
    return this.collect(options, deadline, timeoutMs);
  }

  /** false when the board refused raw-paste (then it is back at its prompt and plain mode is used). */
  private async sendRawPaste(bytes: Uint8Array, deadline: number): Promise<boolean> {
    this.inbox.parser.expect('paste-reply');
    await this.link.write(RAW_PASTE_REQUEST);
    const reply = await this.expectEvent(deadline, ['raw-paste-ready', 'raw-paste-unsupported']);
    if (reply.type === 'raw-paste-unsupported') {
      this.useRawPaste = false;
      if (reply.legacy) await this.waitForRawBanner();
      else await this.expectEvent(deadline, ['prompt']);
      return false;
    }
    if (reply.type !== 'raw-paste-ready') return false;
    const window = new RawPasteWindow(reply.window);
    let sent = 0;
    while (sent < bytes.length) {
      for (let e = this.inbox.poll(); e; e = this.inbox.poll()) {
        if (this.onPasteEvent(e, window) === 'abort') return this.endAbortedPaste();
      }
      if (window.remaining === 0) {
        const e = await this.expectEvent(deadline, ['window-credit', 'abort']);
        if (this.onPasteEvent(e, window) === 'abort') return this.endAbortedPaste();
        continue;
      }
      const n = window.take(bytes.length - sent);
      await this.link.write(bytes.subarray(sent, sent + n));
      sent += n;
    }
    this.inbox.parser.pasteEnded();
    await this.link.write(END_OF_INPUT);
    // Credits still due for the last window arrive before the acknowledgement.
    await this.expectEvent(deadline, ['ok', 'abort']);
    return true;
  }

  private onPasteEvent(e: ReplEvent, window: RawPasteWindow): 'credit' | 'abort' {
    this.checkReboot(e);
    if (e.type === 'window-credit') {
      window.credit();
      return 'credit';
    }
    if (e.type === 'abort') return 'abort';
    if (e.type === 'unexpected') throw replProtocol(e.expected, e.data);
    return 'credit';
  }

  /** The board stopped reading (a syntax error found early): acknowledge, and its output follows. */
  private async endAbortedPaste(): Promise<boolean> {
    await this.link.write(END_OF_INPUT);
    return true;
  }

  private async sendPlain(bytes: Uint8Array, deadline: number): Promise<void> {
    for (let i = 0; i < bytes.length; i += RAW_CHUNK_BYTES) {
      await this.link.write(bytes.subarray(i, i + RAW_CHUNK_BYTES));
    }
    this.inbox.parser.expect('ok');
    await this.link.write(END_OF_INPUT);
    await this.expectEvent(deadline, ['ok']);
  }

  private async collect(options: ExecOptions, deadline: number, timeoutMs: number): Promise<ExecResult> {
    const maxOutput = options.maxOutputBytes ?? 1024 * 1024;
    const chunks: Uint8Array[] = [];
    let size = 0;
    let error: string | undefined;
    let overflowed = false;
    let timedOut = false;
    let hardDeadline = deadline;
    for (;;) {
      const e = await this.inbox.next(hardDeadline);
      if (!e) {
        if (timedOut) {
          this.mode = 'unknown';
          throw replTimeout(timeoutMs, false);
        }
        // The board's UART handler turns Ctrl-C into KeyboardInterrupt inside the running code.
        timedOut = true;
        hardDeadline = Date.now() + INTERRUPT_GRACE_MS;
        await this.link.write(EXEC_INTERRUPT);
        continue;
      }
      this.checkReboot(e);
      if (e.type === 'unexpected') throw replProtocol(e.expected, e.data);
      if (e.type === 'stdout' && !overflowed && !timedOut) {
        options.onStdout?.(e.data);
        size += e.data.length;
        chunks.push(e.data);
        if (size > maxOutput) {
          overflowed = true;
          hardDeadline = Date.now() + INTERRUPT_GRACE_MS;
          await this.link.write(EXEC_INTERRUPT);
        }
      } else if (e.type === 'error') error = e.text;
      else if (e.type === 'done') break;
    }
    await this.expectEvent(Date.now() + INTERRUPT_GRACE_MS, ['prompt']);
    if (timedOut) throw replTimeout(timeoutMs, true);
    if (overflowed) throw outputLimit(maxOutput);
    const stdoutBytes = Buffer.concat(chunks);
    return { stdout: new TextDecoder().decode(stdoutBytes), stdoutBytes, error };
  }

  private async expectEvent<T extends ReplEvent['type']>(deadline: number, types: T[]): Promise<Extract<ReplEvent, { type: T }>> {
    for (;;) {
      const e = await this.inbox.next(deadline);
      if (!e) {
        this.mode = 'unknown';
        throw replTimeout(undefined, false);
      }
      this.checkReboot(e);
      if (e.type === 'unexpected') throw replProtocol(e.expected, e.data);
      if ((types as string[]).includes(e.type)) return e as Extract<ReplEvent, { type: T }>;
    }
  }
}
