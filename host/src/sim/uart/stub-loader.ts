import {
  decodeBegin,
  decodeChangeBaud,
  decodeDataBlock,
  decodeEraseRegion,
  decodeFlashEnd,
  decodeMemEnd,
  decodeReadFlash,
  decodeReadFlashAck,
  decodeRequest,
  decodeSpiAttach,
  FLASH_SECTOR,
  Op,
  STUB_FLASH_BLOCK,
  STUB_STATUS_LENGTH,
  StubError,
  SYNC_PAYLOAD,
} from '../../../../protocol/src/rom/index.js';
import { FlashDownload, type WriteFailure } from './flash-download.js';
import { LoaderBase } from './loader-base.js';
import type { Loader, LoaderContext } from './loader-context.js';

const SYNC_REPLIES = 8;

const WRITE_ERRORS: Record<WriteFailure, number> = {
  'too-much-data': StubError.TOO_MUCH_DATA,
  inflate: StubError.INFLATE,
  'out-of-range': StubError.FAILED_SPI_OP,
  sequence: StubError.BAD_DATA_LEN,
};

/**
 * esptool's flasher stub once it runs in RAM (its `stub_flasher.c` command loop): 2 status bytes
 * `error, 0`, 16 KB blocks, erase as it writes, MD5 as 16 raw bytes, and the extra commands ERASE_FLASH,
 * ERASE_REGION and READ_FLASH. A data block is acknowledged as soon as the stub takes it, then written
 * while the host sends the next one; a write error is reported on the following command.
 */
export class StubLoader extends LoaderBase implements Loader {
  readonly kind = 'stub' as const;
  private download: FlashDownload | undefined;
  private pendingError = 0;

  constructor(ctx: LoaderContext) {
    super(ctx, STUB_STATUS_LENGTH);
  }

  protected status(error: number | undefined): { status: number; error: number } {
    return { status: error ?? 0, error: 0 };
  }

  async handle(packet: Uint8Array): Promise<void> {
    const decoded = decodeRequest(packet);
    if (!decoded.ok) {
      if (packet.length >= 8 && packet[0] === 0) await this.reply(packet[1]!, { error: StubError.BAD_DATA_LEN });
      return;
    }
    const { op, data, checksum } = decoded.packet;
    const badLen = StubError.BAD_DATA_LEN;
    switch (op) {
      case Op.SYNC:
        // Like the ROM it answers eight times, with value 0 so a host can tell the stub is already running.
        if (data.length !== SYNC_PAYLOAD.length) return this.reply(op, { error: badLen });
        for (let i = 0; i < SYNC_REPLIES; i++) void this.reply(op);
        return;
      case Op.READ_REG:
        return this.readReg(op, data, badLen);
      case Op.WRITE_REG:
        return this.writeReg(op, data, badLen);
      case Op.SPI_SET_PARAMS:
        return this.setParams(op, data, badLen);
      case Op.SPI_ATTACH:
        return this.reply(op, data.length === 4 && decodeSpiAttach(data) !== undefined ? {} : { error: badLen });
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
      case Op.ERASE_FLASH:
        return this.eraseFlash(data);
      case Op.ERASE_REGION:
        return this.eraseRegion(data);
      case Op.READ_FLASH:
        return this.readFlash(data);
      case Op.MEM_BEGIN:
        return this.memBegin(op, data, badLen);
      case Op.MEM_DATA:
        return this.memData(op, data, checksum, { length: badLen, checksum: StubError.BAD_DATA_CHECKSUM, state: StubError.NOT_ENOUGH_DATA });
      case Op.MEM_END:
        return this.memEnd(data);
      case Op.RUN_USER_CODE:
        // No reply: the stub returns into the ROM, which boots the firmware.
        this.ctx.runUserCode();
        return;
      default:
        return this.reply(op, { error: StubError.CMD_NOT_IMPLEMENTED });
    }
  }

  close(): void {
    this.download?.close();
  }

  private async changeBaud(data: Uint8Array): Promise<void> {
    const args = decodeChangeBaud(data);
    if (!args) return this.reply(Op.CHANGE_BAUDRATE, { error: StubError.BAD_DATA_LEN });
    await this.reply(Op.CHANGE_BAUDRATE);
    this.ctx.setBaud(args.newBaud);
  }

  private flashBegin(op: number, data: Uint8Array): Promise<void> {
    const params = decodeBegin(data);
    if (!params || data.length !== 16) return this.reply(op, { error: StubError.BAD_DATA_LEN });
    if (params.blockSize > STUB_FLASH_BLOCK) return this.reply(op, { error: StubError.BAD_BLOCKSIZE });
    if (params.offset + params.size > this.flashSize || !this.ctx.flash.contains(params.offset, params.size)) {
      return this.reply(op, { error: StubError.FAILED_SPI_OP });
    }
    this.download?.close();
    this.pendingError = 0;
    this.download = new FlashDownload(this.ctx.flash, this.ctx.timing, { ...params, compressed: op === Op.FLASH_DEFL_BEGIN, eraseUpFront: false });
    return this.reply(op);
  }

  private async flashData(op: number, data: Uint8Array, chk: number): Promise<void> {
    const download = this.download;
    if (!download) return this.reply(op, { error: StubError.NOT_IN_FLASH_MODE });
    const decoded = decodeDataBlock(data, chk);
    let error = this.pendingError;
    if (!decoded.ok) error = decoded.reason === 'checksum' ? StubError.BAD_DATA_CHECKSUM : StubError.BAD_DATA_LEN;
    if (error) return this.reply(op, { error });
    // Acknowledge at once, then write while the host is already sending the next block.
    void this.reply(op);
    const result = await download.writeBlock(decoded.ok ? decoded.block.seq : 0, decoded.ok ? decoded.block.data : new Uint8Array(0));
    if (!result.ok) {
      this.pendingError = WRITE_ERRORS[result.failure];
      return;
    }
    await this.ctx.busy(result.busyMs);
  }

  private async flashEnd(op: number, data: Uint8Array): Promise<void> {
    const args = decodeFlashEnd(data);
    const download = this.download;
    let error = 0;
    if (!args || data.length !== 4) error = StubError.BAD_DATA_LEN;
    else if (!download) error = StubError.NOT_IN_FLASH_MODE;
    else if (this.pendingError) error = this.pendingError;
    else if (!download.complete) error = StubError.NOT_ENOUGH_DATA;
    download?.close();
    this.download = undefined;
    this.pendingError = 0;
    if (error) return this.reply(op, { error });
    await this.reply(op);
    // 0 means reboot: a software reset, which brings the ROM back with the latched strapping.
    if (args && !args.runUserCode) this.ctx.softReset();
  }

  private async flashMd5(data: Uint8Array): Promise<void> {
    const result = await this.md5(data);
    if ('bad' in result) return this.reply(Op.SPI_FLASH_MD5, { error: result.bad === 'length' ? StubError.BAD_DATA_LEN : StubError.FAILED_SPI_OP });
    return this.reply(Op.SPI_FLASH_MD5, { data: result.digest });
  }

  private async eraseFlash(data: Uint8Array): Promise<void> {
    if (data.length !== 0) return this.reply(Op.ERASE_FLASH, { error: StubError.BAD_DATA_LEN });
    this.ctx.flash.eraseAll();
    await this.ctx.busy(this.ctx.timing.chipEraseMs(this.ctx.flash.size));
    return this.reply(Op.ERASE_FLASH);
  }

  private async eraseRegion(data: Uint8Array): Promise<void> {
    const args = decodeEraseRegion(data);
    if (!args) return this.reply(Op.ERASE_REGION, { error: StubError.BAD_DATA_LEN });
    if (args.offset % FLASH_SECTOR !== 0 || args.size % FLASH_SECTOR !== 0 || !this.ctx.flash.contains(args.offset, args.size)) {
      return this.reply(Op.ERASE_REGION, { error: StubError.FAILED_SPI_OP });
    }
    this.ctx.flash.erase(args.offset, args.size);
    await this.ctx.busy(this.ctx.timing.eraseMs(args.offset, args.size));
    return this.reply(Op.ERASE_REGION);
  }

  /**
   * READ_FLASH: a normal reply, then bare packets of `packetSize` bytes, at most `maxInFlight` of them
   * unacknowledged (each ack is the total received so far), and finally the MD5 of everything sent.
   */
  private async readFlash(data: Uint8Array): Promise<void> {
    const args = decodeReadFlash(data);
    if (!args) return this.reply(Op.READ_FLASH, { error: StubError.BAD_DATA_LEN });
    if (!this.ctx.flash.contains(args.offset, args.length) || args.packetSize === 0 || args.maxInFlight === 0) {
      return this.reply(Op.READ_FLASH, { error: StubError.FAILED_SPI_OP });
    }
    await this.reply(Op.READ_FLASH);
    const bytes = this.ctx.flash.read(args.offset, args.length);
    let sent = 0;
    let acked = 0;
    while (acked < args.length) {
      while (sent < args.length && (sent - acked) / args.packetSize < args.maxInFlight) {
        const n = Math.min(args.packetSize, args.length - sent);
        void this.ctx.send(bytes.subarray(sent, sent + n));
        sent += n;
      }
      const ack = decodeReadFlashAck(await this.ctx.nextPacket());
      // A malformed ack is ignored, as the stub's SLIP reader would keep waiting for a 4-byte one.
      if (ack !== undefined && ack <= sent) acked = Math.max(acked, ack);
    }
    await this.ctx.send(LoaderBase.md5Of(bytes));
  }

  private async memEnd(data: Uint8Array): Promise<void> {
    const args = decodeMemEnd(data);
    if (!args) return this.reply(Op.MEM_END, { error: StubError.BAD_DATA_LEN });
    await this.reply(Op.MEM_END);
    this.mem = undefined;
    if (args.execute) this.ctx.startStub();
  }
}
