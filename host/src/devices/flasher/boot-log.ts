import type { SerialPortStream } from '@serialport/stream';

/**
 * Collects what the board prints on its UART (the ROM's boot log during a reset, or an application's
 * banner after one), without taking the bytes away from esptool-js, which reads the same port.
 */
export class BootLogCapture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly onData = (chunk: Buffer): void => {
    if (this.size > 64 * 1024) return; // a boot-looping board must not grow this without bound
    this.chunks.push(chunk);
    this.size += chunk.length;
  };

  constructor(private readonly port: SerialPortStream) {
    port.on('data', this.onData);
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  stop(): Buffer {
    this.port.off('data', this.onData);
    return this.bytes;
  }
}

export type BootDiagnosis =
  | { kind: 'download'; bootMode: string; text: string }
  | { kind: 'flash-boot'; bootMode: string; text: string }
  | { kind: 'silent' }
  | { kind: 'garbage'; sample: string }
  | { kind: 'other'; text: string };

/**
 * Reads a ROM boot log. The ROM prints `rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)`; boot modes
 * that end in "waiting for download" (0x3, 0x1, …) are the serial bootloader, anything else booted from flash
 * because GPIO0 was high at reset (docs/hardware.md §7, esptool's "Wrong boot mode detected").
 */
export function diagnoseBootLog(bytes: Uint8Array): BootDiagnosis {
  if (bytes.length === 0) return { kind: 'silent' };
  const text = Buffer.from(bytes).toString('latin1');
  const boot = /boot:(0x[0-9a-fA-F]+)/.exec(text);
  if (boot) {
    const download = /waiting for download|DOWNLOAD_BOOT/.test(text);
    return { kind: download ? 'download' : 'flash-boot', bootMode: boot[1]!, text: printable(text) };
  }
  let odd = 0;
  for (const b of bytes) if (!(b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127))) odd++;
  // The ROM talks at 115200 baud; at any other rate its log arrives as noise.
  if (odd / bytes.length > 0.3) return { kind: 'garbage', sample: Buffer.from(bytes.subarray(0, 16)).toString('hex') };
  return { kind: 'other', text: printable(text) };
}

/** The log as lines a person can read, without control characters or the ROM's trailing noise. */
export function printable(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[^\n\x20-\x7e]/g, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .join('\n');
}
