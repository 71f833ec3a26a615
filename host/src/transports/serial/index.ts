export { BRIDGE_KINDS, bridgeKindForUsb, describeBridge, isBridgeKind } from './bridges.js';
export type { BridgeInfo, BridgeKind, IdleSignals } from './bridges.js';
export { findBridgesWithoutPort, findSerialPort, listSerialPorts } from './list-ports.js';
export type { ListSerialPortsOptions, PortlessBridge, SerialPortInfo } from './list-ports.js';
export { openSerialPort } from './open-serial-port.js';
export type { ModemSignals, OpenSerialPortOptions, SerialPortHandle } from './open-serial-port.js';
export { findPortHolders } from './port-holders.js';
export type { PortHolder } from './port-holders.js';
export { lockFileName } from './port-lock.js';
