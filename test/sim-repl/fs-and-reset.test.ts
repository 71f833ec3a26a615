import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { pushFile } from '../../host/src/devices/push/index.js';
import { RawReplClient, duplexLink } from '../../host/src/devices/repl/index.js';
import { LEGACY_SLAVE } from '../sim/helpers.js';
import { replBoard, scriptIn, tempDir, type ReplBoard } from './helpers.js';

const boards: ReplBoard[] = [];
afterEach(async () => {
  for (const b of boards.splice(0)) await b.dispose();
});
async function board(...args: Parameters<typeof replBoard>): Promise<ReplBoard> {
  const b = await replBoard(...args);
  boards.push(b);
  return b;
}

/** Runs code through the raw REPL with the product client and returns its stdout (LF line ends). */
async function run(client: RawReplClient, code: string): Promise<string> {
  const r = await client.exec(code, { timeoutMs: 10_000 });
  if (r.error) throw new Error(r.error);
  return r.stdout.replaceAll('\r\n', '\n');
}

const SLAVE_AT = (addr: number): string =>
  `from machine import I2C\nimport time\nI2C.deinit_all()\nbus = I2C(0, mode=I2C.SLAVE, scl=12, sda=13, slave_addr=${addr}, slave_wbuflen=16)\nbus.callback(lambda b: None)\nwhile True:\n    time.sleep_ms(50)\n`;

describe('the filesystem in the flash', () => {
  it('a script pushed through the REPL survives into a new board on the same flash file, and changes the I2C address', async () => {
    const dir = tempDir();
    const first = await board({ script: scriptIn(dir, SLAVE_AT(0x2c)) }, dir);
    expect(first.sim.info().address).toBe(0x2c);
    const client = new RawReplClient(duplexLink(first.port), { maintenanceWindowMs: 60_000 });
    const r = await pushFile(client, Buffer.from(SLAVE_AT(0x31)), 'main.py');
    expect(r).toMatchObject({ path: '/main.py', skipped: false, verifiedBy: 'sha256' });
    await pushFile(client, Buffer.from('VALUE = 17\n'), 'lib/helper.py');
    expect(await run(client, 'import helper\nprint(helper.VALUE)')).toBe('17\n');
    client.close();
    // The same board after RST runs the pushed script.
    await first.sim.reset();
    expect(first.sim.info().address).toBe(0x31);
    await first.close();

    // A new board on the same flash file, without a script option, keeps the filesystem.
    const second = await board({ flashFile: first.flashFile }, dir);
    expect(second.sim.info().address).toBe(0x31);
  });

  it('the legacy field script pushed over serial answers ping over I2C after a reset', async () => {
    const dir = tempDir();
    const b = await board({ script: scriptIn(dir, SLAVE_AT(0x30)) }, dir);
    const client = new RawReplClient(duplexLink(b.port));
    await pushFile(client, readFileSync(LEGACY_SLAVE), 'main.py');
    client.close();
    await b.sim.reset();
    expect(b.sim.info().address).toBe(0x2c);
    await b.sim.i2cWrite(0x2c, 4, Buffer.from('ping'));
    const out = Buffer.alloc(1);
    for (let i = 0; i < 50 && out[0] !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await b.sim.i2cRead(0x2c, 1, out);
    }
    expect(out[0]).toBe(200);
  });

  it("an erased vfs partition gets the initial setup and inisetup.py's boot.py; a foreign one reads as corrupted until Ctrl-C", async () => {
    const dir = tempDir();
    const b = await board({ script: scriptIn(dir, 'print("hi")\n') }, dir);
    // esptool erase_region on the vfs partition, while the board runs; then RST.
    b.sim.serial.flash.erase(0x300000, 0x100000);
    b.clear();
    await b.sim.reset();
    await b.waitFor('>>> ');
    expect(b.text()).toMatch(/entry 0x[0-9a-f]+\r\nPerforming initial setup\r\nMicroPython v1\.20\.0/);
    const client = new RawReplClient(duplexLink(b.port));
    expect(await run(client, 'import os\nprint(os.listdir())\nprint(open("boot.py").read(), end="")')).toBe(
      "['boot.py']\n# This file is executed on every boot (including wake-boot from deepsleep)\n#import esp\n#esp.osdebug(None)\n#import webrepl\n#webrepl.start()\n",
    );
    client.close();
    b.clear();
    await b.sim.reset();
    await b.waitFor('>>> ');
    expect(b.text()).not.toContain('Performing initial setup'); // only once

    b.sim.serial.flash.erase(0x300000, 0x1000);
    b.sim.serial.flash.program(0x300000, Buffer.from('something else'));
    b.clear();
    b.sim.reset().catch(() => undefined);
    await b.waitFor('The filesystem appears to be corrupted. If you had important data there, you\r\nmay want');
    await b.send('\x03');
    await b.waitFor('  File "inisetup.py", line 34, in fs_corrupted\r\nKeyboardInterrupt: \r\nMicroPython v1.20.0');
  });

  it('a write that does not fit raises OSError 28 and leaves the other files as they were', async () => {
    const dir = tempDir();
    const b = await board({ script: scriptIn(dir, 'print("hi")\n'), fsCapacityBytes: 8 * 4096 }, dir);
    const client = new RawReplClient(duplexLink(b.port));
    expect(await run(client, 'import os\nprint(os.statvfs("/"))')).toBe('(4096, 4096, 8, 5, 5, 0, 0, 0, 0, 255)\n');
    await run(client, "with open('keep.txt','w') as f:\n f.write('k' * 5000)");
    const out = await run(
      client,
      [
        'try:',
        " f = open('big.bin','wb')",
        ' f.write(bytes(4096 * 4))',
        'except OSError as e:',
        ' print("err", e.errno)',
        'f.close()',
        "print(len(open('keep.txt').read()), len(open('big.bin','rb').read()), os.statvfs('/')[3])",
      ].join('\n'),
    );
    expect(out).toBe('err 28\n5000 0 2\n');
    client.close();
  });
});

describe('firmware without raw-paste, and the watchdog', () => {
  it('answers R\\x00 and the client falls back to plain raw mode', async () => {
    const dir = tempDir();
    const b = await board({ script: scriptIn(dir, 'print("hi")\n'), rawPaste: false }, dir);
    b.clear();
    await b.send('\r\x01');
    await b.waitFor('raw REPL; CTRL-B to exit\r\n>');
    b.clear();
    await b.send('\x05A\x01');
    await b.waitFor('R\x00>');
    const client = new RawReplClient(duplexLink(b.port));
    expect(await run(client, 'print(3 * 3)')).toBe('9\n');
    expect(client.lastExecPath).toBe('raw');
    client.close();
  });

  it('an unfed machine.WDT prints the task watchdog panic, reboots with rst:0xc, and reset_cause() is WDT_RESET', async () => {
    const dir = tempDir();
    const b = await board(
      {
        script: scriptIn(
          dir,
          'import machine, time\nif machine.reset_cause() != machine.WDT_RESET:\n    machine.WDT(timeout=300)\nprint("cause", machine.reset_cause())\nwhile True:\n    time.sleep_ms(50)\n',
        ),
      },
      dir,
    );
    b.clear();
    b.sim.reset().catch(() => undefined);
    await b.waitFor('cause 3\r\n', 8000);
    const t = b.text();
    expect(t).toMatch(/E \(\d+\) task_wdt: Task watchdog got triggered\. The following tasks\/users did not reset the watchdog in time:\r\n/);
    expect(t).toContain('Rebooting...\r\nets Jun  8 2016 00:22:57\r\n\r\nrst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n');
    expect(b.sim.info().resetCause).toBe('WDT_RESET');
  });
});
