import { SimSerialBinding, registerSimSerialBoard, simPortTaken, unregisterSimSerialBoard, type SimSerialBoard } from '../sim/uart/index.js';
import type { ProvidedPort } from '../services/serial/index.js';
import { describeBridge, type BridgeKind, type SerialPortInfo } from '../transports/serial/index.js';

/**
 * Gives a simulated board's USB-serial side a port path, `sim:NAME`, and lists it the way discovery lists a
 * real CP2102 board. The registry of simulated ports is per process and a process may run several services
 * (the tests do): a path already taken gets a number, so closing one service never unlists another's port.
 */
export function provideSimPort(name: string, board: SimSerialBoard, opts: { owned: boolean }): ProvidedPort {
  // Checked and registered in one synchronous step, so two services starting at once cannot take one path.
  const path = freePath(`sim:${name}`);
  registerSimSerialBoard(path, board);
  const bridge: BridgeKind = 'cp210x';
  const described = describeBridge(bridge);
  const info: SerialPortInfo = {
    path,
    vid: '10c4',
    pid: 'ea60',
    manufacturer: 'Silicon Labs (simulated)',
    product: `Simulated ESP32-CAM "${name}"`,
    serialNumber: `SIM-${name}`,
    bridge,
    bridgeLabel: described.label,
    resetNote: described.resetNote,
    likelyEsp: true,
  };
  let closing: Promise<void> | undefined;
  return {
    path,
    binding: SimSerialBinding,
    bridge,
    info,
    unplug: () => board.unplug(),
    close() {
      closing ??= (async () => {
        unregisterSimSerialBoard(path);
        if (opts.owned) await board.close();
      })();
      return closing;
    },
  };
}

function freePath(wanted: string): string {
  for (let n = 1; ; n++) {
    const path = n === 1 ? wanted : `${wanted}-${n}`;
    if (!simPortTaken(path)) return path;
  }
}
