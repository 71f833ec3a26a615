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

/** A part of the service that uses a port only while no one else wants it: the health monitor's boot-log listener. */
export interface PortListener {
  /** Lets go of the port; resolves once it is closed. */
  pause(): Promise<void>;
  /** The port is free again. */
  resume(): void;
}

/**
 * The service's own record of which of its parts uses which serial port: the web console, a flash job, a
 * push job. It answers a second user at request time (HTTP 409 naming the first) instead of letting the
 * job start and fail on the port's lock; the lock taken by openSerialPort still guards the port itself.
 */
export class PortClaims {
  private readonly users = new Map<string, PortUser>();
  private readonly listeners = new Map<string, PortListener>();
  private readonly pausing = new Map<string, Promise<void>>();

  /**
   * Takes `path` for `user`; E_PORT_BUSY naming the holder when it is taken. Returns the release. A listener
   * on the port is asked to step aside: open the port only after `ready(path)`.
   */
  claim(path: string, user: PortUser): () => void {
    this.assertFree(path);
    this.users.set(path, user);
    const listener = this.listeners.get(path);
    if (listener) {
      const paused = listener.pause().catch(() => undefined);
      this.pausing.set(path, paused);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.users.get(path) !== user) return;
      this.users.delete(path);
      this.pausing.delete(path);
      this.listeners.get(path)?.resume();
    };
  }

  /** Resolves once a listener asked to step aside for a claim of `path` has closed the port. */
  async ready(path: string): Promise<void> {
    await this.pausing.get(path);
  }

  /** Registers a listener that holds `path` while nobody has claimed it. Returns the unregistration. */
  listen(path: string, listener: PortListener): () => void {
    this.listeners.set(path, listener);
    if (!this.users.has(path)) listener.resume();
    return () => {
      if (this.listeners.get(path) === listener) this.listeners.delete(path);
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
