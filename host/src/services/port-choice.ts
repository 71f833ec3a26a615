import { access, constants } from 'node:fs/promises';
import type { BindingInterface } from '@serialport/bindings-cpp';
import { Esp32CamError } from '../errors.js';
import { isSimPortPath } from '../sim/uart/index.js';
import { findSerialPort, listSerialPorts, onlyEspBoard, type BridgeKind, type SerialPortInfo } from '../transports/serial/index.js';
import { openError } from '../transports/serial/open-errors.js';
import type { SimFlashPort } from './flash-sim-port.js';

/** A port as GET /api/ports lists it: discovery's facts, and whether it is the simulated board. */
export type FlashPortJson = SerialPortInfo & { simulated: boolean };

export interface PortChoiceOptions {
  /** The simulated board's serial side, when the service runs the simulated camera. */
  sim?: SimFlashPort;
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

  get sim(): SimFlashPort | undefined {
    return this.opts.sim;
  }

  /** Serial ports, likely ESP boards (and the simulated one) first. */
  async list(opts: { all?: boolean } = {}): Promise<FlashPortJson[]> {
    const ports = await listSerialPorts({
      all: opts.all === true,
      extra: this.opts.sim ? [this.opts.sim.info] : [],
      sysfsRoot: this.opts.sysfsRoot,
      devRoot: this.opts.devRoot,
    });
    return ports.map((p) => ({ ...p, simulated: isSimPortPath(p.path) }));
  }

  /**
   * The path `port` stands for, checked to exist and be usable. Omitted: the simulated board when there is
   * one and `preferSim`, else the one likely ESP board.
   */
  async resolve(port: string | undefined, opts: { preferSim?: boolean } = {}): Promise<string> {
    if (port === undefined) {
      if (opts.preferSim && this.opts.sim) return this.opts.sim.path;
      return this.onlyBoard();
    }
    if (isSimPortPath(port)) {
      if (port === this.opts.sim?.path) return port;
      throw new Esp32CamError('E_PORT_NOT_FOUND', `There is no simulated board at ${port}`,
        this.opts.sim ? `The simulated board is ${this.opts.sim.path}.` : 'The service runs a simulated board only with the simulated camera (camera "sim"); GET /api/ports lists the ports.');
    }
    const found = await findSerialPort(port, { sysfsRoot: this.opts.sysfsRoot, devRoot: this.opts.devRoot });
    if (!found) {
      throw new Esp32CamError('E_PORT_NOT_FOUND', `${port} is not a serial port of this machine`, 'Choose one of the ports GET /api/ports lists (`esp32cam ports` on the Pi); check that the board is plugged in.');
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
    return isSimPortPath(path) && this.opts.sim ? { binding: this.opts.sim.binding, bridge: this.opts.sim.bridge } : {};
  }

  private async onlyBoard(): Promise<string> {
    return onlyEspBoard(await this.list(), 'choose its port with ?port=.');
  }

}
