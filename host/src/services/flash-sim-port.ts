import { join } from 'node:path';
import type { BindingInterface } from '@serialport/bindings-cpp';
import {
  registerSimSerialBoard,
  SIM_PORT_PATH,
  SimSerialBinding,
  SimSerialBoard,
  unregisterSimSerialBoard,
} from '../sim/uart/index.js';
import { describeBridge, type BridgeKind, type SerialPortInfo } from '../transports/serial/index.js';

/** The file, in the data folder, that keeps the simulated board's 4 MB flash between runs. */
export const SIM_FLASH_FILE = 'sim-flash.bin';

/**
 * The simulated ESP32-CAM's USB-serial side as the service offers it: one board with the auto-reset
 * circuit, reachable through SimSerialBinding at `sim:esp32cam` and listed among the real ports.
 */
export interface SimFlashPort {
  readonly path: string;
  readonly board: SimSerialBoard;
  readonly binding: BindingInterface;
  readonly bridge: BridgeKind;
  /** How GET /api/ports lists it. */
  readonly info: SerialPortInfo;
  close(): Promise<void>;
}

let taken = 0;

/**
 * The registry of simulated ports is per process, and a process may run several services (the tests do):
 * the first gets `sim:esp32cam`, later ones a numbered path, so that closing one never unregisters another's.
 */
async function freePath(): Promise<string> {
  const listed = new Set((await SimSerialBinding.list()).map((p) => p.path));
  for (;;) {
    const path = taken === 0 ? SIM_PORT_PATH : `${SIM_PORT_PATH}-${taken + 1}`;
    taken += 1;
    if (!listed.has(path)) return path;
  }
}

/** A standalone simulated board (ROM, flash, boot log), for a service whose camera is real. */
export async function openSimFlashPort(dataDir: string): Promise<SimFlashPort> {
  const board = await SimSerialBoard.create({ flashFile: join(dataDir, SIM_FLASH_FILE), autoReset: true });
  return registerSimFlashPort(board, true);
}

/**
 * The serial side of the simulated camera itself (SimulatedEsp32Cam.serial), so flashing and the REPL reach
 * the same board the I2C side talks to. The camera owns the board: close() only unlists the port.
 */
export function simFlashPortFor(board: SimSerialBoard): Promise<SimFlashPort> {
  return registerSimFlashPort(board, false);
}

async function registerSimFlashPort(board: SimSerialBoard, owned: boolean): Promise<SimFlashPort> {
  const path = await freePath();
  registerSimSerialBoard(path, board);
  const bridge: BridgeKind = 'cp210x';
  const described = describeBridge(bridge);
  const info: SerialPortInfo = {
    path,
    vid: '10c4',
    pid: 'ea60',
    manufacturer: 'Silicon Labs (simulated)',
    product: 'Simulated ESP32-CAM',
    serialNumber: 'SIM0001',
    bridge,
    bridgeLabel: described.label,
    resetNote: described.resetNote,
    likelyEsp: true,
  };
  let closing: Promise<void> | undefined;
  return {
    path,
    board,
    binding: SimSerialBinding,
    bridge,
    info,
    close() {
      closing ??= (async () => {
        unregisterSimSerialBoard(path);
        if (owned) await board.close();
      })();
      return closing;
    },
  };
}
