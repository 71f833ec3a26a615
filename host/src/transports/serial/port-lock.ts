import { accessSync, closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Esp32CamError } from '../../errors.js';
import { isEsp32camService, processName } from './port-holders.js';
import { isProcessAlive } from '../../process-alive.js';

/**
 * One owner per serial port. Inside this process a registry refuses a second open of the same port; across
 * processes a UUCP lock file (`/run/lock/LCK..ttyUSB0` holding the owner's pid, the convention minicom,
 * picocom and others follow) names who has it. The binding's flock adds a kernel-enforced lock on top, which
 * also dies with its process.
 */
export interface PortLock {
  /** Where the lock file is, if one could be made. */
  readonly lockFile?: string;
  release(): void;
}

const heldInProcess = new Map<string, string>();
const heldLockFiles = new Set<string>();
let exitHookInstalled = false;

export interface AcquireOptions {
  /** The port as the user named it, for messages. */
  displayPath: string;
  /** Who is opening it (flasher, console...), named to the next one who tries. */
  owner: string;
  /** Directory for the UUCP lock file; null for none; undefined picks /run/lock or /var/lock when writable. */
  lockDir?: string | null;
}

/** `key` is the resolved device path (/dev/ttyUSB0, /dev/pts/3) or a non-file port name such as sim:esp32cam. */
export async function acquirePortLock(key: string, options: AcquireOptions): Promise<PortLock> {
  const holder = heldInProcess.get(key);
  if (holder !== undefined) {
    throw new Esp32CamError(
      'E_PORT_BUSY',
      `${options.displayPath} is already open in this program (by the ${holder})`,
      `Close the ${holder} first; only one user of a serial port at a time.`,
    );
  }
  const lockDir = options.lockDir === undefined ? defaultLockDir() : options.lockDir;
  const lockFile = key.startsWith('/') && lockDir ? join(lockDir, lockFileName(key)) : undefined;
  // Reserved before the first await, so two opens racing inside this process cannot both get through.
  heldInProcess.set(key, options.owner);
  let madeFile = false;
  try {
    if (lockFile) madeFile = await createLockFile(lockFile, options.displayPath);
  } catch (err) {
    heldInProcess.delete(key);
    throw err;
  }
  if (madeFile && lockFile) {
    heldLockFiles.add(lockFile);
    installExitHook();
  }
  let released = false;
  return {
    lockFile: madeFile ? lockFile : undefined,
    release() {
      if (released) return;
      released = true;
      heldInProcess.delete(key);
      if (madeFile && lockFile) {
        heldLockFiles.delete(lockFile);
        removeQuietly(lockFile);
      }
    },
  };
}

/** `LCK..ttyUSB0`; a device below /dev/ keeps its sub-folders with `/` turned into `_` (`LCK..pts_3`). */
export function lockFileName(devicePath: string): string {
  const relative = devicePath.startsWith('/dev/') ? devicePath.slice('/dev/'.length) : basename(devicePath);
  return `LCK..${relative.replace(/\//g, '_')}`;
}

function defaultLockDir(): string | null {
  for (const dir of ['/run/lock', '/var/lock']) {
    try {
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      // try the next; without any, the in-process registry and the flock still stand
    }
  }
  return null;
}

/** Returns false when no lock file can be made here (read-only or missing lock dir): that is not an error. */
async function createLockFile(lockFile: string, displayPath: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o644);
      try {
        // The UUCP format: the pid in ten columns, then a newline.
        writeSync(fd, `${String(process.pid).padStart(10)}\n`);
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') return false;
    }
    const pid = readLockPid(lockFile);
    if (pid !== undefined && pid !== process.pid && isProcessAlive(pid)) {
      if (await isEsp32camService(pid)) {
        throw new Esp32CamError(
          'E_PORT_BUSY',
          `${displayPath} is held by the esp32cam service (pid ${pid}), which listens to the board's boot log while nobody else needs the port`,
          'Go through the service, which steps aside for its own jobs: the page\'s Firmware and Scripts panels, or POST /api/firmware and /api/scripts/push. Or stop the service, or set "health": {"bootLog": false} in its config.',
        );
      }
      const name = await processName(pid);
      const who = name ? `${name} (pid ${pid})` : `pid ${pid}`;
      throw new Esp32CamError(
        'E_PORT_BUSY',
        `${displayPath} is in use by ${who}`,
        `Close ${name ?? 'that program'} (or \`kill ${pid}\`) and try again; only one program can use a serial port at a time. Its lock file is ${lockFile}.`,
      );
    }
    // Stale: its owner is gone, or it is an unreadable leftover; our own pid here means a lock we lost track of.
    removeQuietly(lockFile);
  }
  return false;
}

function readLockPid(lockFile: string): number | undefined {
  try {
    const text = readFileSync(lockFile, 'latin1').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** A process that exits without closing its ports must not leave lock files that name a dead pid. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const file of heldLockFiles) removeQuietly(file);
  });
}
