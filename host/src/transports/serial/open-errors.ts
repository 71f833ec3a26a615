import { readFileSync, statSync } from 'node:fs';
import { Esp32CamError, systemErrorCode } from '../../errors.js';

/**
 * The errno behind a serial-port failure. Node system errors carry `code`; @serialport/bindings-cpp only puts
 * strerror() text in the message ("Error: Permission denied, cannot open /dev/ttyUSB0"), so that is read too.
 */
export function serialErrno(err: unknown): string | undefined {
  const code = systemErrorCode(err);
  if (code) return code;
  const message = err instanceof Error ? err.message : String(err);
  for (const [pattern, errno] of STRERROR) if (pattern.test(message)) return errno;
  return undefined;
}

const STRERROR: Array<[RegExp, string]> = [
  [/No such file or directory/i, 'ENOENT'],
  [/Permission denied/i, 'EACCES'],
  [/Operation not permitted/i, 'EPERM'],
  [/Device or resource busy/i, 'EBUSY'],
  [/Resource temporarily unavailable|Cannot lock port/i, 'EAGAIN'],
  [/No such device or address/i, 'ENXIO'],
  [/No such device/i, 'ENODEV'],
  [/Inappropriate ioctl for device/i, 'ENOTTY'],
  [/Invalid argument/i, 'EINVAL'],
  [/Input\/output error/i, 'EIO'],
];

const PORTS_HINT =
  'Run `esp32cam ports` to see the serial ports; check that the cable carries data (not a charge-only cable) and that the board is plugged in.';

/** Turns a failed open into advice. `busyHolders` names who has the port, when a /proc scan found out. */
export function openError(displayPath: string, err: unknown, busyHolders?: string): Esp32CamError {
  const errno = serialErrno(err);
  const options = { cause: err };
  switch (errno) {
    case 'ENOENT':
      return new Esp32CamError('E_PORT_NOT_FOUND', `${displayPath} does not exist`, PORTS_HINT, options);
    case 'ENODEV':
    case 'ENXIO':
      return new Esp32CamError('E_PORT_NOT_FOUND', `${displayPath} exists but no device answers (unplugged?)`, PORTS_HINT, options);
    case 'EACCES':
    case 'EPERM': {
      const group = deviceGroup(displayPath) ?? 'dialout';
      return new Esp32CamError(
        'E_PORT_PERMISSION',
        `No permission to open ${displayPath}`,
        `Join the ${group} group: sudo usermod -aG ${group} $USER, then log in again.`,
        options,
      );
    }
    case 'EBUSY':
    case 'EAGAIN':
      return busyError(displayPath, busyHolders, err);
    case 'ENOTTY':
      return new Esp32CamError('E_PORT_IO', `${displayPath} is not a serial port`, PORTS_HINT, options);
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return new Esp32CamError('E_PORT_IO', `${displayPath} could not be opened: ${message.replace(/\s*\n\s*/g, ' ')}`, PORTS_HINT, options);
    }
  }
}

export function busyError(displayPath: string, holders?: string, cause?: unknown): Esp32CamError {
  return new Esp32CamError(
    'E_PORT_BUSY',
    holders ? `${displayPath} is in use by ${holders}` : `${displayPath} is in use by another program`,
    `Close the program using it (find it with \`fuser -v ${displayPath}\`) and try again; only one program can use a serial port at a time.`,
    cause === undefined ? undefined : { cause },
  );
}

/** The group that owns the device node (dialout on Debian and Raspberry Pi OS, uucp on Arch), if readable. */
function deviceGroup(path: string): string | undefined {
  try {
    const gid = statSync(path).gid;
    if (gid === 0) return undefined;
    const line = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(gid));
    return line?.split(':')[0] || undefined;
  } catch {
    return undefined;
  }
}
