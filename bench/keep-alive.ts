import { performance } from 'node:perf_hooks';
import { openHardware } from '../host/src/app/hardware.js';
import type { CameraConfig } from '../host/src/config/schema.js';

export interface KeepAliveResult {
  photos: number;
  /** Median capture time of `front` with `back` idle, with `back` checked non-stop as background traffic, and as normal traffic. */
  idleMs: number;
  backgroundMs: number;
  normalMs: number;
  /** Status checks `back` made while `front` captured, in each run. */
  checksBackground: number;
  checksNormal: number;
  /** One status exchange of `back` alone. */
  statusMs: number;
}

/**
 * What the keep-alive costs a capture on a shared bus, at its worst: `front` and `back` on simulated bus 1,
 * `front` taking photos while `back` is asked for its status without a pause (the real keep-alive asks once
 * per quarter watchdog, 15 s). As background traffic every message of `front` goes first; the same checks
 * as normal traffic take their turns with it, which is what a plain first-come queue would do.
 */
export async function keepAliveCost(photos: number, busHz = 100_000): Promise<KeepAliveResult> {
  const cameras: CameraConfig[] = [
    { name: 'front', camera: 'sim', protocol: 'auto', sim: {} },
    { name: 'back', camera: 'sim@0x2d', protocol: 'auto', sim: {} },
  ];
  const hardware = await openHardware(cameras, { sim: { busHz } }, { owner: 'esp32cam bench' });
  try {
    const [front, back] = hardware.cameras;
    await Promise.all([front!.client.ping(), back!.client.status()]);
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) await back!.client.status();
    const statusMs = (performance.now() - t0) / 5;
    const captureTimes = async (): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < photos; i++) {
        const started = performance.now();
        await front!.client.capture();
        times.push(performance.now() - started);
      }
      return median(times);
    };
    const withChecks = async (background: boolean): Promise<{ ms: number; checks: number }> => {
      let running = true;
      let checks = 0;
      const loop = (async () => {
        while (running) {
          await back!.client.status({ background });
          checks++;
        }
      })();
      const ms = await captureTimes();
      running = false;
      await loop;
      return { ms, checks };
    };
    const idleMs = await captureTimes();
    const bg = await withChecks(true);
    const normal = await withChecks(false);
    return { photos, idleMs, backgroundMs: bg.ms, normalMs: normal.ms, checksBackground: bg.checks, checksNormal: normal.checks, statusMs };
  } finally {
    await hardware.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
