import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawReplClient, duplexLink } from '../../host/src/devices/repl/index.js';
import { replBoard, scriptIn, tempDir, type ReplBoard } from './helpers.js';

// One board for the file: main.py prints, then sleeps forever, as the slave script does.
const MAIN = 'import time\nprint("main up")\nn = 0\nwhile True:\n    n += 1\n    time.sleep_ms(20)\n';
let b: ReplBoard;
beforeAll(async () => {
  const dir = tempDir();
  b = await replBoard({ script: scriptIn(dir, MAIN) }, dir);
});
afterAll(async () => b.dispose());

describe('the simulated board runs MicroPython on its UART', () => {
  it('Ctrl-C stops main.py with its traceback, then the banner; bytes typed before it reach the REPL', async () => {
    b.clear();
    b.sim.reset().catch(() => undefined);
    await b.waitFor('main up\r\n');
    expect(b.text()).toContain('rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)');
    await b.send('x = 6 * 7\r\x03');
    // The line typed before Ctrl-C runs at the first prompt; the second prompt is the one after it.
    await b.waitFor('x = 6 * 7\r\n>>> ');
    const t = b.text();
    expect(t).toContain('main up\r\nTraceback (most recent call last):\r\n  File "main.py", line 6, in <module>\r\nKeyboardInterrupt: \r\n');
    expect(t).toContain('MicroPython v1.20.0 on 2023-04-26; ESP32 module (camera) with ESP32\r\nType "help()" for more information.\r\n>>> ');
    b.clear();
    await b.send('print(x, n > 0)\r');
    await b.waitFor('42 True\r\n>>> ');
  });

  it('friendly REPL: a line runs and prints with CR LF', async () => {
    b.clear();
    await b.send('print(1+1)\r');
    await b.waitFor('\r\n2\r\n>>> ');
  });

  it('raw REPL exec, and raw-paste with its window and flow control', async () => {
    b.clear();
    await b.send('\r\x01');
    await b.waitFor('raw REPL; CTRL-B to exit\r\n>');
    b.clear();
    await b.send('print("raw", 1)\x04');
    await b.waitFor('\x04>');
    expect(b.text()).toBe('OKraw 1\r\n\x04\x04>');
    const execs: string[] = [];
    b.sim.on('repl-exec', (e: { code: string }) => execs.push(e.code));
    b.clear();
    await b.send('\x05A\x01');
    await b.waitFor('R\x01');
    // The window is 128 (u16 LE), and a second window is granted by the \x01 after it.
    await b.waitFor('R\x01\x80\x00\x01');
    const code = `s = 0\n${Array.from({ length: 20 }, (_, i) => `s += ${i}  # filler so the code spans several windows`).join('\n')}\nprint("sum", s)\n`;
    expect(code.length).toBeGreaterThan(3 * 128);
    let sent = 0;
    let granted = 256;
    while (sent < code.length) {
      const n = Math.min(code.length - sent, granted - sent);
      if (n > 0) {
        await b.send(code.slice(sent, sent + n));
        sent += n;
      } else {
        const credits = (b.text().match(/\x01/g) ?? []).length - 2; // R\x01 and the first grant
        granted = 256 + 128 * credits;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    await b.send('\x04');
    await b.waitFor(/sum 190\r\n\x04\x04>$/);
    expect(b.sim.pasteOverruns).toBe(0);
    expect(execs.at(-1)).toBe(code);
    expect(b.text()).not.toContain('OK');
  });

  it('RawReplClient (the product client) runs code over the same port', async () => {
    const client = new RawReplClient(duplexLink(b.port));
    const r = await client.exec('import os\nprint(os.statvfs("/")[0], sorted(os.listdir("/")))');
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe("4096 ['main.py']\r\n");
    expect(client.lastExecPath).toBe('raw-paste');
    const err = await client.exec('1/0');
    expect(err.error).toContain('ZeroDivisionError');
    client.close();
  });

  it('a second session after the first went back to the friendly REPL gets raw-paste again', async () => {
    // The first session's last raw line ended with `\r` before Ctrl-B; that must not spoil the next `\x05A\x01`.
    for (let session = 0; session < 2; session++) {
      const client = new RawReplClient(duplexLink(b.port));
      const r = await client.exec(`print("session", ${session})`);
      expect(r.stdout).toBe(`session ${session}\r\n`);
      expect(client.lastExecPath).toBe('raw-paste');
      await b.send('\r');
      await client.exitRaw();
      client.close();
    }
  });

  it('Ctrl-D in the raw REPL soft-resets: boot.py runs, main.py does not, the raw prompt comes back', async () => {
    b.clear();
    await b.send('\r\x03\x03\r\x01');
    await b.waitFor('raw REPL; CTRL-B to exit\r\n>');
    await b.send("f = open('boot.py', 'a')\nf.write('print(\"boot ran\")\\n')\nf.close()\n\x04");
    await b.waitFor('\x04\x04>');
    b.clear();
    await b.send('\x04');
    await b.waitFor('raw REPL; CTRL-B to exit\r\n>');
    expect(b.text()).toBe('OK\r\nMPY: soft reboot\r\nboot ran\r\nraw REPL; CTRL-B to exit\r\n>');
    b.clear();
    await b.send('import machine\nprint(machine.reset_cause(), "n" in globals())\x04');
    await b.waitFor('\x04>');
    // freshev's modmachine.c: after a soft reset reset_cause() is SOFT_RESET (5)
    expect(b.text()).toContain('5 False\r\n');
  });

  it('machine.reset() is a chip reset: the ROM prints rst:0xc and main.py runs again', async () => {
    b.clear();
    await b.send('import machine\nmachine.reset()\x04');
    await b.waitFor('main up\r\n', 8000);
    expect(b.text()).toContain('rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)');
    expect(b.sim.info().resetCause).toBe('HARD_RESET');
  });
});
