import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CameraClient } from '../../host/src/devices/camera/camera-client.js';
import { CaptureService } from '../../host/src/services/cameras/index.js';
import { CameraMonitor } from '../../host/src/services/health/camera-monitor.js';
import { HealthLog } from '../../host/src/services/health/health-log.js';
import type { RecoveryActions } from '../../host/src/services/health/recovery-actions.js';
import { PhotoStore } from '../../host/src/services/photo-store.js';
import { SimulatedEsp32Cam } from '../../host/src/sim/index.js';

/**
 * The slave script reboots its board when no command reached it for WDT_TIMEOUT_MS (60 s on a real board).
 * The keep-alive's interval is a quarter of that timeout, whatever it is, so the case scales: a board with a
 * 1 s watchdog kept alive for 60 s lives through 60 watchdog periods, what an hour is to a 60 s watchdog.
 */
const WDT_MS = 1000;
const PERIODS = 60;

let board: SimulatedEsp32Cam | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await board?.close();
  board = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** The ladder must not be needed here: any step is a failure of the keep-alive. */
const noRecovery: RecoveryActions = {
  resync: () => Promise.reject(new Error('resync was not expected')),
  canReset: () => false,
  reset: () => Promise.reject(new Error('a reset was not expected')),
  repush: () => Promise.reject(new Error('a re-push was not expected')),
  describe: () => '',
};

async function boardWithWatchdog(): Promise<{ board: SimulatedEsp32Cam; reboots: string[] }> {
  const b = await SimulatedEsp32Cam.start({ configOverrides: { WDT_TIMEOUT_MS: WDT_MS } });
  board = b;
  const reboots: string[] = [];
  b.on('reboot', (e: { cause: string }) => reboots.push(e.cause));
  return { board: b, reboots };
}

/** The camera's service on `board`, with a photo store in a fresh data folder: what the monitor watches. */
async function serviceOn(b: SimulatedEsp32Cam): Promise<{ client: CameraClient; camera: CaptureService; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'esp32cam-keepalive-'));
  dataDir = dir;
  const store = await PhotoStore.open({ dataDir: dir, maxPhotos: 10, maxBytes: 10_000_000 });
  const client = new CameraClient({ bus: b, address: 0x2c });
  const camera = new CaptureService({
    camera: { name: 'cam', spec: { kind: 'sim', bus: 0, address: 0x2c }, specText: 'sim', address: 0x2c, client, close: async () => undefined },
    store,
    protocolSetting: 'auto',
    healthIntervalMs: 0,
  });
  return { client, camera, dir };
}

describe('the keep-alive', () => {
  it('is needed: left alone, the slave script reboots its board when its watchdog runs out', async () => {
    const { board: b } = await boardWithWatchdog();
    const client = new CameraClient({ bus: b, address: 0x2c });
    await client.status(); // one command: the watchdog now counts from here
    const reboot = await new Promise<{ cause: string }>((resolve) => b.once('reboot', resolve));
    expect(reboot.cause).toBe('WDT_RESET');
  });

  it(`keeps a board with a ${WDT_MS} ms watchdog alive for ${PERIODS} periods, at a quarter of its timeout`, async () => {
    const { board: b, reboots } = await boardWithWatchdog();
    const { client, camera, dir } = await serviceOn(b);
    const monitor = new CameraMonitor({ camera, log: await HealthLog.open(dir, 'cam'), actions: noRecovery });
    let checks = 0;
    const status = client.status.bind(client);
    client.status = (opts) => {
      checks++;
      return status(opts);
    };
    await monitor.start();
    const first = monitor.report();
    expect(first).toMatchObject({ state: 'online', keepAliveMs: WDT_MS / 4 });
    // Wait for the checks themselves, not for a clock: PERIODS watchdog periods hold 4 × PERIODS keep-alives.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (checks >= 4 * PERIODS || reboots.length > 0) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
    });
    const last = monitor.report();
    await monitor.stop();
    expect(reboots).toEqual([]);
    expect(last.bootCount).toBe(first.bootCount);
    expect(last.uptimeMs! - first.uptimeMs!).toBeGreaterThanOrEqual(PERIODS * WDT_MS * 0.9);
    expect(last.state).toBe('online');
  }, 180_000);

  it('tells the host watchdog when its loop stops running on time', async () => {
    const { board: b } = await boardWithWatchdog();
    const { camera, dir } = await serviceOn(b);
    // The monitor's clock, moved on by hand: as if its timer had not fired for that long.
    let skew = 0;
    const monitor = new CameraMonitor({
      camera,
      log: await HealthLog.open(dir, 'cam'),
      actions: noRecovery,
      keepAliveMs: 60_000,
      now: () => Date.now() + skew,
    });
    await monitor.start();
    expect(monitor.alive()).toEqual({ ok: true });
    skew = 60_000 + 30_000;
    expect(monitor.alive()).toEqual({ ok: true });
    skew = 60_000 + 90_000;
    expect(monitor.alive()).toMatchObject({ ok: false, reason: expect.stringMatching(/^camera "cam"'s monitor is \d+ s late$/) });
    skew = 0;
    expect(monitor.alive()).toEqual({ ok: true });
    await monitor.stop();
    expect(monitor.alive()).toEqual({ ok: true });
  });
});
