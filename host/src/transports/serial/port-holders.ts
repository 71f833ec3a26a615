import { readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface PortHolder {
  pid: number;
  /** The process name from /proc/<pid>/comm, e.g. screen, minicom, agetty, python3. */
  command?: string;
}

/**
 * The other processes that have `devicePath` (already resolved) open, found the way `fuser` does: through
 * /proc/<pid>/fd. Tools that take no lock (screen, cat, a serial login console) are only visible this way.
 * Processes we may not inspect are skipped, so the answer can be incomplete but never wrong.
 *
 * A pseudo-terminal's peer (socat, the simulated board's pty) keeps the slave open and holds /dev/ptmx with
 * the slave's index; it is the other end of the wire, not a competitor, so it is not counted.
 */
export async function findPortHolders(devicePath: string, procRoot = '/proc'): Promise<PortHolder[]> {
  const ptyIndex = /^\/dev\/pts\/(\d+)$/.exec(devicePath)?.[1];
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return [];
  }
  const found = await Promise.all(pids.map((pid) => inspect(procRoot, pid, devicePath, ptyIndex)));
  return found.filter((h): h is PortHolder => h !== undefined);
}

async function inspect(procRoot: string, pid: string, devicePath: string, ptyIndex: string | undefined): Promise<PortHolder | undefined> {
  const fdDir = join(procRoot, pid, 'fd');
  const fds = await readdir(fdDir).catch(() => [] as string[]);
  const targets = await Promise.all(fds.map((fd) => readlink(join(fdDir, fd)).catch(() => undefined)));
  if (!targets.includes(devicePath)) return undefined;
  if (ptyIndex !== undefined) {
    const masters = fds.filter((_, i) => targets[i] === '/dev/ptmx');
    const infos = await Promise.all(masters.map((fd) => readFile(join(procRoot, pid, 'fdinfo', fd), 'utf8').catch(() => '')));
    if (infos.some((info) => new RegExp(`^tty-index:\\s*${ptyIndex}$`, 'm').test(info))) return undefined;
  }
  const command = (await readFile(join(procRoot, pid, 'comm'), 'utf8').catch(() => '')).trim();
  return command ? { pid: Number(pid), command } : { pid: Number(pid) };
}

export async function processName(pid: number, procRoot = '/proc'): Promise<string | undefined> {
  const name = (await readFile(join(procRoot, String(pid), 'comm'), 'utf8').catch(() => '')).trim();
  return name || undefined;
}

/**
 * Whether `pid` is an esp32cam service (`esp32cam serve`): it holds a board's port to listen to its boot log,
 * and steps aside for its own flash, push and console, so whoever is refused should go through it.
 */
export async function isEsp32camService(pid: number, procRoot = '/proc'): Promise<boolean> {
  const argv = (await readFile(join(procRoot, String(pid), 'cmdline'), 'latin1').catch(() => '')).split('\0');
  return argv.some((a) => /esp32cam(\.js)?$/.test(a)) && argv.includes('serve');
}

export function describeHolders(holders: readonly PortHolder[]): string {
  return holders.map((h) => (h.command ? `${h.command} (pid ${h.pid})` : `pid ${h.pid}`)).join(', ');
}
