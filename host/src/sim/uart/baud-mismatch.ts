/**
 * A UART sampling at the wrong rate turns every byte into framing garbage. The mapping here is fixed (so
 * tests are repeatable) and never yields a SLIP delimiter or escape, so garbage never forms a packet.
 */
export function garble(bytes: Uint8Array, senderBaud: number, receiverBaud: number): Uint8Array {
  const skew = Math.round((senderBaud / receiverBaud) * 16) & 0xff;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    let b = ((bytes[i]! * 0x1d) ^ skew ^ 0x5a) & 0xff;
    if (b === 0xc0 || b === 0xdb) b ^= 0x20;
    out[i] = b;
  }
  return out;
}

/** The ESP32 ROM measures the baud rate on the 0x55 bytes of a SYNC packet (serial-protocol.rst). */
export function looksLikeSyncPreamble(bytes: Uint8Array): boolean {
  let run = 0;
  for (const b of bytes) {
    run = b === 0x55 ? run + 1 : 0;
    if (run >= 8) return true;
  }
  return false;
}
