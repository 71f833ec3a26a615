/**
 * The two-transistor auto-reset circuit of ESP32 dev boards and the ESP32-CAM-MB (docs/hardware.md §5, §7).
 * Each transistor's base is driven by one modem line and its emitter by the other, so a pin is pulled low
 * only while exactly one line is asserted: RTS alone pulls EN low (reset), DTR alone pulls IO0 low (boot).
 * Both asserted, as Linux does on open, or both released leave both pins high, so opening a port
 * does not reset the board. A loose FTDI has no such circuit: its lines reach nothing.
 */
export interface ModemLines {
  /** true = asserted (the signal is active; the wire itself sits low). */
  dtr: boolean;
  rts: boolean;
}

export interface StrapPins {
  enLow: boolean;
  io0Low: boolean;
}

export function autoResetPins(lines: ModemLines, hasCircuit: boolean): StrapPins {
  if (!hasCircuit) return { enLow: false, io0Low: false };
  return { enLow: lines.rts && !lines.dtr, io0Low: lines.dtr && !lines.rts };
}
