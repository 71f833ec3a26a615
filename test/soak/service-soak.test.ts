import { describe, expect, it } from 'vitest';
import { serviceSoak } from '../../bench/soak/service-soak.js';

const MB = 1024 * 1024;

/**
 * The short service soak of `npm run soak`: 150 captures through the running service (POST /api/capture, the
 * thumbnail fetched, a socket.io client watching), retention at 20 photos so that eviction runs on most of them.
 *
 * The bounds are looser than the full soak's and use growth after warm-up, never absolute figures:
 * - file descriptors, listeners and warnings are counts: they must not move at all (fds within 2, for a
 *   keep-alive socket caught opening or closing);
 * - the JS heap is measured after forced collections, which makes it steady to a few hundred KB; what still
 *   grows is V8's compiled code settling. 3 MB over 100 captures is 30 KB a capture: a leaked photo record,
 *   buffer or listener per capture shows well above it;
 * - the host's RSS (the process's less the simulated board's MicroPython memory, which only grows: see
 *   SimInfo.vmMemoryBytes) wanders by megabytes on a loaded machine, as glibc keeps freed memory, so over 100
 *   captures only a gross leak can be told from that: the bound is 40 MB, which a leak of a decoded photo
 *   (160×120×3 = 57 KB) or more per capture exceeds (`npm run soak` holds the real 5 MB over 1,700).
 */
describe('service soak', () => {
  it('stays flat over 150 captures with photos stored, thumbnails made and old ones evicted', { timeout: 600_000 }, async () => {
    const r = await serviceSoak({ captures: 150, warmup: 50, sampleEvery: 10, busHz: 1_000_000, frameSize: 'QQVGA', maxPhotos: 20 });
    console.info(
      'service soak:',
      JSON.stringify({ growth: r.growth, perThousand: r.perThousand, listeners: r.listeners, fds: r.counted.map((s) => s.fds), seconds: r.seconds }),
    );
    expect(r.failed).toBe(0);
    expect(r.photoEvents).toBe(150);
    expect(r.storeCount).toBe(20);
    expect(r.filesOnDisk).toEqual({ photos: 20, thumbs: 20 });
    expect(r.warnings).toEqual([]);
    expect(r.listeners.end).toBeLessThanOrEqual(r.listeners.afterWarmup);
    for (const s of r.counted) expect(Math.abs(s.fds - r.counted[0].fds)).toBeLessThanOrEqual(2);
    expect(r.growth.heapUsed).toBeLessThan(3 * MB);
    // The simulated board's MicroPython memory was found in the process's mappings, so the host's share is real.
    for (const s of r.counted) expect(s.simVm).toBeGreaterThan(0);
    expect(r.growth.hostRss).toBeLessThan(40 * MB);
  });
});
