import { access, constants } from 'node:fs/promises';
import type { BindingInterface } from '@serialport/bindings-cpp';
import { Esp32CamError } from '../../errors.js';
import { findSerialPort, listSerialPorts, onlyEspBoard, type BridgeKind, type SerialPortInfo } from '../../transports/serial/index.js';
import { openError } from '../../transports/serial/open-errors.js';

/** A port as GET /api/ports lists it: discovery's facts, and whether it is a simulated board. */
export type FlashPortJson = SerialPortInfo & { simulated: boolean };

/** Simulated ports are named `sim:NAME`; no device file has that shape. */
const SIM_PREFIX = 'sim:';

/**
 * A serial port that exists outside /dev: a simulated board's USB-serial side, handed in by the composition
 * root together with the binding that reaches it.
 */
export interface ProvidedPort {
  readonly path: string;
  readonly binding: BindingInterface;
  readonly bridge: BridgeKind;
  /** How GET /api/ports lists it. */
  readonly info: SerialPortInfo;
  /** Pulls the plug: whatever has the port open sees it vanish at once. */
  unplug(): void;
  close(): Promise<void>;
}

export interface PortChoiceOptions {
  /** Simulated boards' serial sides, in camera order. */
  provided?: readonly ProvidedPort[];
  /** Where discovery looks (tests point it at a fake tree). */
  sysfsRoot?: string;
  devRoot?: string;
}

/** What openSerialPort needs besides the path: the simulated board's binding and bridge, nothing for a real port. */
export interface PortOpenExtras {
  binding?: BindingInterface;
  bridge?: BridgeKind;
}

/**
 * Which serial port a request from the page means: the simulated board, or a port discovery knows (never an
 * arbitrary file), and with none named the one likely ESP board. Flash jobs, push jobs, device files and the
 * web console all choose their port here.
 */
export class PortChoice {
  private readonly opts: PortChoiceOptions;

  constructor(opts: PortChoiceOptions = {}) {
    this.opts = opts;
  }

  /** The ports handed in by the composition root (simulated boards). */
  get provided(): readonly ProvidedPort[] {
    return this.opts.provided ?? [];
  }

  private providedAt(path: string): ProvidedPort | undefined {
    return this.provided.find((p) => p.path === path);
  }

  /** Serial ports, likely ESP boards (and the simulated one) first. */
  async list(opts: { all?: boolean } = {}): Promise<FlashPortJson[]> {
    const ports = await listSerialPorts({
      all: opts.all === true,
      extra: this.provided.map((p) => p.info),
      sysfsRoot: this.opts.sysfsRoot,
      devRoot: this.opts.devRoot,
    });
    return ports.map((p) => ({ ...p, simulated: this.providedAt(p.path) !== undefined }));
  }

  /**
   * The path `port` stands for, checked to exist and be usable. Omitted: the first simulated board when
   * there is one and `preferSim`, else the one likely ESP board.
   */
  async resolve(port: string | undefined, opts: { preferSim?: boolean } = {}): Promise<string> {
    if (port === undefined) {
      if (opts.preferSim && this.provided.length > 0) return this.provided[0].path;
      return this.onlyBoard();
    }
    if (port.startsWith(SIM_PREFIX)) {
      if (this.providedAt(port)) return port;
      const names = this.provided.map((p) => p.path);
      throw new Esp32CamError(
        'E_PORT_NOT_FOUND',
        `There is no simulated board at ${port}`,
        names.length > 0
          ? `The simulated boards are ${names.join(', ')}.`
          : 'The service runs simulated boards only for simulated cameras ("sim"); GET /api/ports lists the ports.',
      );
    }
    const found = await findSerialPort(port, { sysfsRoot: this.opts.sysfsRoot, devRoot: this.opts.devRoot });
    if (!found) {
      throw new Esp32CamError(
        'E_PORT_NOT_FOUND',
        `${port} is not a serial port of this machine`,
        'Choose one of the ports GET /api/ports lists (`esp32cam ports` on the Pi); check that the board is plugged in.',
      );
    }
    try {
      await access(found.path, constants.R_OK | constants.W_OK);
    } catch (err) {
      throw openError(found.path, err);
    }
    return found.path;
  }

  /** The binding and bridge to open a resolved path with. */
  openExtras(path: string): PortOpenExtras {
    const provided = this.providedAt(path);
    return provided ? { binding: provided.binding, bridge: provided.bridge } : {};
  }

  private async onlyBoard(): Promise<string> {
    return onlyEspBoard(await this.list(), 'choose its port with ?port=.');
  }
}
