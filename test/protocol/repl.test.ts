import { describe, expect, it } from 'vitest';
import { RawPasteWindow, ReplParser, parseResetBanner, type ReplEvent } from '../../protocol/src/repl/index.js';

const b = (s: string) => Buffer.from(s, 'latin1');
/** Feeds one byte at a time: events must not depend on how the stream is split. */
function feedBytewise(p: ReplParser, s: string): ReplEvent[] {
  return [...b(s)].flatMap((x) => p.feed(Uint8Array.of(x)));
}
const types = (events: ReplEvent[]) => events.map((e) => e.type);
const stdoutOf = (events: ReplEvent[]) => Buffer.concat(events.flatMap((e) => (e.type === 'stdout' ? [Buffer.from(e.data)] : []))).toString('latin1');

describe('ReplParser', () => {
  it('finds the raw banner after noise, split anywhere', () => {
    const p = new ReplParser();
    const ev = feedBytewise(p, 'junk\r\n>>> \r\n>>> \r\nraw REPL; CTRL-B to exit\r\n>');
    expect(types(ev)).toEqual(['friendly-prompt', 'friendly-prompt', 'prompt']);
    expect(ev.at(-1)).toEqual({ type: 'prompt', banner: true });
  });

  it('plain raw exec: OK, stdout, \\x04, error, \\x04, >', () => {
    const p = new ReplParser();
    p.expect('ok');
    const ev = feedBytewise(p, 'OKhello\r\n\x04Traceback\r\nValueError: x\r\n\x04>');
    expect(types(ev).filter((t) => t !== 'stdout')).toEqual(['ok', 'stdout-end', 'error', 'done', 'prompt']);
    expect(stdoutOf(ev)).toBe('hello\r\n');
    expect(ev.find((e) => e.type === 'error')).toEqual({ type: 'error', text: 'Traceback\r\nValueError: x\r\n' });
  });

  it('no error event when the exception text is empty; one stdout event per feed', () => {
    const p = new ReplParser();
    p.expect('ok');
    expect(p.feed(b('OK12\n\x04\x04>'))).toEqual([
      { type: 'ok' },
      { type: 'stdout', data: Uint8Array.from(b('12\n')) },
      { type: 'stdout-end' },
      { type: 'done' },
      { type: 'prompt', banner: false },
    ]);
  });

  it('raw-paste: window size, credits, acknowledgement of the end', () => {
    const p = new ReplParser();
    p.expect('paste-reply');
    expect(p.feed(Uint8Array.of(0x52, 0x01, 0x80, 0x00, 0x01))).toEqual([{ type: 'raw-paste-ready', window: 128 }, { type: 'window-credit' }]);
    expect(p.feed(Uint8Array.of(0x01, 0x01))).toEqual([{ type: 'window-credit' }, { type: 'window-credit' }]);
    p.pasteEnded();
    expect(types(p.feed(b('\x04out\x04\x04>')))).toEqual(['ok', 'stdout', 'stdout-end', 'done', 'prompt']);
  });

  it('raw-paste: a \\x04 before the host ended is an abort; a u16 window above 255 is little-endian', () => {
    const p = new ReplParser();
    p.expect('paste-reply');
    expect(p.feed(Uint8Array.of(0x52, 0x01, 0x00, 0x01))).toEqual([{ type: 'raw-paste-ready', window: 256 }]);
    expect(types(p.feed(b('\x04\x04SyntaxError\x04>')))).toEqual(['abort', 'stdout-end', 'error', 'done', 'prompt']);
  });

  it('raw-paste refused: R\\x00 then the prompt; old firmware: the raw banner', () => {
    const p = new ReplParser();
    p.expect('paste-reply');
    expect(p.feed(b('R\x00>'))).toEqual([
      { type: 'raw-paste-unsupported', legacy: false },
      { type: 'prompt', banner: false },
    ]);
    p.expect('paste-reply');
    expect(feedBytewise(p, 'raw REPL; CTRL-B to exit\r\n>')).toEqual([
      { type: 'raw-paste-unsupported', legacy: true },
      { type: 'prompt', banner: true },
    ]);
  });

  it('a reset banner mid-output is a reboot with its cause, and the parser resyncs', () => {
    const p = new ReplParser();
    p.expect('ok');
    const ev = feedBytewise(p, 'OKpartial\r\nets Jun  8 2016 00:22:57\r\n\r\nrst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n\x04\x04');
    const reboot = ev.find((e) => e.type === 'reboot');
    expect(reboot).toMatchObject({ code: 12, cause: 'SW_CPU_RESET', boot: 0x13 });
    // The \x04s after the reboot are not an end of output: the parser is back to looking for a banner.
    expect(types(ev)).not.toContain('stdout-end');
    expect(p.expectation).toBe('sync');
  });

  it('ROM boot loop lines are reported', () => {
    const p = new ReplParser();
    expect(p.feed(b('invalid header: 0xffffffff\r\nwaiting for download\r\n'))).toEqual([
      { type: 'rom-loop', line: 'invalid header: 0xffffffff' },
      { type: 'rom-loop', line: 'waiting for download' },
    ]);
  });

  it('unexpected bytes where OK belongs', () => {
    const p = new ReplParser();
    p.expect('ok');
    expect(p.feed(b('X'))).toEqual([{ type: 'unexpected', expected: 'OK', data: Uint8Array.of(0x58) }]);
  });
});

describe('parseResetBanner', () => {
  it('reads the TG1WDT line and one without boot:', () => {
    expect(parseResetBanner('rst:0x8 (TG1WDT_SYS_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)')).toMatchObject({ code: 8, cause: 'TG1WDT_SYS_RESET', boot: 0x13 });
    expect(parseResetBanner('rst:0x10 (RTCWDT_RTC_RESET)')).toMatchObject({ code: 16, cause: 'RTCWDT_RTC_RESET' });
    expect(parseResetBanner('first:0x8 nothing')).toBeUndefined();
  });
});

describe('RawPasteWindow', () => {
  it('never lets more than the granted bytes go', () => {
    const w = new RawPasteWindow(128);
    expect(w.take(300)).toBe(128);
    expect(w.take(10)).toBe(0);
    w.credit();
    w.credit();
    expect(w.take(300)).toBe(256);
    expect(() => new RawPasteWindow(0)).toThrow(RangeError);
  });
});
