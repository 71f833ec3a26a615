import { EventEmitter } from 'node:events';
import { SlipDecoder, SlipEncoder } from '@serialport/parser-slip-encoder';
import { STUB_HELLO } from '../../../../protocol/src/rom/index.js';
import { findBootApp } from './app-boot.js';
import { autoResetPins, type ModemLines } from './auto-reset.js';
import { garble, looksLikeSyncPreamble } from './baud-mismatch.js';
import {
  flashLoadLines,
  invalidHeaderLine,
  MICROPYTHON_BANNER,
  otherAppLines,
  ROM_BAUD,
  romResetLines,
  STRAP_DOWNLOAD,
  STRAP_FLASH_BOOT,
  WAITING_FOR_DOWNLOAD,
  WRONG_CHIP_PANIC,
  type ResetReason,
} from './boot-log.js';
import { ChipRegisters } from './chip-registers.js';
import type { ChipHandle, ChipRuntime, ResetCause } from './chip-runtime.js';
import { DEFAULT_FLASH_SIZE, SimFlash, W25Q32_JEDEC_ID } from './flash-chip.js';
import { inspectBootImage } from './flash-image-check.js';
import { flashTiming, type FlashTiming, type FlashTimingName } from './flash-timing.js';
import type { Loader, LoaderContext } from './loader-context.js';
import { ChipResetError, PacketInbox } from './packet-inbox.js';
import { RomLoader } from './rom-loader.js';
import { StubLoader } from './stub-loader.js';
import { UartWire } from './uart-wire.js';

export type BoardState = 'download' | 'booting' | 'running' | 'boot-loop' | 'reset';

export interface SimSerialBoardOptions {
  /** Keep the flash in this raw image file (created erased when missing). */
  flashFile?: string;
  /** The two-transistor DTR/RTS circuit (default true). false models a loose FTDI adapter. */
  autoReset?: boolean;
  /** Start with GPIO0 held low, like a jumper to GND: every reset enters the ROM's download mode. */
  downloadMode?: boolean;
  flashSize?: number;
  /** 'realistic' (default) erase/program times of the flash chip, or 'instant'. */
  flashTiming?: FlashTimingName;
  /** The fastest rate the USB-serial bridge can be set to; faster ones are refused as a driver refuses them. */
  bridgeMaxBaud?: number;
  /** An already open flash (instead of flashFile/flashSize); the board closes it. */
  flash?: SimFlash;
  /**
   * What runs when the bootloader starts a MicroPython app. Without one the board only prints MicroPython's
   * banner (enough for flashing tools).
   */
  runtime?: ChipRuntime;
}

export interface BootEvent {
  mode: 'download' | 'flash';
  reason: ResetReason;
  /** Everything the chip printed for this boot, up to the point it settled. */
  log: string;
}

/** How fast the ROM repeats `invalid header` on an erased flash, and how many lines before its watchdog resets it. */
const INVALID_HEADER_EVERY_MS = 100;
const INVALID_HEADERS_PER_BOOT = 30;
/** From the ROM's `entry` line to MicroPython's banner (board without a runtime) or another app's first lines. */
const APP_START_MS = 300;
/** From the bootloader's error lines to its reset (bootloader_reset() is immediate; this keeps the loop readable). */
const BOOTLOADER_RESET_MS = 200;
/** The second-stage bootloader's first log timestamp. */
const BOOTLOADER_LOG_MS = 30;
const PANIC_REBOOT_MS = 1000;

/**
 * The simulated ESP32-CAM's serial side: the chip's UART0 at its current baud rate, the auto-reset
 * circuit between the bridge's DTR/RTS and the chip's EN/IO0, the RST and IO0 buttons, the ROM's boot
 * log, its serial loader and esptool's stub, the SPI flash, and the boot from flash.
 *
 * Events: 'uart-out' (Uint8Array: bytes leaving the chip's TX pin, paced at its baud rate), 'uart-in'
 * (bytes the chip received), 'boot' (BootEvent), 'state' (BoardState), 'unplug', 'plug'.
 */
export class SimSerialBoard extends EventEmitter {
  readonly flash: SimFlash;
  readonly autoReset: boolean;
  private readonly registers: ChipRegisters;
  private readonly timing: FlashTiming;
  private readonly tx: UartWire;
  // bluetoothQuirk puts a 0xC0 before each packet too: the ROM frames as C0 … C0, and esptool insists on the leading one.
  private readonly encoder = new SlipEncoder({ readableObjectMode: true, bluetoothQuirk: true });
  private readonly encoded: Array<{ gen: number; done: (sent: Promise<void>) => void }> = [];
  private decoder: SlipDecoder | undefined;
  private readonly inbox = new PacketInbox();

  private lines: ModemLines = { dtr: false, rts: false };
  private bootHeld: boolean;
  private resetHeld = false;
  private powered = true;
  private closed = false;
  private enLow = false;
  private strap = STRAP_FLASH_BOOT;
  private uartBaud = ROM_BAUD;
  /** Whether the ROM may still pick up the host's rate from a SYNC (it stops once told a rate). */
  private autobaud = true;
  private currentState: BoardState = 'reset';
  private loader: Loader | undefined;
  private gen = 0;
  private abort = new AbortController();
  private readonly runtime: ChipRuntime | undefined;
  private appRunning = false;
  /** machine.reset_cause() of the boot that runs (or the next one). */
  private cause: ResetCause = 'PWRON_RESET';
  /** GPIO12 pulled high at reset: boots left to spoil (null: until released), undefined while it is low. */
  private gpio12High: { left: number | null } | undefined;

  /** The fastest rate the host's side of the bridge accepts. */
  readonly bridgeMaxBaud: number;

  private constructor(flash: SimFlash, opts: SimSerialBoardOptions) {
    super();
    this.flash = flash;
    this.bridgeMaxBaud = opts.bridgeMaxBaud ?? 3_000_000;
    this.autoReset = opts.autoReset ?? true;
    this.bootHeld = opts.downloadMode ?? false;
    this.timing = flashTiming(opts.flashTiming ?? 'realistic');
    this.runtime = opts.runtime;
    this.registers = new ChipRegisters(
      W25Q32_JEDEC_ID,
      () => this.uartBaud,
      () => this.strap,
    );
    this.tx = new UartWire((chunk) => this.emit('uart-out', chunk), ROM_BAUD);
    this.encoder.on('data', (frame: Buffer) => {
      const entry = this.encoded.shift();
      if (!entry) return;
      entry.done(entry.gen === this.gen ? this.tx.send(frame) : Promise.resolve());
    });
  }

  static async create(opts: SimSerialBoardOptions = {}): Promise<SimSerialBoard> {
    const board = new SimSerialBoard(opts.flash ?? SimFlash.open(opts.flashSize ?? DEFAULT_FLASH_SIZE, opts.flashFile), opts);
    board.chipReset('POWERON', board.io0Low());
    return board;
  }

  get state(): BoardState {
    return this.currentState;
  }

  /** Which loader answers in download mode: the ROM's, or esptool's stub once uploaded. */
  get loaderKind(): 'rom' | 'stub' | undefined {
    return this.loader?.kind;
  }

  /** The chip UART's current baud rate. */
  get baud(): number {
    return this.uartBaud;
  }

  get isPlugged(): boolean {
    return this.powered;
  }

  readFlash(offset: number, length: number): Buffer {
    return this.flash.read(offset, length);
  }

  /** The RST button: a short press pulls EN low and lets it go. */
  pressReset(): void {
    this.resetHeld = true;
    this.updatePins();
    this.resetHeld = false;
    this.updatePins();
  }

  /** The IO0 (BOOT) button, or a jumper from GPIO0 to GND. */
  holdBoot(held: boolean): void {
    this.bootHeld = held;
    this.updatePins();
  }

  /** The bridge's modem lines as the host set them (true = asserted). */
  setModemLines(lines: ModemLines): void {
    this.lines = { dtr: lines.dtr, rts: lines.rts };
    this.updatePins();
  }

  /**
   * Bytes arriving at the chip's RX pin, already paced by the sender's wire. `senderBaud` is the rate they
   * were sent at: a mismatch garbles them, unless the ROM is still free to detect the rate from a SYNC.
   */
  receive(bytes: Uint8Array, senderBaud = this.uartBaud): void {
    if (!this.powered || this.enLow || this.closed) return;
    let data = bytes;
    if (senderBaud !== this.uartBaud) {
      if (this.loader?.kind === 'rom' && this.autobaud && looksLikeSyncPreamble(bytes)) this.setBaud(senderBaud);
      else data = garble(bytes, senderBaud, this.uartBaud);
    }
    this.emit('uart-in', data);
    if (this.loader) this.decoder?.write(Buffer.from(data));
    else if (this.appRunning) this.runtime?.receive(data);
  }

  /** Bytes the firmware prints (the boot log, MicroPython's output), behind whatever is already queued. */
  print(text: string | Uint8Array): Promise<void> {
    return this.tx.send(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  }

  /**
   * GPIO12 held high at reset, as the I2C wiring on it does (docs/hardware.md §4, §9): the strapping selects
   * 1.8 V for the flash, which then reads back as erased, so the ROM loops on `invalid header: 0xffffffff`.
   * It spoils the next `boots` boots from flash, or every one until released. Takes effect at the next reset.
   */
  holdGpio12High(boots: number | null): void {
    this.gpio12High = { left: boots };
  }

  releaseGpio12(): void {
    this.gpio12High = undefined;
  }

  /** USB cable out: the board loses power and its port goes away. */
  unplug(): void {
    if (!this.powered) return;
    this.powered = false;
    this.enterReset();
    this.emit('unplug');
  }

  plug(): void {
    if (this.powered || this.closed) return;
    this.powered = true;
    this.lines = { dtr: false, rts: false };
    this.emit('plug');
    this.updatePins(true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.enterReset();
    this.encoder.destroy();
    this.flash.close();
    this.removeAllListeners('uart-out');
  }

  private io0Low(): boolean {
    return autoResetPins(this.lines, this.autoReset).io0Low || this.bootHeld;
  }

  private updatePins(powerOn = false): void {
    if (!this.powered || this.closed) return;
    const enLow = autoResetPins(this.lines, this.autoReset).enLow || this.resetHeld;
    if (enLow && !this.enLow) {
      this.enLow = true;
      this.enterReset();
    } else if (!enLow && (this.enLow || powerOn)) {
      this.enLow = false;
      // The strapping pins are latched on EN's rising edge.
      this.chipReset('POWERON', this.io0Low());
    }
  }

  private setState(state: BoardState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit('state', state);
  }

  private setBaud(baud: number): void {
    this.uartBaud = baud;
    this.tx.setBaud(baud);
  }

  /** Everything running stops: loader, timers, bytes not yet out of the TX FIFO. */
  private enterReset(): void {
    this.gen++;
    this.abort.abort();
    this.abort = new AbortController();
    this.inbox.abort();
    if (this.appRunning) {
      this.appRunning = false;
      this.runtime?.halt();
    }
    this.loader?.close();
    this.loader = undefined;
    this.decoder?.destroy();
    this.decoder = undefined;
    this.tx.clear();
    this.setState('reset');
  }

  /** A chip reset that latches the strapping pins (EN, power-on, watchdog). */
  private chipReset(reason: ResetReason, io0Low: boolean): void {
    this.strap = io0Low ? STRAP_DOWNLOAD : STRAP_FLASH_BOOT;
    this.cause = reason === 'POWERON' ? 'PWRON_RESET' : 'WDT_RESET';
    this.startRom(reason);
  }

  /** What the running app may do to the chip, bound to this boot. */
  private chipHandle(): ChipHandle {
    const gen = this.gen;
    const alive = (): boolean => gen === this.gen;
    const resetAt = performance.timeOrigin + performance.now();
    return {
      flash: this.flash,
      resetAt,
      get alive() {
        return alive();
      },
      print: (bytes) => (gen === this.gen ? this.print(bytes) : Promise.resolve()),
      restart: ({ reason, cause, text, offMs = 0 }) => {
        if (gen !== this.gen) return;
        // The CPU stops at once; what is in the TX FIFO (and a panic's text) still goes out before the reset.
        this.appRunning = false;
        this.runtime?.halt();
        const flushed = text ? this.print(text) : this.tx.idle();
        void flushed.then(async () => {
          if (gen !== this.gen) return;
          if (offMs > 0) {
            this.enterReset();
            const now = this.gen;
            await new Promise((r) => setTimeout(r, offMs));
            if (now !== this.gen || this.closed || !this.powered) return;
          }
          this.cause = cause;
          this.startRom(reason);
        });
      },
    };
  }

  /** The ROM starts: at 115200 baud, with the strapping latched at the last chip reset. */
  private startRom(reason: ResetReason): void {
    this.enterReset();
    this.setBaud(ROM_BAUD);
    this.autobaud = true;
    const header = romResetLines(reason, this.strap);
    if (this.strap === STRAP_DOWNLOAD) {
      const log = header + WAITING_FOR_DOWNLOAD;
      void this.print(log);
      this.startLoader(new RomLoader(this.context()));
      this.setState('download');
      this.emit('boot', { mode: 'download', reason, log } satisfies BootEvent);
    } else {
      void this.print(header);
      this.bootFromFlash(reason, header);
    }
  }

  private bootFromFlash(reason: ResetReason, printed: string): void {
    const gen = this.gen;
    const signal = this.abort.signal;
    const image = this.flashUnreadable() ? ({ kind: 'invalid', headerWord: 0xffffffff } as const) : inspectBootImage(this.flash);
    const later = (ms: number, fn: () => void): void => {
      const cancel = (): void => clearTimeout(timer);
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', cancel);
        if (gen === this.gen) fn();
      }, ms);
      signal.addEventListener('abort', cancel, { once: true });
    };
    if (image.kind === 'invalid') {
      this.setState('boot-loop');
      let lines = 0;
      const line = invalidHeaderLine(image.headerWord);
      const tick = (): void => {
        void this.print(line);
        if (++lines === 1) this.emit('boot', { mode: 'flash', reason, log: printed + line } satisfies BootEvent);
        if (lines < INVALID_HEADERS_PER_BOOT) later(INVALID_HEADER_EVERY_MS, tick);
        else later(INVALID_HEADER_EVERY_MS, () => this.chipReset('RTCWDT', this.io0Low()));
      };
      tick();
      return;
    }
    const loads = flashLoadLines(image.flashMode, image.segments, image.entry);
    void this.print(loads);
    this.setState('booting');
    if (image.kind === 'wrong-chip') {
      later(APP_START_MS, () => {
        void this.print(WRONG_CHIP_PANIC + '\r\nRebooting...\r\n');
        this.setState('boot-loop');
        this.emit('boot', { mode: 'flash', reason, log: printed + loads + WRONG_CHIP_PANIC } satisfies BootEvent);
        later(PANIC_REBOOT_MS, () => this.startRom('SW_CPU'));
      });
      return;
    }
    const app = findBootApp(this.flash, BOOTLOADER_LOG_MS);
    if (app.kind === 'none') {
      const errors = app.errors.map((l) => `${l}\r\n`).join('');
      void this.print(errors);
      this.setState('boot-loop');
      this.emit('boot', { mode: 'flash', reason, log: printed + loads + errors } satisfies BootEvent);
      later(BOOTLOADER_RESET_MS, () => {
        this.cause = 'HARD_RESET';
        this.startRom('SW_SYS');
      });
      return;
    }
    if (app.kind === 'other') {
      const lines = otherAppLines(app.desc.projectName, app.desc.version, app.desc.idfVersion);
      later(APP_START_MS, () => {
        void this.print(lines);
        this.setState('running');
        this.emit('boot', { mode: 'flash', reason, log: printed + loads + lines } satisfies BootEvent);
      });
      return;
    }
    if (this.runtime) {
      // MicroPython's own start-up time is the runtime's to model (it prints the banner when it gets there).
      this.appRunning = true;
      this.setState('running');
      this.emit('boot', { mode: 'flash', reason, log: printed + loads } satisfies BootEvent);
      this.runtime.boot(this.chipHandle(), this.cause);
      return;
    }
    later(APP_START_MS, () => {
      void this.print(MICROPYTHON_BANNER);
      this.setState('running');
      this.emit('boot', { mode: 'flash', reason, log: printed + loads + MICROPYTHON_BANNER } satisfies BootEvent);
    });
  }

  /** Whether this boot finds the flash unreadable (GPIO12 high); uses up one of the spoiled boots. */
  private flashUnreadable(): boolean {
    const held = this.gpio12High;
    if (!held) return false;
    if (held.left !== null && --held.left <= 0) this.gpio12High = undefined;
    return true;
  }

  private startLoader(loader: Loader): void {
    this.loader = loader;
    const decoder = new SlipDecoder({ readableObjectMode: true });
    decoder.on('data', (packet: Buffer) => {
      if (packet.length > 0) this.inbox.push(new Uint8Array(packet));
    });
    this.decoder = decoder;
    void this.runLoader(this.gen);
  }

  private async runLoader(gen: number): Promise<void> {
    try {
      while (gen === this.gen && this.loader) {
        const packet = await this.inbox.next();
        if (gen !== this.gen || !this.loader) return;
        await this.loader.handle(packet);
      }
    } catch (err) {
      if (!(err instanceof ChipResetError)) throw err;
    }
  }

  /** What the loaders may do, bound to this boot: after a reset every call is a no-op. */
  private context(): LoaderContext {
    const gen = this.gen;
    const alive = (): boolean => gen === this.gen;
    return {
      flash: this.flash,
      registers: this.registers,
      timing: this.timing,
      send: (packet) => {
        if (!alive()) return Promise.resolve();
        return new Promise<void>((resolve) => {
          this.encoded.push({ gen, done: (sent) => void sent.then(resolve) });
          this.encoder.write(Buffer.from(packet));
        });
      },
      nextPacket: () => (alive() ? this.inbox.next() : Promise.reject(new ChipResetError())),
      baud: () => this.uartBaud,
      setBaud: (baud) => {
        if (!alive()) return;
        this.autobaud = false;
        this.setBaud(baud);
      },
      busy: (ms) => {
        const signal = this.abort.signal;
        if (!alive()) return Promise.reject(new ChipResetError());
        if (ms <= 0) return Promise.resolve();
        return new Promise((resolve, reject) => {
          const cancel = (): void => {
            clearTimeout(timer);
            reject(new ChipResetError());
          };
          const timer = setTimeout(() => {
            signal.removeEventListener('abort', cancel);
            resolve();
          }, ms);
          signal.addEventListener('abort', cancel, { once: true });
        });
      },
      startStub: () => {
        if (!alive()) return;
        this.loader?.close();
        this.loader = new StubLoader(this.context());
        void this.context().send(STUB_HELLO);
      },
      softReset: () => {
        if (!alive()) return;
        this.cause = 'HARD_RESET';
        this.startRom('SW_CPU');
      },
      runUserCode: () => {
        if (!alive()) return;
        this.enterReset();
        this.setBaud(ROM_BAUD);
        this.cause = 'HARD_RESET';
        this.bootFromFlash('SW_CPU', '');
      },
    };
  }
}
