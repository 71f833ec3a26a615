/**
 * `npm run bench`: prints the figures the issues ask for. Timing lives here, never in unit tests.
 * Every figure runs against the simulated board, whose bus paces transfers at the configured clock.
 */
import { busLimit, captureMatrix, clientThroughput, referenceThroughput, type ThroughputResult } from './capture-throughput.js';

const PHOTOS = Number(process.env.BENCH_PHOTOS ?? 3);
const kb = (n: number) => `${(n / 1000).toFixed(2)} KB`;

function row(r: ThroughputResult, limit: number): string {
  const util = r.busUtilisation === undefined ? '' : `, bus busy ${(r.busUtilisation * 100).toFixed(0)}% of the time`;
  const retries = r.retries ? `, ${r.retries} photo(s) taken again after a desync` : '';
  return `  ${r.label}\n    ${kb(r.bytesPerSecond)}/s (${((r.bytesPerSecond / limit) * 100).toFixed(1)}% of the bus limit), ${r.secondsPerPhoto.toFixed(2)} s per ${kb(r.meanPhotoBytes)} photo${util}${retries}`;
}

async function main(): Promise<void> {
  const busHz = 100_000;
  const limit = busLimit(busHz, 2048);
  console.log(`esp32cam-host bench (Node ${process.version}, ${PHOTOS} QVGA photos per row, simulated slave at ${busHz / 1000} kHz)`);
  console.log(`\nBus limit at ${busHz / 1000} kHz: ${kb(busHz / 9)}/s raw (9 clocks a byte); ${kb(limit)}/s for 2 KB reads with their address byte`);
  console.log('\nCapture throughput, command to validated JPEG:');
  console.log(row(await clientThroughput('esp32cam-host, protocol 2 (auto) vs device-scripts/main.py', { protocol: 'auto', busHz, photos: PHOTOS }), limit));
  console.log(row(await clientThroughput('esp32cam-host, legacy vs the field script', { protocol: 'legacy', script: 'field', busHz, photos: PHOTOS }), limit));
  console.log(row(await referenceThroughput(busHz, PHOTOS), limit));
  await captureMatrix(PHOTOS, (line) => console.log(line));
  const { multiCamera } = await import('./multi-camera.js');
  const m = await multiCamera(PHOTOS, busHz);
  console.log(
    `\nThree simulated cameras capturing at once (${m.photosPerCamera} QVGA photos each, ${busHz / 1000} kHz): front and back share bus 1, garden has bus 2:`,
  );
  for (const b of m.buses) {
    console.log(
      `  ${b.bus} (${b.cameras.join(' + ')}): ${kb(b.photoBytesPerSecond)}/s of photos, ${((b.photoBytesPerSecond / m.limit) * 100).toFixed(1)}% of the bus limit, wire busy ${(b.busy * 100).toFixed(0)}% of the time`,
    );
  }
  console.log(`  all ${m.photosPerCamera * 3} photos in ${m.seconds.toFixed(2)} s`);
  const { keepAliveCost } = await import('./keep-alive.js');
  const k = await keepAliveCost(Math.max(PHOTOS, 5), busHz);
  console.log(`\nKeep-alive beside a capture on a shared bus (median of ${k.photos} QVGA captures of front; back asked for its status without a pause):`);
  console.log(
    `  back idle: ${k.idleMs.toFixed(0)} ms per photo\n` +
      `  back checked as background traffic (the keep-alive): ${k.backgroundMs.toFixed(0)} ms per photo (${k.checksBackground} checks meanwhile)\n` +
      `  back checked as normal traffic (a first-come queue): ${k.normalMs.toFixed(0)} ms per photo (${k.checksNormal} checks meanwhile)\n` +
      `  one status check alone: ${k.statusMs.toFixed(1)} ms; the real keep-alive makes one per camera every quarter watchdog (15 s)`,
  );
  const { streamRate } = await import('./stream-rate.js');
  console.log('\nLive stream (GET /stream through the service, one viewer, from the simulated board):');
  console.log('  the limit is the bus limit for 2 KB reads divided by the mean frame: the frames/s of a wire that carries nothing else');
  for (const hz of [100_000, 400_000]) {
    for (const [frameSize, frames] of [
      ['QQVGA', 12],
      ['QVGA', 8],
      ['VGA', 4],
    ] as const) {
      const r = await streamRate(frames, hz, frameSize);
      const limitFps = busLimit(hz, 2048) / r.meanFrameBytes;
      console.log(
        `  ${frameSize.padEnd(5)} at ${hz / 1000} kHz: ${r.framesPerSecond.toFixed(2)} frames/s of ${kb(r.meanFrameBytes)}, ` +
          `limit ${limitFps.toFixed(2)} frames/s, ${((r.framesPerSecond / limitFps) * 100).toFixed(1)}% of it`,
      );
    }
  }
  const { printFlash } = await import('./flash-throughput.js');
  await printFlash();
  const { printPush } = await import('./push-throughput.js');
  await printPush();
  const { doorsCost } = await import('./doors-cost.js');
  const d = await doorsCost();
  const ms = (v: number) => `${(v * 1000).toFixed(0)} µs`;
  console.log(`\nWhat the doors cost: best of three medians of ${d.requests} sequential GET /api/status on one keep-alive connection:`);
  console.log(
    `  loopback, no token (Host, origin, headers): ${ms(d.loopbackNoToken)}\n` +
      `  off loopback, Bearer token: ${ms(d.bearerToken)}; cookie: ${ms(d.cookieToken)}\n` +
      `  a foreign Host, refused with 421: ${ms(d.refusedForeignHost)}`,
  );
  const { pageLatency } = await import('./page-latency.js');
  // Host latency and CLI start: the lean host's two figures, each against its limit.
  console.log(await pageLatency(Math.max(PHOTOS, 5)));
  const { cliStart } = await import('./cli-start.js');
  console.log(cliStart(7));
  const { mqttLatency, mosquittoBinary } = await import('./mqtt-latency.js');
  console.log('\nMQTT through a real Mosquitto on loopback (one simulated camera, QVGA at 100 kHz):');
  if (!mosquittoBinary()) console.log('  skipped: mosquitto is not installed (apt-get install mosquitto)');
  else {
    const m = await mqttLatency(5, 3);
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const span = (v: number[]) => `median ${median(v).toFixed(0)} ms, ${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)} ms`;
    console.log(`  capture button pressed → JPEG on <camera>/image: ${span(m.pressToImageMs)} over ${m.pressToImageMs.length} presses (the capture included)`);
    console.log(`  kill -9 of a host → bridge/state offline through the last will: ${span(m.killToOfflineMs)} over ${m.killToOfflineMs.length} kills`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
