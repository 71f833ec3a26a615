import { lstat } from 'node:fs/promises';

/**
 * Calls `onGone` once the device node disappears. A hung-up tty (USB bridge unplugged, pty peer gone) reads
 * as end-of-file forever, and @serialport/bindings-cpp answers a 0-byte read by reading again, so a port that
 * is only being read never learns it is gone. The kernel removes the node on unplug (and devpts removes a
 * pty's slave when its master closes), which is cheap to notice.
 */
export function watchDeviceNode(devicePath: string, onGone: () => void, intervalMs = 250): () => void {
  let stopped = false;
  let checking = false;
  const timer = setInterval(() => {
    if (checking || stopped) return;
    checking = true;
    lstat(devicePath).then(
      () => {
        checking = false;
      },
      (err: NodeJS.ErrnoException) => {
        checking = false;
        if (stopped || (err.code !== 'ENOENT' && err.code !== 'ENOTDIR')) return;
        stop();
        onGone();
      },
    );
  }, intervalMs);
  // The watch must not keep a process alive that has nothing else to do.
  timer.unref();
  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}
