/**
 * Just enough of an ESP32 ROM loader to prove esptool-js runs over our adapter in Node: SYNC (eight
 * replies), READ_REG of the chip-magic register, and an error status for anything else. The faithful
 * simulated board (host/src/sim/uart) is what flashing is tested against; this stands in for it only
 * in the esptool-js spike, so that the spike does not depend on work in progress.
 */
import type { SerialPortStream } from '@serialport/stream';
import { SlipDecoder, SlipEncoder } from '@serialport/parser-slip-encoder';

const SYNC = 0x08;
const READ_REG = 0x0a;
const CHIP_MAGIC_REG = 0x40001000;
const ESP32_MAGIC = 0x00f01d83;

export interface TinyRom {
  /** Every request's opcode, in order. */
  readonly ops: number[];
  /** Replies stop (a board whose TX line is cut) while false. */
  answering: boolean;
  /** Sends raw text as the ROM's boot log would. */
  print(text: string): void;
  stop(): void;
}

export function startTinyRom(port: SerialPortStream): TinyRom {
  const decoder = new SlipDecoder();
  const encoder = new SlipEncoder({ bluetoothQuirk: true });
  encoder.pipe(port);
  port.pipe(decoder);

  const reply = (op: number, value: number, data: number[]) => {
    const body = Buffer.alloc(8 + data.length);
    body.writeUInt8(0x01, 0);
    body.writeUInt8(op, 1);
    body.writeUInt16LE(data.length, 2);
    body.writeUInt32LE(value >>> 0, 4);
    Buffer.from(data).copy(body, 8);
    encoder.write(body);
  };

  const rom: TinyRom = {
    ops: [],
    answering: true,
    print(text) {
      port.write(Buffer.from(text, 'latin1'));
    },
    stop() {
      port.unpipe(decoder);
      encoder.unpipe(port);
    },
  };

  decoder.on('data', (frame: Buffer) => {
    if (frame.length < 8 || frame[0] !== 0x00) return;
    const op = frame[1]!;
    rom.ops.push(op);
    if (!rom.answering) return;
    // The ESP32 ROM ends each reply with four status bytes: status, error, two reserved.
    if (op === SYNC) for (let i = 0; i < 8; i++) reply(SYNC, 0x20120707, [0, 0, 0, 0]);
    else if (op === READ_REG && frame.readUInt32LE(8) === CHIP_MAGIC_REG) reply(READ_REG, ESP32_MAGIC, [0, 0, 0, 0]);
    else reply(op, 0, [1, 0x05, 0, 0]);
  });
  return rom;
}
