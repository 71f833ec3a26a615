import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * A real pseudo-terminal pair from socat: bytes written to one end come out of the other. Like a USB bridge
 * it is a tty that node serialport opens through the native binding, but it has no modem lines.
 */
export interface PtyPair {
  a: string;
  b: string;
  pid: number;
  /** Ends socat, which hangs up both ptys (what an unplug looks like to a reader). */
  stop(): Promise<void>;
}

export async function startPtyPair(a: string, b: string): Promise<PtyPair> {
  const child: ChildProcess = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`socat did not start: ${log}`)), 10_000);
    const poll = setInterval(() => {
      if (/starting data transfer loop/.test(log) && existsSync(a) && existsSync(b)) {
        clearInterval(poll);
        clearTimeout(deadline);
        resolve();
      }
    }, 10);
    child.once('error', (err) => {
      clearInterval(poll);
      clearTimeout(deadline);
      reject(err);
    });
  });
  return {
    a,
    b,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
