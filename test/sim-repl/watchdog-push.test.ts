/**
 * The watchdog trap (docs/hardware.md §6): the slave script arms machine.WDT, and Ctrl-C stops the script but
 * not the watchdog. A push that outlasts the script's timeout must still finish, because the session re-arms
 * the watchdog with its maintenance window first and feeds it as it goes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushFile } from '../../host/src/devices/push/index.js';
import { withReplSession } from '../../host/src/services/device-session.js';
import { SimSerialBinding } from '../../host/src/sim/uart/index.js';
import { replBoard, scriptIn, sleep, tempDir, type ReplBoard } from './helpers.js';

const WDT_MS = 1500;
/** The slave script's pattern: a short watchdog, fed by the main loop. */
const MAIN = `import machine, time\nw = machine.WDT(timeout=${WDT_MS})\nprint("armed", machine.reset_cause())\nwhile True:\n    w.feed()\n    time.sleep_ms(100)\n`;

let b: ReplBoard;
const reboots: unknown[] = [];
beforeAll(async () => {
  const dir = tempDir();
  b = await replBoard({ script: scriptIn(dir, MAIN) }, dir);
  b.sim.on('reboot', (e: unknown) => reboots.push(e));
  // The port is handed to the product's session below; this test only listens to the board's own events.
  await new Promise<void>((resolve) => b.port.close(() => resolve()));
});
afterAll(async () => b.dispose());

describe('the watchdog during a push', () => {
  it("does not reboot the board during a push that lasts several times the script's watchdog timeout", async () => {
    // Data that does not compress, so the deflated push still needs its full wire time.
    const data = randomBytes(48_000);
    const started = Date.now();
    const result = await withReplSession({ path: b.path, binding: SimSerialBinding }, 'test', ({ client }) =>
      pushFile(client, data, '/big.bin', { force: true }),
    );
    const lasted = Date.now() - started;
    // The premise: at 115200 baud the file alone needs over 4 s of wire time, well past the 1.5 s timeout.
    expect(lasted).toBeGreaterThan(2 * WDT_MS);
    expect(result.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(reboots).toEqual([]);
    expect(b.sim.info().resetCause).not.toBe('WDT_RESET');
  });

  it("would have: Ctrl-C alone leaves the script's watchdog running, and it bites", async () => {
    await b.sim.reset();
    reboots.length = 0;
    // Straight through the port, without the product's session: stop main.py the way a terminal would.
    await withReplSession(
      { path: b.path, binding: SimSerialBinding },
      'test',
      async ({ handle }) => {
        await new Promise<void>((resolve, reject) => handle.port.write(Buffer.from('\r\x03'), (err) => (err ? reject(err) : resolve())));
        const end = Date.now() + 4 * WDT_MS;
        while (reboots.length === 0 && Date.now() < end) await sleep(50);
      },
      { stayRaw: true },
    );
    expect(reboots).toEqual([{ cause: 'WDT_RESET' }]);
  });
});
