import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How the board is put into its ROM bootloader. We own this rather than esptool-js (its hard reset never
 * asserts RTS on a classic board, and its connect() hides why a reset failed).
 */
export type BeforeOption = 'auto' | 'classic' | 'usb-jtag' | 'manual' | 'no-reset';

/** The two modem lines, always set together: node serialport fills a missing one with `true`. */
export interface ModemLines {
  set(lines: { dtr: boolean; rts: boolean }): Promise<void>;
}

export interface ResetStep {
  name: 'classic' | 'usb-jtag' | 'manual' | 'no-reset';
  /** Shown in progress and in diagnostics, e.g. "classic DTR/RTS reset (50 ms)". */
  label: string;
  run(lines: ModemLines): Promise<void>;
}

/**
 * The two-transistor auto-reset circuit (docs/hardware.md §7): RTS alone pulls EN low (reset); DTR alone
 * pulls GPIO0 low. EN rising while GPIO0 is low starts the ROM in download mode. `holdMs` is how long GPIO0
 * stays low after EN rises: esptool tries 50 ms, then 550 ms for boards with a slow EN capacitor.
 */
export function classicReset(holdMs: number): ResetStep {
  return {
    name: 'classic',
    label: `classic DTR/RTS reset (${holdMs} ms)`,
    async run(lines) {
      await lines.set({ dtr: false, rts: true });
      await sleep(100);
      await lines.set({ dtr: true, rts: false });
      await sleep(holdMs);
      await lines.set({ dtr: false, rts: false });
    },
  };
}

/**
 * Espressif's USB-Serial/JTAG peripheral decodes DTR/RTS itself. The sequence passes through (1,1) rather
 * than (0,0) on the way into reset, as esptool's USBJTAGSerialReset does.
 */
export function usbJtagReset(): ResetStep {
  return {
    name: 'usb-jtag',
    label: 'USB-Serial/JTAG reset',
    async run(lines) {
      await lines.set({ dtr: false, rts: false });
      await sleep(100);
      await lines.set({ dtr: true, rts: false });
      await sleep(100);
      await lines.set({ dtr: false, rts: true });
      await sleep(100);
      await lines.set({ dtr: false, rts: false });
    },
  };
}

/** EN low through RTS alone, then released with GPIO0 high: the chip leaves the stub and boots its firmware. */
export async function hardReset(lines: ModemLines): Promise<void> {
  await lines.set({ dtr: false, rts: true });
  await sleep(100);
  await lines.set({ dtr: false, rts: false });
}

/** The board is already in download mode (a jumper on GPIO0, or a pty with no modem lines). */
export function noReset(): ResetStep {
  return { name: 'no-reset', label: 'no reset (board already in download mode)', run: async () => undefined };
}

/** For boards without auto-reset: the user holds GPIO0 to GND and presses RST; the connect loop keeps trying. */
export function manualReset(): ResetStep {
  return { name: 'manual', label: 'manual reset (GPIO0 to GND, press RST)', run: async () => undefined };
}

export const MANUAL_INSTRUCTIONS = 'Hold GPIO0 (IO0) to GND, press and release RST (or unplug and replug the power), then release GPIO0.';

/**
 * The order `auto` tries. Espressif's own USB peripheral gets its own sequence; every other bridge gets the
 * classic sequence twice (50 ms, then 550 ms). A port with no modem lines (a pty, a bare UART) cannot reset
 * anything, so it goes straight to "already in download mode"; the manual path comes last, and only when
 * someone can press the buttons.
 */
export function resetPlan(before: BeforeOption, port: { usbJtag: boolean; hasModemLines: boolean; interactive: boolean }): ResetStep[] {
  switch (before) {
    case 'classic':
      return [classicReset(50), classicReset(550)];
    case 'usb-jtag':
      return [usbJtagReset()];
    case 'manual':
      return [manualReset()];
    case 'no-reset':
      return [noReset()];
    case 'auto': {
      const steps: ResetStep[] = [];
      if (port.hasModemLines) steps.push(...(port.usbJtag ? [usbJtagReset()] : [classicReset(50), classicReset(550)]));
      steps.push(noReset());
      if (port.interactive) steps.push(manualReset());
      return steps;
    }
  }
}
