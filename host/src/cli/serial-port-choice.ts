/**
 * How a serial command finds its port: `--port`, or the one USB port that looks like an ESP board; and for
 * `--port sim:…`, a simulated board started in this process for the command's lifetime.
 */
import type { Command } from 'commander';
import type { PortSpec } from '../services/device-session.js';
import { SimulatedEsp32Cam } from '../sim/index.js';
import { isSimPortPath, registerSimSerialBoard, SimSerialBinding, unregisterSimSerialBoard } from '../sim/uart/index.js';
import { listSerialPorts, onlyEspBoard } from '../transports/serial/index.js';

export interface SerialPortFlags {
  port?: string;
  simFlashFile?: string;
}

/** The options every command on the board's serial port takes. */
export function addSerialPortOptions(command: Command): Command {
  return command
    .option('--port <path>', 'serial port (default: the one ESP board `esp32cam ports` finds); sim:esp32cam for the simulated board')
    .option('--sim-flash-file <file>', "with --port sim:esp32cam: keep the simulated board's flash (and its files) in this file");
}

/** With no --port: the one port that looks like an ESP board, or advice. */
export async function pickPort(): Promise<string> {
  return onlyEspBoard(await listSerialPorts(), 'give --port (--port sim:esp32cam uses the simulated board).');
}

/**
 * The whole simulated ESP32-CAM (MicroPython with its filesystem on the UART, the slave on I2C), its UART
 * registered at `path` until closed. A new flash file gets MicroPython and the bundled script.
 */
export async function startSimDevice(path: string, flashFile: string | undefined, note: NodeJS.WritableStream = process.stderr): Promise<SimulatedEsp32Cam> {
  const sim = await SimulatedEsp32Cam.start({ flashFile });
  registerSimSerialBoard(path, sim.serial);
  if (!flashFile) note.write('esp32cam: the simulated board keeps its flash and files in memory for this run; --sim-flash-file FILE keeps them\n');
  return sim;
}

/** The port the flags name: runs `fn` with its spec (and the simulated board for `sim:`), and stops that board after. */
export async function withSerialPort<T>(flags: SerialPortFlags, fn: (spec: PortSpec, sim: SimulatedEsp32Cam | undefined) => Promise<T>): Promise<T> {
  const path = flags.port ?? (await pickPort());
  if (!isSimPortPath(path)) return fn({ path }, undefined);
  const sim = await startSimDevice(path, flags.simFlashFile);
  try {
    return await fn({ path, binding: SimSerialBinding, bridge: 'cp210x' }, sim);
  } finally {
    unregisterSimSerialBoard(path);
    await sim.close();
  }
}
