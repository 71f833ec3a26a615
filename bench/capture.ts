/** `node dist/bench/capture.js`: the capture matrix alone, without the rest of `npm run bench`. */
import { captureMatrix } from './capture-throughput.js';

const PHOTOS = Number(process.env.BENCH_PHOTOS ?? 3);

captureMatrix(PHOTOS, (line) => process.stdout.write(`${line}\n`)).catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
