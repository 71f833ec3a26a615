/** Public shapes of the camera client, shared by the services and the HTTP layer. */

export type ProtocolChoice = 'legacy' | 'auto';
export type ProtocolInUse = 'legacy' | 'v2';

export interface CameraClientOptions {
  bus: import('../../transports/i2c-transport.js').I2cTransport;
  /** 7-bit slave address; freshev's default is 44 (0x2C). */
  address?: number;
  /** `auto` probes for protocol 2 and falls back to legacy when the slave answers 100. Default `auto`. */
  protocol?: ProtocolChoice;
  /** Gives up on one command after this long without a valid reply. Default 3000 ms. */
  commandTimeoutMs?: number;
  /** Gives up on a capture (the camera's own time included) after this long. Default 8000 ms. */
  captureTimeoutMs?: number;
  /** Whole captures retried after a truncated or corrupt photo. Default 2. */
  captureRetries?: number;
  /**
   * The bus clock in Hz, as the system or the config says (docs/hardware.md, "The Pi's bus clock"): chunk sizes,
   * poll intervals and read timeouts follow from it. Default 100000, the Pi's own default.
   */
  busHz?: number;
}

export type CapturePhase = 'capturing' | 'downloading' | 'verifying' | 'done';

/**
 * How the board takes one photo (protocol/README.md, CAPTURE flags). A protocol-2 board running this project's
 * script does it itself; for any other board the client does it from the host, with the same result.
 */
export interface CaptureOptions {
  /**
   * Throw away the frame the camera held (exposed when the previous photo was taken, however long ago) and
   * take the next one. Default false: the held frame is the quickest photo there is.
   */
  fresh?: boolean;
  /** Light the flash LED from 150 ms before a new frame until it is taken (implies fresh). Default false. */
  flash?: boolean;
}

/** Emitted as `progress` on the client while a photo is taken and read. */
export interface CaptureProgress {
  phase: CapturePhase;
  /** Bytes of the photo received so far. */
  bytes: number;
  /** The photo's size, once the camera has said it (protocol 2) or the download has ended. */
  total?: number;
  /** Which attempt this is, from 1, when a corrupt photo forced a retry. */
  attempt: number;
}

export interface PingResult {
  protocol: ProtocolInUse;
  /** Round trip of the ping, command write to status read. */
  roundTripMs: number;
  /** What a protocol-2 slave says about itself in HELLO. */
  firmware?: string;
}

/** What a camera says about its health: `CameraClient.status()`. */
export interface BoardStatus {
  protocol: ProtocolInUse;
  /** Round trip of the question, command write to reply read. */
  roundTripMs: number;
  /** What a protocol-2 slave says about itself in HELLO. */
  firmware?: string;
  /** The fields below come from protocol 2's STATUS; a legacy slave only answers ping. */
  uptimeMs?: number;
  captures?: number;
  errors?: number;
  /** machine.reset_cause() named by protocol/'s resetCauseName (PWRON_RESET, WDT_RESET...). */
  resetCause?: string;
  wdtTimeoutMs?: number;
  /** The rest is absent from slave scripts older than the health fields. Boots the board has counted; 0: no count kept. */
  bootCount?: number;
  freeHeap?: number;
  cameraOk?: boolean;
  lastError?: string;
}

/** Camera settings by CameraWebServer's names (framesize as esp32-camera's framesize_t); see protocol/README.md. */
export type CameraSettings = import('../../../../protocol/src/v2.js').CameraSettings;
/** Every setting the board holds after `CameraClient.applySettings()`. */
export type AppliedSettings = Required<CameraSettings>;
