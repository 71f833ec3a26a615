import { SingleBar } from 'cli-progress';
import type { CameraClient } from '../devices/camera/camera-client.js';
import type { CaptureProgress } from '../devices/camera/types.js';
import { formatBytes } from './format.js';

/**
 * A progress bar on stderr while a photo downloads, only when stderr is a terminal (logs and pipes get the
 * one summary line instead). Returns the function that removes it.
 */
export function showProgress(client: CameraClient, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (!stream.isTTY) return () => undefined;
  const bar = new SingleBar({
    stream,
    format: '{phase} |{bar}| {received}{of}{attempt}',
    barCompleteChar: '#',
    barIncompleteChar: '-',
    hideCursor: true,
    clearOnComplete: true,
  });
  const payload = (p: CaptureProgress) => ({
    phase: p.phase.padEnd(11),
    received: formatBytes(p.bytes),
    of: p.total ? ` of ${formatBytes(p.total)}` : '',
    attempt: p.attempt > 1 ? ` (attempt ${p.attempt})` : '',
  });
  let started = false;
  const onProgress = (p: CaptureProgress): void => {
    // Legacy photos announce no size: the bar stays empty and the byte count carries the news.
    const total = p.total ?? 1;
    const value = p.total ? Math.min(p.bytes, p.total) : 0;
    if (!started) {
      bar.start(total, value, payload(p));
      started = true;
    } else {
      bar.setTotal(total);
      bar.update(value, payload(p));
    }
  };
  client.on('progress', onProgress);
  return () => {
    client.off('progress', onProgress);
    if (started) bar.stop();
  };
}
