export { SerialPorts, type SerialPortsOptions } from './serial-ports.js';
export { PortChoice, type FlashPortJson, type PortOpenExtras, type ProvidedPort } from './port-choice.js';
export { PortClaims, type PortUser } from './port-claims.js';
