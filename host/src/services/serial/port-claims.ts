import { Esp32CamError } from '../../errors.js';

/** Who holds a port, as the next one who asks is told. */
export interface PortUser {
  /** "web console", "flash job 3f…", "script push job 9a…". */
  name: string;
  /** The refusal's message for that port, e.g. "sim:esp32cam is being flashed already (job 3f…)". */
  busyMessage: (path: string) => string;
  /** What the refused user should do. */
  busyHint: string;
}

/**
 * The service's own record of which of its parts uses which serial port: the web console, a flash job, a
 * push job. It answers a second user at request time (HTTP 409 naming the first) instead of letting the
 * job start and fail on the port's lock; the lock taken by openSerialPort still guards the port itself.
 */
export class PortClaims {
  private readonly users = new Map<string, PortUser>();

  /** Takes `path` for `user`; E_PORT_BUSY naming the holder when it is taken. Returns the release. */
  claim(path: string, user: PortUser): () => void {
    this.assertFree(path);
    this.users.set(path, user);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.users.get(path) === user) this.users.delete(path);
    };
  }

  assertFree(path: string): void {
    const holder = this.users.get(path);
    if (holder) throw new Esp32CamError('E_PORT_BUSY', holder.busyMessage(path), holder.busyHint);
  }

  holder(path: string): string | undefined {
    return this.users.get(path)?.name;
  }
}
