import { PortChoice, type PortOpenExtras, type ProvidedPort } from './port-choice.js';
import { PortClaims } from './port-claims.js';

export interface SerialPortsOptions {
  /** Simulated boards' serial sides, from the composition root. */
  provided?: readonly ProvidedPort[];
  /** Where discovery looks (tests point it at a fake tree). */
  sysfsRoot?: string;
  devRoot?: string;
}

/**
 * The service's serial ports: which ports there are (real ones found in sysfs, simulated ones handed in),
 * which one a request means, and which part of the service holds each. Flash jobs, push jobs, device files
 * and the web console all go through it, so two of them never fight over a board.
 */
export class SerialPorts {
  readonly choice: PortChoice;
  readonly claims = new PortClaims();
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: SerialPortsOptions = {}) {
    this.choice = new PortChoice({ provided: opts.provided, sysfsRoot: opts.sysfsRoot, devRoot: opts.devRoot });
  }

  get provided(): readonly ProvidedPort[] {
    return this.choice.provided;
  }

  openExtras(path: string): PortOpenExtras {
    return this.choice.openExtras(path);
  }

  /** Unplugs the simulated ports first, so that whoever has one open sees it go at once. */
  unplugProvided(): void {
    for (const port of this.provided) port.unplug();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.provided.map((port) => port.close()));
    })();
    return this.closing;
  }
}
