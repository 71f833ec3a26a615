import { join } from 'node:path';
import { busKey, DEFAULT_CAMERA_ADDRESS, parseCameraSpec, type CameraSpec } from '../config/camera-spec.js';
import { configuredI2cClock } from '../config/i2c-clock.js';
import type { CameraConfig, Config } from '../config/schema.js';
import { CameraClient } from '../devices/camera/camera-client.js';
import { Esp32CamError } from '../errors.js';
import { logger } from '../log/index.js';
import type { BoardView, CameraHandle } from '../services/cameras/index.js';
import type { ProvidedPort } from '../services/serial/index.js';
import type { ServiceHardware } from '../services/start-services.js';
import { SimI2cBus, SimulatedEsp32Cam } from '../sim/index.js';
import { parseRuntimeFault, RUNTIME_FAULT_KINDS } from '../sim/runtime-faults.js';
import { claimI2cBus } from '../transports/i2c-bus-claim.js';
import { openI2cBus } from '../transports/i2c-bus-transport.js';
import { resolveI2cClock, type I2cClock } from '../transports/i2c-clock.js';
import type { I2cTransport } from '../transports/i2c-transport.js';
import { SharedI2cBus, type I2cTransaction } from '../transports/shared-i2c-bus.js';
import type { PortLock } from '../transports/serial/port-lock.js';
import { provideSimPort } from './sim-serial-ports.js';

const log = logger('i2c');

export interface HardwareOptions {
  /** Keep each simulated board's flash in a file of this folder (the service's data folder). */
  flashDir?: string;
  /** Give each simulated board a serial port, `sim:NAME` (the service does; a one-off capture need not). */
  serialPorts?: boolean;
  /** Named in the lock of each real bus, for whoever is refused it next: "esp32cam serve". */
  owner: string;
  /** Sees every I2C transaction (the trace log). */
  onTransaction?: (t: I2cTransaction) => void;
  /** Directory for the real buses' lock files (tests); undefined picks /run/lock. */
  lockDir?: string | null;
  /** Where sysfs is, for a real bus's clock (tests give a fake tree); undefined is the root. */
  sysRoot?: string;
  /** Opens real bus N; undefined opens /dev/i2c-N (tests put a simulated wire there). */
  openBus?: (bus: number) => Promise<I2cTransport>;
}

/** Everything opened for a set of cameras; the simulated boards are the test rig's and the status page's. */
export interface OpenedHardware extends ServiceHardware {
  /** Simulated boards by camera name. */
  boards: Map<string, SimulatedEsp32Cam>;
  /** One per bus the cameras are on, by `sim:1` / `i2c:1`. */
  buses: Map<string, SharedI2cBus>;
}

/** The file, in the data folder, that keeps a simulated board's 4 MB flash between runs (`cam` keeps the old name). */
export function simFlashFile(cameraName: string): string {
  return cameraName === 'cam' ? 'sim-flash.bin' : `sim-flash-${cameraName}.bin`;
}

/**
 * Opens what the cameras stand on: each I2C bus once (claimed, for real ones, so no second program drives
 * it), shared by every camera on it through one queue, and a simulated board for each simulated camera,
 * plugged into its simulated bus. Partial failures close whatever was already open.
 */
export async function openHardware(cameras: CameraConfig[], config: Pick<Config, 'sim' | 'i2c'>, opts: HardwareOptions): Promise<OpenedHardware> {
  const buses = new Map<string, SharedI2cBus>();
  /** Each bus's clock, which its cameras pace themselves by. */
  const clocks = new Map<string, I2cClock>();
  /** The simulated wires under the simulated buses: what simulated boards plug into. */
  const simWires = new Map<string, SimI2cBus>();
  const locks: PortLock[] = [];
  const boards = new Map<string, SimulatedEsp32Cam>();
  const handles: CameraHandle[] = [];
  const ports: ProvidedPort[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(handles.map((h) => h.close()));
    await Promise.all(ports.map((p) => p.close()));
    await Promise.all([...boards.values()].map((b) => b.close()));
    await Promise.all([...buses.values()].map((b) => b.close()));
    for (const lock of locks) lock.release();
  };
  try {
    const specs = cameras.map((c) => ({ camera: c, spec: specOf(c) }));
    for (const { spec } of specs) {
      const key = busKey(spec);
      if (buses.has(key)) continue;
      let wire: I2cTransport;
      if (spec.kind === 'sim') {
        const simWire = new SimI2cBus(config.sim.busHz);
        simWires.set(key, simWire);
        wire = simWire;
        clocks.set(key, { hz: config.sim.busHz, origin: 'simulated' });
        log.info(`${key} runs at ${config.sim.busHz} Hz (sim.busHz)`, { bus: spec.bus, hz: config.sim.busHz, origin: 'simulated' });
      } else {
        const clock = realBusClock(spec.bus, config, opts);
        clocks.set(key, clock);
        wire = await openRealBus(spec.bus, opts, locks);
      }
      buses.set(key, new SharedI2cBus(wire, { name: key, onTransaction: opts.onTransaction }));
    }
    // Boards boot in parallel: each is a MicroPython worker of its own.
    await Promise.all(
      specs.map(async ({ camera, spec }) => {
        if (spec.kind !== 'sim') return;
        boards.set(camera.name, await startBoard(camera, spec, simWires.get(busKey(spec))!, opts));
      }),
    );
    for (const { camera, spec } of specs) {
      const bus = buses.get(busKey(spec))!;
      const board = boards.get(camera.name);
      let serialPort = camera.serialPort;
      if (board && opts.serialPorts) {
        const port = provideSimPort(camera.name, board.serial, { owned: false });
        ports.push(port);
        serialPort = port.path;
      }
      const busClock = clocks.get(busKey(spec))!;
      const client = new CameraClient({ bus: bus.user(), address: spec.address, protocol: camera.protocol, busHz: busClock.hz });
      handles.push({
        busClock,
        name: camera.name,
        spec,
        specText: camera.camera,
        address: spec.address,
        client,
        serialPort,
        ...(board ? { board: simBoardView(board) } : {}),
        close: async () => client.close(),
      });
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    cameras: handles,
    ports,
    boards,
    buses,
    close: () => (closing ??= closeAll()),
  };
}

function specOf(camera: CameraConfig): CameraSpec {
  const spec = parseCameraSpec(camera.camera);
  if (!spec) {
    throw new Esp32CamError(
      'E_CONFIG',
      `camera "${camera.name}": "${camera.camera}" is not a camera; use "sim", "sim@0x2d" or "i2c:BUS@ADDRESS" like "i2c:1@0x2c"`,
      'Set it with --camera NAME=SPEC or in the config file\'s "cameras"; `ls /dev/i2c-*` lists the I2C buses.',
    );
  }
  return spec;
}

async function openRealBus(bus: number, opts: HardwareOptions, locks: PortLock[]): Promise<I2cTransport> {
  locks.push(await claimI2cBus(bus, opts.owner, { lockDir: opts.lockDir }));
  return opts.openBus ? opts.openBus(bus) : openI2cBus(bus);
}

/**
 * A real bus's clock: the config's, else the device tree's (the Pi's config.txt choice), else the Pi's default.
 * Logged with where it came from; the slave's I2C_FREQ should match it (docs/hardware.md, "The Pi's bus clock").
 */
function realBusClock(bus: number, config: Pick<Config, 'i2c'>, opts: HardwareOptions): I2cClock {
  const configured = configuredI2cClock(config.i2c, bus);
  const { detectedHz, ...clock } = resolveI2cClock(bus, configured?.hz, opts.sysRoot);
  const fields = { bus, hz: clock.hz, origin: clock.origin, detectedHz };
  if (configured) {
    log.info(`i2c-${bus} runs at ${clock.hz} Hz (config ${configured.key})`, fields);
    // Pacing by a clock the wire does not run at makes timeouts too short or the chunks too long.
    if (detectedHz !== undefined && detectedHz !== clock.hz) {
      log.warn(`i2c-${bus}: the config says ${clock.hz} Hz but the device tree says ${detectedHz} Hz; pacing by the config`, fields);
    }
  } else if (clock.origin === 'system') log.info(`i2c-${bus} runs at ${clock.hz} Hz (device tree)`, fields);
  else log.info(`i2c-${bus} runs at ${clock.hz} Hz (default: the system does not say its clock; set i2c.clockHz if it is not that)`, fields);
  return clock;
}

async function startBoard(camera: CameraConfig, spec: CameraSpec, wire: SimI2cBus, opts: HardwareOptions): Promise<SimulatedEsp32Cam> {
  const overrides: Record<string, string | number | boolean> = {};
  // The board's slave answers where the config says the camera is.
  if (spec.address !== DEFAULT_CAMERA_ADDRESS) overrides.I2C_ADDRESS = spec.address;
  if (camera.sim.frameSize !== undefined) overrides.FRAME_SIZE = camera.sim.frameSize;
  if (camera.sim.quality !== undefined) overrides.JPEG_QUALITY = camera.sim.quality;
  return SimulatedEsp32Cam.start({
    i2cBus: wire,
    script: camera.sim.script,
    flashFile: opts.flashDir ? join(opts.flashDir, simFlashFile(camera.name)) : undefined,
    configOverrides: Object.keys(overrides).length > 0 ? overrides : undefined,
    ...(camera.sim.ambientLight !== undefined ? { ambientLight: camera.sim.ambientLight } : {}),
  });
}

/** What the service may do with a simulated board: show it, hear its reboots, and inject faults into it. */
function simBoardView(board: SimulatedEsp32Cam): BoardView {
  return {
    // The page offers the fault kinds from here, so it never lists one the simulator does not take.
    info: () => ({ ...board.info(), faults: RUNTIME_FAULT_KINDS }),
    on: (event, listener) => board.on(event, listener),
    off: (event, listener) => board.off(event, listener),
    injectFault: (kind, args) => {
      const fault = parseRuntimeFault(kind, args);
      board.fault(fault);
      return { fault: fault.kind, description: RUNTIME_FAULT_KINDS.find((k) => k.kind === fault.kind)?.description ?? '' };
    },
    faultKinds: () => RUNTIME_FAULT_KINDS.map((k) => k.kind),
  };
}
