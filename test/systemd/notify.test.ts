import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { startSystemdNotify, watchdogTimeoutMs, type SystemdNotifier } from '../../host/src/app/systemd-notify.js';
import { NotifyListener } from './notify-listener.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'esp32cam.js');

/** As systemd would start the service: its socket, and a watchdog of `usec` (pings every usec/2). */
function systemdEnv(listener: NotifyListener, usec: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NOTIFY_SOCKET: listener.socketPath, WATCHDOG_USEC: String(usec) };
  delete env.ESP32CAM_CONFIG;
  delete env.WATCHDOG_PID;
  return env;
}

describe('systemd notifications from the real service', () => {
  let work: string;
  let listener: NotifyListener;

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'esp32cam-notify-'));
    listener = await NotifyListener.start(work);
  });
  afterEach(async () => {
    listener.close();
    await rm(work, { recursive: true, force: true });
  });

  it('the serve command sends READY=1 once HTTP answers, WATCHDOG=1 over and over, and STOPPING=1 on SIGTERM', async () => {
    expect(existsSync(join(root, 'dist', 'host', 'src', 'cli', 'main.js'))).toBe(true);
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--camera', 'sim', '--data-dir', join(work, 'data')], {
      cwd: work,
      env: systemdEnv(listener, 600_000),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const ready = await listener.next('READY=1');
      const url = NotifyListener.value(ready, 'STATUS')?.replace(/^serving /, '');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // Nothing was said to systemd before the service was ready.
      expect(ready.seq).toBe(0);
      // READY=1 is a promise that the service serves: it answers now, without waiting for anything.
      const status = await fetch(`${url}/api/status`);
      expect(status.status).toBe(200);
      // Pings every 300 ms: three in a row show they keep coming.
      const first = await listener.next('WATCHDOG=1', ready.seq);
      const second = await listener.next('WATCHDOG=1', first.seq);
      await listener.next('WATCHDOG=1', second.seq);
      child.kill('SIGTERM');
      const stopping = await listener.next('STOPPING=1');
      expect(stopping.seq).toBeGreaterThan(second.seq);
      expect(await exited).toBe(0);
      expect(listener.having('WATCHDOG=1', stopping.seq)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    // The notifier had nothing to complain about: every message reached the socket, no ping was withheld.
    const complaints = stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level >= 40 && /systemd/.test(l.msg));
    expect(complaints).toEqual([]);
  });

  describe('with a check registered on RunningServer.watchdog', () => {
    let server: RunningServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('withholds WATCHDOG=1 while the check fails, says why in STATUS, and resumes when it passes', async () => {
      server = await startServer(
        { port: 0, host: '127.0.0.1', dataDir: join(work, 'data'), camera: 'sim' },
        { healthIntervalMs: 0, log: () => undefined, systemd: { env: systemdEnv(listener, 400_000), maxEventLoopDelayMs: 60_000 } },
      );
      let failing = false;
      let callsWhileFailing = 0;
      server.watchdog.addCheck('camera loops', () => {
        if (!failing) return { ok: true };
        callsWhileFailing++;
        return { ok: false, reason: 'loop of camera "cam" is stuck' };
      });
      const ready = await listener.next('READY=1');
      const ping = await listener.next('WATCHDOG=1', ready.seq);
      await listener.next('WATCHDOG=1', ping.seq);

      failing = true;
      const withheld = await listener.next('STATUS=unhealthy*');
      expect(NotifyListener.value(withheld, 'STATUS')).toBe('unhealthy, watchdog withheld: camera loops: loop of camera "cam" is stuck');
      // Three more rounds of checks, each failing: not one ping in that time.
      const atWithheld = callsWhileFailing;
      await expect.poll(() => callsWhileFailing).toBeGreaterThanOrEqual(atWithheld + 3);
      failing = false;
      const resumed = await listener.next(`STATUS=serving ${server.url}`, withheld.seq);
      expect(listener.having('WATCHDOG=1', withheld.seq).filter((m) => m.seq < resumed.seq)).toEqual([]);
      const again = await listener.next('WATCHDOG=1', resumed.seq);
      await listener.next('WATCHDOG=1', again.seq);

      await server.close();
      server = undefined;
      expect(listener.having('STOPPING=1')).toHaveLength(1);
    });
  });

  describe('startSystemdNotify on its own', () => {
    let notifier: SystemdNotifier | undefined;
    afterEach(async () => {
      await notifier?.stop();
      notifier = undefined;
    });

    it('withholds WATCHDOG=1 after the event loop was blocked for longer than the limit, then resumes', async () => {
      notifier = startSystemdNotify({ env: systemdEnv(listener, 400_000), maxEventLoopDelayMs: 500 });
      expect(notifier.pingIntervalMs).toBe(200);
      notifier.ready('serving');
      const ready = await listener.next('READY=1');
      await listener.next('WATCHDOG=1', ready.seq);
      // Block the loop well past the limit, as a runaway synchronous job would.
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        /* busy */
      }
      const withheld = await listener.next('STATUS=unhealthy*', ready.seq);
      expect(NotifyListener.value(withheld, 'STATUS')).toMatch(/^unhealthy, watchdog withheld: the event loop was blocked for \d+ ms \(more than 500 ms\)$/);
      const resumed = await listener.next('STATUS=serving', withheld.seq);
      expect(listener.having('WATCHDOG=1', withheld.seq).filter((m) => m.seq < resumed.seq)).toEqual([]);
      await listener.next('WATCHDOG=1', resumed.seq);
    });

    it('a check that throws counts as failing, and a removed check no longer counts', async () => {
      notifier = startSystemdNotify({ env: systemdEnv(listener, 400_000), maxEventLoopDelayMs: 60_000 });
      const remove = notifier.addCheck('bus', () => {
        throw new Error('bus state unreadable');
      });
      notifier.ready('serving');
      const withheld = await listener.next('STATUS=unhealthy*');
      expect(NotifyListener.value(withheld, 'STATUS')).toBe('unhealthy, watchdog withheld: bus: bus state unreadable');
      expect(listener.having('WATCHDOG=1')).toEqual([]);
      remove();
      const resumed = await listener.next('STATUS=serving', withheld.seq);
      await listener.next('WATCHDOG=1', resumed.seq);
    });

    it('does nothing without NOTIFY_SOCKET, and pings only when WATCHDOG_USEC is meant for this process', async () => {
      const env: NodeJS.ProcessEnv = { WATCHDOG_USEC: '400000' };
      notifier = startSystemdNotify({ env });
      expect(notifier.enabled).toBe(false);
      expect(notifier.pingIntervalMs).toBeUndefined();
      notifier.ready();
      await notifier.stop();
      expect(listener.messages).toEqual([]);

      expect(watchdogTimeoutMs({ WATCHDOG_USEC: '30000000' }, 42)).toBe(30_000);
      expect(watchdogTimeoutMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toBe(30_000);
      expect(watchdogTimeoutMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42)).toBeUndefined();
      expect(watchdogTimeoutMs({ WATCHDOG_USEC: '0' }, 42)).toBeUndefined();
      expect(watchdogTimeoutMs({}, 42)).toBeUndefined();
    });

    it('READY=1 without a watchdog: no pings, STOPPING=1 at the end', async () => {
      const env = systemdEnv(listener, 0);
      delete env.WATCHDOG_USEC;
      notifier = startSystemdNotify({ env });
      expect(notifier.pingIntervalMs).toBeUndefined();
      notifier.ready('serving');
      await notifier.stop();
      notifier = undefined;
      expect(listener.messages.map((m) => m.lines)).toEqual(
        expect.arrayContaining([
          ['READY=1', 'STATUS=serving'],
          ['STOPPING=1', 'STATUS=stopping'],
        ]),
      );
      expect(listener.having('WATCHDOG=1')).toEqual([]);
    });
  });
});
