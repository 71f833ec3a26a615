import type { CameraSpec } from '../../config/camera-spec.js';
import type { CameraClient } from '../../devices/camera/camera-client.js';
import type { I2cClock } from '../../transports/i2c-clock.js';

/**
 * What the service may see of a simulated board: its state for the status page, and its reboots. The
 * composition root hands it in; the service never builds a simulator itself.
 */
export interface BoardView {
  info(): unknown;
  on(event: 'reboot', listener: (event: { cause: string }) => void): unknown;
  off(event: 'reboot', listener: (event: { cause: string }) => void): unknown;
  /** Injects a run-time fault (reboot, hang, brownout…); E_BAD_INPUT naming the problem when it is not one. */
  injectFault(kind: string, args: { seconds?: number; count?: number; cause?: string }): { fault: string; description: string };
  /** The fault kinds injectFault takes. */
  faultKinds(): string[];
}

/** A connected camera: its name, where it is, the client that talks to it, and its board when simulated. */
export interface CameraHandle {
  name: string;
  spec: CameraSpec;
  /** Canonical spec text: `sim@0x2d`, `i2c:1@0x2c`. */
  specText: string;
  address: number;
  client: CameraClient;
  /** The board's USB-serial port, when it has one the service knows (`sim:NAME` for a simulated board). */
  serialPort?: string;
  board?: BoardView;
  /** The clock of the camera's bus, which its client paces itself by, and where it came from. */
  busClock?: I2cClock;
  /** Closes the client; the bus under it belongs to whoever opened it. */
  close(): Promise<void>;
}
