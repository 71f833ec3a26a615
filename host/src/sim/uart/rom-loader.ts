import {
  decodeBegin,
  decodeChangeBaud,
  decodeDataBlock,
  decodeFlashEnd,
  decodeMemEnd,
  decodeReadFlashSlow,
  decodeRequest,
  decodeSpiAttach,
  ESP32_ROM_STATUS_LENGTH,
  Op,
  ROM_FLASH_BLOCK,
  RomError,
  SYNC_PAYLOAD,
} from '../../../../protocol/src/rom/index.js';
import { FlashDownload } from './flash-download.js';
import { LoaderBase } from './loader-base.js';
import type { Loader, LoaderContext } from './loader-context.js';

/** The SYNC reply's value field: the ROM echoes bytes of the sync pattern (real traces show `07 12 20 55`); the stub sends 0. */
export const ROM_SYNC_VALUE = 0x55201207;
const SYNC_REPLIES = 8;
const ROM_READ_SLOW_BLOCK = 64;

/**
 * The ESP32 ROM's serial loader (docs/hardware.md §7): 4 status bytes, SPI_ATTACH before any flash command,
 * erase at FLASH_BEGIN, 0x400-byte blocks, MD5 as 32 hex characters, and none of the stub's commands.
 * Failures answer `status 1, error` with the ROM's error codes.
 */
export class RomLoader extends LoaderBase implements Loader {
  readonly kind = 'rom' as const;
  private attached = false;
  private download: FlashDownload | undefined;

  constructor(ctx: LoaderContext) {
    super(ctx, ESP32_ROM_STATUS_LENGTH);
  }

  protected status(error: number | undefined): { status: number; error: number } {
    return error === undefined ? { status: 0, error: 0 } : { status: 1, error };
  }

  async handle(packet: Uint8Array): Promise<void> {
    const decoded = decodeRequest(packet);
    if (!decoded.ok) {
      // Bytes that are not a request at all (noise, a wrong baud rate) are dropped; a request whose
      // length field disagrees with its size is answered as an invalid message.
      if (packet.length >= 8 && packet[0] === 0) await this.reply(packet[1]!, { error: RomError.INVALID_MESSAGE });
      return;
    }
    const { op, data, checksum } = decoded.packet;
    const invalid = RomError.INVALID_MESSAGE;
    switch (op) {
      case Op.SYNC:
        return this.sync(data);
      case Op.READ_REG:
        return this.readReg(op, data, invalid);
      case Op.WRITE_REG:
        return this.writeReg(op, data, invalid);
      case Op.SPI_SET_PARAMS:
        return this.setParams(op, data, invalid);
      case Op.SPI_ATTACH:
        // The ESP32 ROM takes a second word (the "is legacy" flag); a bare 4-byte attach is the stub's form.
        if (data.length !== 8 || decodeSpiAttach(data) === undefined) return this.reply(op, { error: invalid });
        this.attached = true;
        return this.reply(op);
      case Op.CHANGE_BAUDRATE:
        return this.changeBaud(data);
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.flashBegin(op, data);
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA:
        return this.flashData(op, data, checksum);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        return this.flashEnd(op, data);
      case Op.SPI_FLASH_MD5:
        return this.flashMd5(data);
      case Op.READ_FLASH_SLOW:
        return this.readFlashSlow(data);
      case Op.MEM_BEGIN:
        return this.memBegin(op, data, invalid);
      case Op.MEM_DATA:
        return this.memData(op, data, checksum, { length: invalid, checksum: RomError.INVALID_CRC, state: RomError.FAILED_TO_ACT });
      case Op.MEM_END:
        return this.memEnd(data);
      default:
        return this.unsupported();
    }
  }

  close(): void {
    this.download?.close();
  }

  private async sync(data: Uint8Array): Promise<void> {
    if (data.length !== SYNC_PAYLOAD.length || !data.every((b, i) => b === SYNC_PAYLOAD[i])) {
      return this.reply(Op.SYNC, { error: RomError.INVALID_MESSAGE });
    }
    for (let i = 0; i < SYNC_REPLIES; i++) void this.reply(Op.SYNC, { value: ROM_SYNC_VALUE });
  }

  /**
   * Commands the ESP32 ROM does not know, GET_SECURITY_INFO and the stub's among them. esptool and
   * esptool-js only classify a reply as "unsupported command" when its command byte differs from the
   * request's and it carries error 0x05 (loader.py `command()`, esploader `readPacket`), which is what real
   * ESP32 boards make them do; the exact command byte the ROM puts there is not documented, so 0 is used.
   */
  private unsupported(): Promise<void> {
    return this.reply(0x00, { error: RomError.INVALID_MESSAGE });
  }

  private async changeBaud(data: Uint8Array): Promise<void> {
    const args = decodeChangeBaud(data);
    if (!args || args.newBaud < 300 || args.newBaud > 5_000_000) return this.reply(Op.CHANGE_BAUDRATE, { error: RomError.INVALID_MESSAGE });
    // The reply still goes out at the old rate; the UART switches once it has left.
    await this.reply(Op.CHANGE_BAUDRATE);
    this.ctx.setBaud(args.newBaud);
  }

  private async flashBegin(op: number, data: Uint8Array): Promise<void> {
    const params = decodeBegin(data);
    if (!params) return this.reply(op, { error: RomError.INVALID_MESSAGE });
    if (!this.attached) return this.reply(op, { error: RomError.FAILED_TO_ACT });
    if (params.offset + params.size > this.flashSize || !this.ctx.flash.contains(params.offset, params.size)) {
      return this.reply(op, { error: RomError.FAILED_TO_ACT });
    }
    this.download?.close();
    this.download = new FlashDownload(this.ctx.flash, this.ctx.timing, {
      ...params,
      compressed: op === Op.FLASH_DEFL_BEGIN,
      eraseUpFront: true,
    });
    await this.ctx.busy(this.download.eraseRegion());
    return this.reply(op);
  }

  private async flashData(op: number, data: Uint8Array, chk: number): Promise<void> {
    const decoded = decodeDataBlock(data, chk);
    if (!decoded.ok) return this.reply(op, { error: decoded.reason === 'checksum' ? RomError.INVALID_CRC : RomError.INVALID_MESSAGE });
    const download = this.download;
    const compressed = op === Op.FLASH_DEFL_DATA;
    if (!download || download.opts.compressed !== compressed) return this.reply(op, { error: RomError.FAILED_TO_ACT });
    if (!compressed && decoded.block.data.length > (download.opts.blockSize || ROM_FLASH_BLOCK)) {
      return this.reply(op, { error: RomError.INVALID_MESSAGE });
    }
    const result = await download.writeBlock(decoded.block.seq, decoded.block.data);
    if (!result.ok) {
      const error = result.failure === 'inflate' ? RomError.DEFLATE : result.failure === 'sequence' ? RomError.INVALID_MESSAGE : RomError.FLASH_WRITE;
      return this.reply(op, { error });
    }
    await this.ctx.busy(result.busyMs);
    return this.reply(op);
  }

  private async flashEnd(op: number, data: Uint8Array): Promise<void> {
    const args = decodeFlashEnd(data);
    if (!args) return this.reply(op, { error: RomError.INVALID_MESSAGE });
    this.download?.close();
    this.download = undefined;
    await this.reply(op);
    if (args.runUserCode) this.ctx.runUserCode();
    else this.ctx.softReset();
  }

  private async flashMd5(data: Uint8Array): Promise<void> {
    if (!this.attached) return this.reply(Op.SPI_FLASH_MD5, { error: RomError.FAILED_TO_ACT });
    const result = await this.md5(data);
    if ('bad' in result) return this.reply(Op.SPI_FLASH_MD5, { error: result.bad === 'length' ? RomError.INVALID_MESSAGE : RomError.FLASH_READ });
    return this.reply(Op.SPI_FLASH_MD5, { data: Buffer.from(result.digest.toString('hex'), 'ascii') });
  }

  /** The ROM's own slow read: at most 64 bytes per command, always answered with a 64-byte buffer. */
  private async readFlashSlow(data: Uint8Array): Promise<void> {
    const args = decodeReadFlashSlow(data);
    if (!args) return this.reply(Op.READ_FLASH_SLOW, { error: RomError.INVALID_MESSAGE });
    if (!this.attached) return this.reply(Op.READ_FLASH_SLOW, { error: RomError.FAILED_TO_ACT });
    if (args.length > ROM_READ_SLOW_BLOCK) return this.reply(Op.READ_FLASH_SLOW, { error: RomError.FLASH_READ_LENGTH });
    if (!this.ctx.flash.contains(args.offset, args.length)) return this.reply(Op.READ_FLASH_SLOW, { error: RomError.FLASH_READ });
    const out = Buffer.alloc(ROM_READ_SLOW_BLOCK, 0xff);
    this.ctx.flash.read(args.offset, args.length).copy(out);
    return this.reply(Op.READ_FLASH_SLOW, { data: out });
  }

  private async memEnd(data: Uint8Array): Promise<void> {
    const args = decodeMemEnd(data);
    if (!args) return this.reply(Op.MEM_END, { error: RomError.INVALID_MESSAGE });
    const mem = this.mem;
    if (!mem || mem.received !== mem.params.size) return this.reply(Op.MEM_END, { error: RomError.FAILED_TO_ACT });
    await this.reply(Op.MEM_END);
    this.mem = undefined;
    if (args.execute) this.ctx.startStub();
  }
}
