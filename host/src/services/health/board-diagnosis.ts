import { bootLog } from '../../../../protocol/src/index.js';

type BoardFault = NonNullable<ReturnType<typeof bootLog.recogniseBoardFault>>;

export interface Diagnosis {
  fault: BoardFault['kind'];
  /** What the board said, in plain words. */
  reason: string;
  /** What to do about it. */
  hint: string;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Probe errors esp32-camera reports most (docs/hardware.md §9). */
function probeMeaning(code: number): string {
  if (code === 0x105) return 'the sensor did not answer on its SCCB bus (ESP_ERR_NOT_FOUND)';
  if (code === 0x20004) return 'the sensor answered with an id the driver does not support';
  return `error ${hex(code)}`;
}

/** Turns one recognised boot-log line into a diagnosis a user can act on (docs/hardware.md §9 has the sources). */
export function diagnose(fault: BoardFault): Diagnosis {
  switch (fault.kind) {
    case 'brownout':
      return {
        fault: fault.kind,
        reason: 'the brownout detector reset the board: its supply voltage sagged',
        hint: 'Power the ESP32-CAM from a 5 V supply good for 500 mA peaks, with short thick wires; the flash LED and the camera starting are the usual trigger. A Pi 3.3 V pin is not enough.',
      };
    case 'camera-probe':
      return {
        fault: fault.kind,
        reason: `the camera sensor probe failed: ${probeMeaning(fault.code)}`,
        hint: 'Reseat the camera ribbon cable (contacts towards the board, latch closed); if it persists the sensor or its cable is damaged.',
      };
    case 'camera-unsupported':
      return {
        fault: fault.kind,
        reason: 'the camera module is not one the firmware supports',
        hint: 'Fit an OV2640 (the ESP32-CAM default) or a sensor freshev’s firmware lists as supported.',
      };
    case 'camera-init':
      return {
        fault: fault.kind,
        reason: `the camera driver failed to start${fault.code !== undefined ? ` (${hex(fault.code)})` : ''}`,
        hint: 'Reseat the camera ribbon cable and check the supply; a missing PSRAM also makes large frame sizes fail.',
      };
    case 'no-psram':
      return {
        fault: fault.kind,
        reason: 'the board’s PSRAM did not answer',
        hint: 'The camera then keeps its frame buffer in internal RAM, which only fits small frame sizes (up to VGA): lower FRAME_SIZE, or replace the board.',
      };
    case 'invalid-header':
      return {
        fault: fault.kind,
        reason: `the ROM found no valid firmware (invalid header ${fault.word}) and loops`,
        hint:
          fault.word === '0xffffffff'
            ? 'GPIO12 is a strapping pin: the I2C wiring on it (a pull-up) makes the flash run at the wrong voltage at boot. Disconnect SCL from GPIO12 while the board boots, or move the bus to other pins; if the flash was erased, flash the firmware again.'
            : 'The flash does not hold a valid firmware: flash it again with esp32cam flash.',
      };
    case 'panic':
      return {
        fault: fault.kind,
        reason: `the firmware crashed (Guru Meditation: ${fault.reason} on core ${fault.core})`,
        hint: 'The backtrace that follows locates the crash; reflash the firmware if it repeats, and report it with the backtrace.',
      };
    case 'backtrace':
      return {
        fault: fault.kind,
        reason: `crash backtrace: ${fault.frames.slice(0, 4).join(' ')}${fault.frames.length > 4 ? ' …' : ''}`,
        hint: 'Decode it against the firmware’s ELF (xtensa-esp32-elf-addr2line) to see where it crashed.',
      };
    case 'task-watchdog':
      return {
        fault: fault.kind,
        reason: 'the task watchdog fired: the slave script stopped feeding it',
        hint: 'The script hung or nothing talked to it for longer than its WDT_TIMEOUT_MS; the service’s keep-alive prevents the second.',
      };
  }
}

/** Reads one line of boot log; a diagnosis when it is a fault the service knows. */
export function diagnoseLine(line: string): Diagnosis | undefined {
  const fault = bootLog.recogniseBoardFault(line);
  return fault ? diagnose(fault) : undefined;
}
