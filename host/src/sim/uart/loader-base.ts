import { createHash } from 'node:crypto';
import {
  decodeBegin,
  decodeDataBlock,
  decodeMd5,
  decodeReadReg,
  decodeSpiSetParams,
  decodeWriteReg,
  encodeResponse,
  type BeginParams,
} from '../../../../protocol/src/rom/index.js';
import type { LoaderContext } from './loader-context.js';

/** RAM upload of MEM_BEGIN/MEM_DATA: kept only to check the blocks arrive as announced. */
interface MemUpload {
  params: BeginParams;
  received: number;
  nextSeq: number;
}

/** What the ROM and the stub have in common: replies, registers, RAM upload, MD5. */
export abstract class LoaderBase {
  protected mem: MemUpload | undefined;
  /** The flash size SPI_SET_PARAMS announced; flash commands stay inside it. */
  protected flashSize: number;

  constructor(
    protected readonly ctx: LoaderContext,
    protected readonly statusLength: number,
  ) {
    this.flashSize = ctx.flash.size;
  }

  protected reply(op: number, opts: { value?: number; data?: Uint8Array; error?: number } = {}): Promise<void> {
    return this.ctx.send(encodeResponse(op, { ...opts, statusLength: this.statusLength, ...this.status(opts.error) }));
  }

  /** The status bytes: the ROM says `1, error`; the stub says `error, 0`. */
  protected abstract status(error: number | undefined): { status: number; error: number };

  protected readReg(op: number, data: Uint8Array, badLength: number): Promise<void> {
    const address = decodeReadReg(data);
    if (address === undefined) return this.reply(op, { error: badLength });
    return this.reply(op, { value: this.ctx.registers.read(address) });
  }

  protected async writeReg(op: number, data: Uint8Array, badLength: number): Promise<void> {
    const writes = decodeWriteReg(data);
    if (!writes) return this.reply(op, { error: badLength });
    for (const w of writes) {
      this.ctx.registers.write(w.address, w.value, w.mask);
      if (w.delayUs > 0) await this.ctx.busy(Math.min(w.delayUs, 1_000_000) / 1000);
    }
    return this.reply(op);
  }

  protected setParams(op: number, data: Uint8Array, badLength: number): Promise<void> {
    const params = decodeSpiSetParams(data);
    if (!params) return this.reply(op, { error: badLength });
    this.flashSize = params.totalSize;
    return this.reply(op);
  }

  protected memBegin(op: number, data: Uint8Array, badLength: number): Promise<void> {
    const params = decodeBegin(data);
    if (!params) return this.reply(op, { error: badLength });
    this.mem = { params, received: 0, nextSeq: 0 };
    return this.reply(op);
  }

  protected memData(op: number, data: Uint8Array, chk: number, errors: { length: number; checksum: number; state: number }): Promise<void> {
    const decoded = decodeDataBlock(data, chk);
    if (!decoded.ok) return this.reply(op, { error: decoded.reason === 'checksum' ? errors.checksum : errors.length });
    const mem = this.mem;
    if (!mem || decoded.block.seq !== mem.nextSeq || mem.received + decoded.block.data.length > mem.params.size) {
      return this.reply(op, { error: errors.state });
    }
    mem.nextSeq++;
    mem.received += decoded.block.data.length;
    return this.reply(op);
  }

  /** MD5 of a flash region, after the time the chip takes to read it. */
  protected async md5(data: Uint8Array): Promise<{ digest: Buffer } | { bad: 'length' | 'range' }> {
    const args = decodeMd5(data);
    if (!args) return { bad: 'length' };
    if (args.address + args.size > this.flashSize || !this.ctx.flash.contains(args.address, args.size)) return { bad: 'range' };
    await this.ctx.busy(this.ctx.timing.readMs(args.size));
    return { digest: this.ctx.flash.md5(args.address, args.size) };
  }

  protected static md5Of(bytes: Uint8Array): Buffer {
    return createHash('md5').update(bytes).digest();
  }
}
