/**
 * What a USB-serial bridge means for an ESP board: its name, which modem-line levels are safe while the port
 * is idle, and what a user must know about resetting the board through it (docs/hardware.md §5).
 */

export type BridgeKind =
  'cp210x' | 'ch340' | 'ch9102' | 'ch343' | 'wch-other' | 'ftdi' | 'esp-usb-jtag' | 'esp-tinyusb-cdc' | 'esp-usb-other' | 'usb-other' | 'not-usb' | 'unknown';

export const BRIDGE_KINDS: readonly BridgeKind[] = [
  'cp210x',
  'ch340',
  'ch9102',
  'ch343',
  'wch-other',
  'ftdi',
  'esp-usb-jtag',
  'esp-tinyusb-cdc',
  'esp-usb-other',
  'usb-other',
  'not-usb',
  'unknown',
];

/** The levels DTR and RTS are held at whenever nobody is deliberately resetting the board. */
export interface IdleSignals {
  dtr: boolean;
  rts: boolean;
}

export interface BridgeInfo {
  kind: BridgeKind;
  label: string;
  resetNote: string;
  idleSignals: IdleSignals;
  /** Bridges that ESP boards are built with; such ports are listed first. */
  likelyEsp: boolean;
  /** The Linux driver module that gives this bridge a tty, for "no port appeared" advice. */
  linuxDriver?: string;
}

const BOTH_LOW: IdleSignals = { dtr: false, rts: false };

const BRIDGES: Record<BridgeKind, Omit<BridgeInfo, 'kind'>> = {
  cp210x: {
    label: 'Silicon Labs CP210x',
    resetNote: 'auto-reset works on boards with the two-transistor DTR/RTS circuit; idle with DTR and RTS low',
    idleSignals: BOTH_LOW,
    likelyEsp: true,
    linuxDriver: 'cp210x',
  },
  ch340: {
    label: 'WCH CH340 (ESP32-CAM-MB)',
    resetNote: 'ESP32-CAM-MB: DTR and RTS must both be low, or the board is held in reset or boot mode; auto-reset through its transistors',
    idleSignals: BOTH_LOW,
    likelyEsp: true,
    linuxDriver: 'ch341',
  },
  ch9102: {
    label: 'WCH CH9102',
    resetNote: "auto-reset through the board's DTR/RTS transistors; idle with DTR and RTS low",
    idleSignals: BOTH_LOW,
    likelyEsp: true,
    linuxDriver: 'cdc_acm',
  },
  ch343: {
    label: 'WCH CH343',
    resetNote: "auto-reset through the board's DTR/RTS transistors; idle with DTR and RTS low",
    idleSignals: BOTH_LOW,
    likelyEsp: true,
    linuxDriver: 'cdc_acm',
  },
  'wch-other': {
    label: 'WCH CH34x/CH910x',
    resetNote: "auto-reset through the board's DTR/RTS transistors, if it has them; idle with DTR and RTS low",
    idleSignals: BOTH_LOW,
    likelyEsp: true,
    linuxDriver: 'ch341',
  },
  ftdi: {
    label: 'FTDI',
    resetNote: 'a loose FTDI adapter has no auto-reset: hold GPIO0 to GND and press RST to flash (--before manual)',
    idleSignals: BOTH_LOW,
    likelyEsp: true,
    linuxDriver: 'ftdi_sio',
  },
  'esp-usb-jtag': {
    label: 'Espressif USB-Serial/JTAG',
    resetNote: "the chip's own USB (ESP32-S3/C3): it resets with its own sequence (--before usb-jtag)",
    idleSignals: BOTH_LOW,
    likelyEsp: true,
    linuxDriver: 'cdc_acm',
  },
  'esp-tinyusb-cdc': {
    label: 'Espressif TinyUSB CDC',
    resetNote: 'USB served by the running firmware: DTR must stay set or its console stops; it leaves for the ROM only when the firmware reboots',
    idleSignals: { dtr: true, rts: false },
    likelyEsp: true,
    linuxDriver: 'cdc_acm',
  },
  'esp-usb-other': {
    label: 'Espressif USB',
    resetNote: 'an Espressif native-USB device; idle with DTR and RTS low',
    idleSignals: BOTH_LOW,
    likelyEsp: true,
    linuxDriver: 'cdc_acm',
  },
  'usb-other': {
    label: 'unknown USB serial',
    resetNote: 'unknown bridge: auto-reset may work; if it does not, hold GPIO0 to GND and press RST',
    idleSignals: BOTH_LOW,
    likelyEsp: false,
  },
  'not-usb': {
    label: 'not USB',
    resetNote:
      "a UART with no DTR/RTS to the board (e.g. the Pi's GPIO UART): hold GPIO0 to GND and press RST to flash; disable any serial login console on it",
    idleSignals: BOTH_LOW,
    likelyEsp: false,
  },
  unknown: {
    label: 'unknown',
    resetNote: 'not identified; idle with DTR and RTS low',
    idleSignals: BOTH_LOW,
    likelyEsp: false,
  },
};

export function describeBridge(kind: BridgeKind): BridgeInfo {
  return { kind, ...BRIDGES[kind], idleSignals: { ...BRIDGES[kind].idleSignals } };
}

export function isBridgeKind(value: string): value is BridgeKind {
  return (BRIDGE_KINDS as readonly string[]).includes(value);
}

const ESPRESSIF_VID = 0x303a;

/** Classifies a USB serial device by its vendor and product id (numbers, as read from sysfs hex). */
export function bridgeKindForUsb(vid: number, pid: number): BridgeKind {
  switch (vid) {
    case 0x10c4:
      // EA60 CP2102/CP2104, EA70 CP2105, EA71 CP2108, EA63/EA7A CP210x variants.
      return pid === 0xea60 || pid === 0xea70 || pid === 0xea71 || pid === 0xea63 || pid === 0xea7a ? 'cp210x' : 'usb-other';
    case 0x1a86:
      if (pid === 0x7523 || pid === 0x7522 || pid === 0x5523) return 'ch340';
      if (pid === 0x55d4) return 'ch9102';
      if (pid === 0x55d3) return 'ch343';
      return 'wch-other';
    case 0x0403:
      // 6001 FT232R, 6010 FT2232, 6011 FT4232, 6014 FT232H, 6015 FT-X: all FTDI UARTs with the same reset story.
      return 'ftdi';
    case ESPRESSIF_VID:
      if (pid === 0x1001) return 'esp-usb-jtag';
      if ((pid & 0xff00) === 0x4000) return 'esp-tinyusb-cdc';
      return 'esp-usb-other';
    default:
      return 'usb-other';
  }
}
