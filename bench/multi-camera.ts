import { performance } from 'node:perf_hooks';
import { openHardware } from '../host/src/app/hardware.js';
import { busKey } from '../host/src/config/camera-spec.js';
import type { CameraConfig } from '../host/src/config/schema.js';
import { busLimit } from './capture-throughput.js';

export interface BusFigure {
  bus: string;
  cameras: string[];
  photoBytesPerSecond: number;
  /** Share of the elapsed time the wire carried a message. */
  busy: number;
}

export interface MultiCameraResult {
  busHz: number;
  photosPerCamera: number;
  seconds: number;
  buses: BusFigure[];
  limit: number;
}

/**
 * Three simulated cameras capturing at once, `front` and `back` on simulated bus 1, `garden` alone on bus 2,
 * through the same composition root and per-bus queue the service uses. Each camera takes `photos` QVGA
 * photos back to back; the figure is photo bytes per second on each bus, against that bus's limit.
 */
export async function multiCamera(photos: number, busHz = 100_000): Promise<MultiCameraResult> {
  const cameras: CameraConfig[] = [
    { name: 'front', camera: 'sim', protocol: 'auto', sim: {} },
    { name: 'back', camera: 'sim@0x2d', protocol: 'auto', sim: {} },
    { name: 'garden', camera: 'sim:2@0x2c', protocol: 'auto', sim: {} },
  ];
  const hardware = await openHardware(cameras, { sim: { busHz } }, { owner: 'esp32cam bench' });
  try {
    // The protocol probe is set-up, not capture time.
    await Promise.all(hardware.cameras.map((c) => c.client.ping()));
    const before = new Map([...hardware.buses].map(([key, bus]) => [key, sumBusy(bus.stats())]));
    const bytes = new Map<string, number>();
    const doneAt = new Map<string, number>();
    const started = performance.now();
    await Promise.all(
      hardware.cameras.map(async (camera) => {
        let total = 0;
        for (let i = 0; i < photos; i++) total += (await camera.client.capture()).length;
        bytes.set(camera.name, total);
        doneAt.set(camera.name, performance.now());
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const buses: BusFigure[] = [...hardware.buses].map(([key, bus]) => {
      const on = hardware.cameras.filter((c) => busKey(c.spec) === key);
      const photoBytes = on.reduce((sum, c) => sum + (bytes.get(c.name) ?? 0), 0);
      // Each bus over the time its own cameras took: a bus that finished early is not charged for the wait.
      const busSeconds = (Math.max(...on.map((c) => doneAt.get(c.name)!)) - started) / 1000;
      return {
        bus: key,
        cameras: on.map((c) => c.name),
        photoBytesPerSecond: photoBytes / busSeconds,
        busy: (sumBusy(bus.stats()) - (before.get(key) ?? 0)) / 1000 / busSeconds,
      };
    });
    return { busHz, photosPerCamera: photos, seconds, buses, limit: busLimit(busHz, 2048) };
  } finally {
    await hardware.close();
  }
}

function sumBusy(stats: Map<number, { busyMs: number }>): number {
  let ms = 0;
  for (const t of stats.values()) ms += t.busyMs;
  return ms;
}
