/** Packets the chip has received and not yet handled, in order; a reset throws them away. */
export class ChipResetError extends Error {
  constructor() {
    super('the chip was reset');
  }
}

export class PacketInbox {
  private readonly packets: Uint8Array[] = [];
  private waiter: { resolve: (p: Uint8Array) => void; reject: (e: Error) => void } | undefined;

  push(packet: Uint8Array): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(packet);
    } else {
      this.packets.push(packet);
    }
  }

  next(): Promise<Uint8Array> {
    const p = this.packets.shift();
    if (p) return Promise.resolve(p);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Drops queued packets and fails a pending next() with ChipResetError. */
  abort(): void {
    this.packets.length = 0;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(new ChipResetError());
  }
}
