import { z } from 'zod';
import { formatCameraSpec, parseCameraSpec } from './camera-spec.js';
import { parseByteSize } from './byte-size.js';

/** Frame sizes freshev's `camera.init(framesize=...)` accepts (ports/esp32/modcamera.c). */
export const FRAME_SIZES = [
  '96X96',
  'QQVGA',
  'QCIF',
  'HQVGA',
  '240X240',
  'QVGA',
  'CIF',
  'HVGA',
  'VGA',
  'SVGA',
  'XGA',
  'HD',
  'SXGA',
  'UXGA',
  'FHD',
  'P_HD',
  'P_3MP',
  'QXGA',
  'QHD',
  'WQXGA',
  'P_FHD',
  'QSXGA',
] as const;

export interface Config {
  host: string;
  port: number;
  /** Absolute path. */
  dataDir: string;
  /** Every camera the service drives, in the order given; at least one. */
  cameras: CameraConfig[];
  /** The protocol setting of cameras that do not choose their own. */
  protocol: 'auto' | 'legacy';
  /** Overall limits, and optionally each camera's own within them. */
  retention: { maxPhotos: number; maxBytes: number; perCamera?: { maxPhotos?: number; maxBytes?: number } };
  sim: { script?: string; busHz: number; frameSize?: string; quality?: number; ambientLight?: number };
  /** The real I2C buses' clocks, over what the system says; absent when the user set nothing. */
  i2c?: I2cConfig;
  /** Values written into the board's camconfig.py by `esp32cam push`, e.g. { I2C_ADDRESS: '0x2d' }; absent when none are set. */
  device?: Record<string, DeviceSettingValue>;
  /** Host names, besides this machine's own, that the `Host` header may carry (a reverse proxy's name). */
  allowedHosts: string[];
  auth: AuthConfig;
  limits: UploadLimits;
  health: HealthConfig;
  /** The MQTT bridge (README "Home Assistant and MQTT"); absent: MQTT is off, and nothing connects. */
  mqtt?: MqttConfig;
  /** The live MJPEG streams; absent when the user set nothing (services/stream has the defaults). */
  stream?: StreamConfig;
  /** Exports of a time range (README "Export"); absent when the user set nothing (services/export has the defaults). */
  export?: ExportConfig;
}

/**
 * The clock of the real I2C buses (README "Configuration", docs/hardware.md "The Pi's bus clock"). The service
 * reads it from the device tree when it can; these say it where the system cannot (a USB bridge) or says it wrong.
 */
export interface I2cConfig {
  /** Every real bus's clock in Hz. */
  clockHz?: number;
  /** One bus's own clock, over clockHz, by bus number: `{ "3": { "clockHz": 100000 } }`. */
  buses?: Record<string, { clockHz: number }>;
}

/** Exports of a time range as a ZIP or an MP4 timelapse (README "Export"). */
export interface ExportConfig {
  /** The ffmpeg that makes timelapses: a command found on PATH, or a path. */
  ffmpeg?: string;
  /** An ffmpeg that shows no progress for this long is stopped. */
  ffmpegStallMs?: number;
}

/** The MQTT bridge: the broker, the topic tree and what goes on it (README "Home Assistant and MQTT" has the defaults). */
export interface MqttConfig {
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://`, without a password. */
  url: string;
  username?: string;
  /** The password itself (only in a config file), or where to read it: a file (absolute path) or an environment variable. */
  password?: string;
  passwordFile?: string;
  passwordEnv?: string;
  clientId?: string;
  /** The CA certificate (PEM, absolute path) of an mqtts:// or wss:// broker with its own CA. */
  caFile?: string;
  baseTopic?: string;
  discoveryPrefix?: string;
  /** This host's level in the topic tree; default: the machine's host name. */
  hostId?: string;
  /** While a stream or timelapse runs, a camera's image topic gets a photo at most this often. */
  imageIntervalS?: number;
  /** Photos larger than this are not published. */
  imageMaxBytes?: number;
  /** `bridge/health` is published this often. */
  healthIntervalS?: number;
}

/** The live MJPEG streams (README "Live stream"). */
export interface StreamConfig {
  /** Viewers one camera's stream may have at once; the next one is refused with E_STREAM_FULL. */
  maxViewers?: number;
}

/** The health monitor: keep-alive, thresholds and the recovery ladder (README "Camera health"). */
export interface HealthConfig {
  /** Keep-alive interval in ms; absent: a quarter of the board's watchdog timeout (protocol 2), else 15 s; 0: off. */
  keepAliveMs?: number;
  /** Listen to each board's serial port, while it is free, for the faults its boot log shows (default true). */
  bootLog?: boolean;
  /** Only what the user set; the monitor fills in its defaults (services/health). */
  thresholds: Partial<HealthThresholds>;
  recovery: Partial<RecoverySettings>;
}

/** When a camera counts as degraded or offline (README "Camera health" has the defaults). */
export interface HealthThresholds {
  /** Consecutive failed checks that make an online camera degraded. */
  degradedAfterFailures: number;
  /** Consecutive failed checks that make it offline. */
  offlineAfterFailures: number;
  /** A status round trip slower than this is a sign of trouble (a busy or struggling board). */
  slowMs: number;
  /** Captures looked at for the share of retakes and CRC errors. */
  captureWindow: number;
  /** Above this share of captures that needed a retake (or saw a CRC error), the camera is degraded. */
  retakeShare: number;
}

/** The recovery ladder's steps and limits (README "Camera health" has the defaults). */
export interface RecoverySettings {
  /** Checks retried with backoff before the heavier steps. */
  retries: number;
  /** The first retry's wait; each next one doubles, up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Each wait is stretched or shrunk at random by up to this share, so cameras on one bus do not retry in step. */
  jitter: number;
  /** Step 2: ask a protocol-2 slave to rebuild its I2C slave. */
  resync: boolean;
  /** Step 3: pull EN low through the board's serial port (RTS) when the port is known and free. */
  serialReset: boolean;
  /** Step 4: push the bundled slave script again when the board answers on its REPL but not on I2C. */
  autoRepush: boolean;
  /** No more hardware resets than this in any hour, whatever the ladder wants. */
  maxResetsPerHour: number;
  /** After giving up, the ladder starts again this much later. */
  giveUpRetryMs: number;
}

/** One camera: its name in URLs and topics, where it is, and how to reach its board over USB serial. */
export interface CameraConfig {
  /** A short slug: `front`, `garage-2`. */
  name: string;
  /** Canonical camera spec: `sim`, `sim@0x2d`, `sim:2@0x2c` or `i2c:1@0x2c`. */
  camera: string;
  protocol: 'auto' | 'legacy';
  /** The board's USB-serial port (`/dev/ttyUSB0`, a by-id path); a simulated board's is `sim:NAME`. */
  serialPort?: string;
  /** A simulated board's own settings, over the config's `sim` section. */
  sim: SimBoardConfig;
}

export interface SimBoardConfig {
  script?: string;
  frameSize?: string;
  quality?: number;
  /** The light on the simulated scene, 0 (dark) to 1 (full light): how the flash LED can be tried. */
  ambientLight?: number;
}

/** The name a camera gets when it is given by its spec alone (`--camera sim`, `"camera": "sim"`). */
export const DEFAULT_CAMERA_NAME = 'cam';

/** `auto`: a token off loopback only; `token`: always; `off`: never (an authenticating proxy in front). */
export type AuthMode = 'auto' | 'token' | 'off';

export interface AuthConfig {
  mode: AuthMode;
  /** A token chosen by the user; otherwise one is generated and kept in `dataDir/auth-token`. */
  token?: string;
}

/** One place for every upload limit, the CLI's included. */
export interface UploadLimits {
  firmwareBytes: number;
  scriptBytes: number;
  uploadsInFlight: number;
}

export type DeviceSettingValue = number | string | boolean;

/** What one source (the file, the flags, a caller) may set: any subset, and nothing unknown. */
export type ConfigInput = {
  host?: string;
  port?: number;
  dataDir?: string;
  camera?: string;
  cameras?: Array<{ name: string; camera: string; protocol?: 'auto' | 'legacy'; serialPort?: string; sim?: SimBoardConfig }>;
  protocol?: 'auto' | 'legacy';
  retention?: { maxPhotos?: number; maxBytes?: number | string; perCamera?: { maxPhotos?: number; maxBytes?: number | string } };
  sim?: { script?: string; busHz?: number; frameSize?: string; quality?: number; ambientLight?: number };
  i2c?: I2cConfig;
  device?: Record<string, DeviceSettingValue>;
  allowedHosts?: string[];
  auth?: { mode?: AuthMode; token?: string };
  limits?: { firmwareBytes?: number | string; scriptBytes?: number | string; uploadsInFlight?: number };
  health?: { keepAliveMs?: number; bootLog?: boolean; thresholds?: Partial<HealthThresholds>; recovery?: Partial<RecoverySettings> };
  mqtt?: Partial<Omit<MqttConfig, 'imageMaxBytes'>> & { imageMaxBytes?: number | string };
  stream?: StreamConfig;
  export?: ExportConfig;
};

const cameraSpec = z.string({ error: 'must be a string such as "sim" or "i2c:1@0x2c"' }).transform((text, ctx) => {
  const spec = parseCameraSpec(text);
  if (!spec) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a camera; use "sim", "sim@0x2d" or "i2c:BUS@ADDRESS" like "i2c:1@0x2c"`,
    });
    return z.NEVER;
  }
  return formatCameraSpec(spec);
});

/** Words a name may not be, so that `--camera NAME` can never be read as a spec. */
const RESERVED_NAMES = new Set(['sim', 'i2c', 'all', 'api']);

const cameraName = z.string({ error: 'must be a short name such as "front"' }).transform((text, ctx) => {
  const name = text.trim();
  if (!/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(name)) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a camera name; use 1 to 32 lowercase letters, digits and dashes, such as "front" or "garage-2"`,
    });
    return z.NEVER;
  }
  if (RESERVED_NAMES.has(name)) {
    ctx.addIssue({ code: 'custom', message: `"${name}" cannot be a camera name: it reads as a spec or a keyword` });
    return z.NEVER;
  }
  return name;
});

const frameSize = z.string({ error: 'must be a frame size name' }).transform((text, ctx) => {
  const upper = text.toUpperCase();
  if (!(FRAME_SIZES as readonly string[]).includes(upper)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a frame size` });
    return z.NEVER;
  }
  return upper;
});

const quality = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(10, { error: 'must be from 10 to 63' })
  .max(63, { error: 'must be from 10 to 63' });

const ambientLight = z.number({ error: 'must be a number' }).min(0, { error: 'must be from 0 to 1' }).max(1, { error: 'must be from 0 to 1' });

const protocol = z.enum(['auto', 'legacy'], { error: 'must be "auto" or "legacy"' });

const simBoard = z
  .object({
    script: z.string({ error: 'must be a path to a MicroPython script' }).min(1, { error: 'must be a path to a MicroPython script' }),
    frameSize,
    quality,
    ambientLight,
  })
  .partial()
  .strict();

const cameraEntry = z
  .object({
    name: cameraName,
    camera: cameraSpec,
    protocol: protocol.optional(),
    serialPort: z
      .string({ error: 'must be a serial port path such as "/dev/ttyUSB0"' })
      .min(1, { error: 'must be a serial port path such as "/dev/ttyUSB0"' })
      .optional(),
    sim: simBoard.optional(),
  })
  .strict();

/** Two cameras may not share a name, a bus and address, or a serial port: each would shadow the other. */
const cameraList = z
  .array(cameraEntry, { error: 'must be a list of cameras such as [{"name": "front", "camera": "sim"}]' })
  .min(1, { error: 'must list at least one camera' })
  .max(32, { error: 'must list at most 32 cameras' })
  .superRefine((cameras, ctx) => {
    const seen = { name: new Map<string, string>(), camera: new Map<string, string>(), serialPort: new Map<string, string>() };
    cameras.forEach((c, i) => {
      const where = busAndAddress(c.camera);
      const checks: Array<[keyof typeof seen, string | undefined, (other: string) => string]> = [
        ['name', c.name, () => `"${c.name}" names two cameras; give each camera its own name`],
        ['camera', where, (other) => `${c.camera} is on the same bus and address as camera "${other}"; two boards cannot share an address`],
        ['serialPort', c.serialPort, (other) => `${c.serialPort} is already the serial port of camera "${other}"`],
      ];
      for (const [key, value, message] of checks) {
        if (value === undefined) continue;
        const other = seen[key].get(value);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: [i, key], message: message(other) });
        else seen[key].set(value, c.name);
      }
    });
  });

function busAndAddress(canonical: string): string {
  const spec = parseCameraSpec(canonical);
  return spec ? `${spec.kind}:${spec.bus}@${spec.address}` : canonical;
}

const byteSize = z.union([z.number(), z.string()], { error: 'must be a byte count or a size like "500MB"' }).transform((value, ctx) => {
  const bytes = parseByteSize(value);
  if (bytes === undefined || bytes < 1) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a size; use bytes or a size like "500MB"` });
    return z.NEVER;
  }
  return bytes;
});

/** A Host header name: letters, digits, dots and dashes, or a leading `*.` for every subdomain. */
const hostName = z.string({ error: 'must be a host name such as "camera.example.lan"' }).transform((text, ctx) => {
  const name = text.trim().toLowerCase();
  if (!/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(name)) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a host name; use a name such as "camera.example.lan" or "*.example.lan", without a port or scheme`,
    });
    return z.NEVER;
  }
  return name;
});

/** A bus clock in Hz: the range the simulator takes too, from a crawl to Fast-mode Plus. */
const clockHz = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(1000, { error: 'must be from 1000 to 1000000' })
  .max(1_000_000, { error: 'must be from 1000 to 1000000' });

const i2cSection = z
  .object({
    clockHz,
    buses: z.record(
      z.string().regex(/^(0|[1-9][0-9]{0,2})$/, { error: 'must be keyed by bus number, such as "1" for /dev/i2c-1' }),
      z.object({ clockHz }).strict(),
      { error: 'must be an object of buses such as {"3": {"clockHz": 100000}}' },
    ),
  })
  .partial()
  .strict();

const wholeNumber = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be from ${min} to ${max}` })
    .max(max, { error: `must be from ${min} to ${max}` });
const share = z.number({ error: 'must be a number' }).min(0, { error: 'must be from 0 to 1' }).max(1, { error: 'must be from 0 to 1' });
const onOff = z.boolean({ error: 'must be true or false' });
const HOUR = 3_600_000;

const healthSection = z
  .object({
    keepAliveMs: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .refine((ms) => ms === 0 || (ms >= 250 && ms <= HOUR), { error: 'must be 0 (off) or from 250 to 3600000 ms' }),
    bootLog: onOff,
    thresholds: z
      .object({
        degradedAfterFailures: wholeNumber(1, 100),
        offlineAfterFailures: wholeNumber(1, 100),
        slowMs: wholeNumber(10, 60_000),
        captureWindow: wholeNumber(1, 1000),
        retakeShare: share,
      })
      .partial()
      .strict(),
    recovery: z
      .object({
        retries: wholeNumber(0, 100),
        backoffMs: wholeNumber(10, HOUR),
        maxBackoffMs: wholeNumber(10, HOUR),
        jitter: share,
        resync: onOff,
        serialReset: onOff,
        autoRepush: onOff,
        maxResetsPerHour: wholeNumber(0, 60),
        giveUpRetryMs: wholeNumber(1000, 24 * HOUR),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

const nonEmpty = (what: string) => z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}` });

/** A broker URL: MQTT.js's schemes, and no password (a URL ends up in command lines, process lists and logs). */
const mqttUrl = z.string({ error: 'must be a broker URL such as "mqtt://broker.lan:1883"' }).transform((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a URL; use one such as "mqtt://broker.lan:1883"` });
    return z.NEVER;
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(url.protocol)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" must start with mqtt://, mqtts://, ws:// or wss://` });
    return z.NEVER;
  }
  if (url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not hold the password; put it in mqtt.passwordFile or the environment (mqtt.passwordEnv)' });
    return z.NEVER;
  }
  return text.trim();
});

/** A topic prefix: levels of anything but the wildcards, none empty, not the broker's own `$` topics. */
const topicPrefix = z
  .string({ error: 'must be a topic such as "esp32cam"' })
  .refine((t) => /^[^#+/$][^#+]*$/.test(t) && !t.endsWith('/') && !t.includes('//'), {
    error: 'must be a topic such as "esp32cam" or "home/cameras": no + or #, no empty level, not starting with $',
  });

const mqttSection = z
  .object({
    url: mqttUrl,
    username: nonEmpty('a user name'),
    password: nonEmpty('a password'),
    passwordFile: nonEmpty('the path of a file holding the password'),
    passwordEnv: z
      .string({ error: 'must be an environment variable name' })
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name such as "MQTT_PASSWORD"' }),
    clientId: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(128, { error: 'must be at most 128 characters' }),
    caFile: nonEmpty('the path of a PEM CA certificate'),
    baseTopic: topicPrefix,
    discoveryPrefix: topicPrefix,
    hostId: z.string({ error: 'must be a string' }).regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, {
      error: 'must be 1 to 64 lowercase letters, digits and dashes, such as "pi-garage"',
    }),
    imageIntervalS: wholeNumber(0, 86_400),
    imageMaxBytes: byteSize,
    healthIntervalS: wholeNumber(1, 86_400),
  })
  .partial()
  .strict()
  .superRefine((mqtt, ctx) => {
    const given = (['password', 'passwordFile', 'passwordEnv'] as const).filter((k) => mqtt[k] !== undefined);
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: `give one of password, passwordFile and passwordEnv, not ${given.join(' and ')}` });
  });

/** Every key optional and unknown keys rejected: a typo in a config file must not be silently ignored. */
export const configLayerSchema = z
  .object({
    host: nonEmpty('a host name or address such as "127.0.0.1"'),
    port: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must be from 0 to 65535' })
      .max(65535, { error: 'must be from 0 to 65535' }),
    dataDir: nonEmpty('a folder path'),
    camera: cameraSpec,
    cameras: cameraList,
    protocol,
    retention: z
      .object({
        maxPhotos: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }),
        maxBytes: byteSize,
        perCamera: z
          .object({
            maxPhotos: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }),
            maxBytes: byteSize,
          })
          .partial()
          .strict(),
      })
      .partial()
      .strict(),
    sim: z
      .object({
        script: nonEmpty('a path to a MicroPython script'),
        busHz: clockHz,
        frameSize,
        quality,
        ambientLight,
      })
      .partial()
      .strict(),
    i2c: i2cSection,
    // Which names exist and their types is camconfig.py's business: `push` checks them against it.
    device: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()], { error: 'must be a number, a string or true/false' }), {
      error: 'must be an object of camconfig.py settings such as {"I2C_ADDRESS": "0x2d"}',
    }),
    allowedHosts: z.array(hostName, { error: 'must be a list of host names such as ["camera.example.lan"]' }).max(64, { error: 'must list at most 64 names' }),
    auth: z
      .object({
        mode: z.enum(['auto', 'token', 'off'], { error: 'must be "auto", "token" or "off"' }),
        token: z
          .string({ error: 'must be a string' })
          .min(16, { error: 'must be at least 16 characters' })
          .max(256, { error: 'must be at most 256 characters' })
          .regex(/^[A-Za-z0-9._~-]+$/, { error: 'may hold only letters, digits and . _ ~ - (it goes into URLs)' }),
      })
      .partial()
      .strict(),
    limits: z
      .object({
        firmwareBytes: byteSize,
        scriptBytes: byteSize,
        uploadsInFlight: z
          .number({ error: 'must be a number' })
          .int({ error: 'must be a whole number' })
          .min(1, { error: 'must be from 1 to 16' })
          .max(16, { error: 'must be from 1 to 16' }),
      })
      .partial()
      .strict(),
    health: healthSection,
    mqtt: mqttSection,
    stream: z
      .object({ maxViewers: wholeNumber(1, 64) })
      .partial()
      .strict(),
    export: z
      .object({ ffmpeg: nonEmpty('the ffmpeg command or its path'), ffmpegStallMs: wholeNumber(1000, HOUR) })
      .partial()
      .strict(),
  })
  .partial()
  .strict()
  .superRefine((layer, ctx) => {
    if (layer.camera !== undefined && layer.cameras !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['cameras'], message: 'give either "camera" (one camera) or "cameras" (a list), not both' });
    }
  });

export type ConfigLayer = z.output<typeof configLayerSchema>;

/** What to do about a bad value, per key: the second half of every config error. */
export const CONFIG_HINTS: Record<string, string> = {
  host: 'Use an address to listen on, such as "127.0.0.1" (this machine only) or "0.0.0.0" (the network).',
  port: 'Use a port number from 0 to 65535, such as 8080.',
  dataDir: 'Use the folder photos are kept in, such as "./data".',
  camera: 'Set it with --camera or as "camera" in the config file; `ls /dev/i2c-*` lists the I2C buses.',
  cameras: 'List cameras as [{"name": "front", "camera": "i2c:1@0x2c"}, {"name": "back", "camera": "i2c:1@0x2d"}], or give --camera NAME=SPEC once per camera.',
  'cameras.name': 'Use a short lowercase name such as "front", "garage" or "garden-2".',
  'cameras.camera': 'Use "sim", "sim@0x2d" or "i2c:BUS@ADDRESS" like "i2c:1@0x2c"; each camera needs its own bus and address.',
  'cameras.protocol': 'Use "auto" to detect the slave script\'s protocol, or "legacy" for the original script.',
  'cameras.serialPort': 'Use the board\'s USB-serial port as `esp32cam ports` lists it, such as "/dev/ttyUSB0"; each board has its own.',
  'cameras.sim.script': 'Use the path of a MicroPython slave script, or leave it out for the bundled one.',
  'cameras.sim.frameSize': `Use one of ${FRAME_SIZES.join(', ')}.`,
  'cameras.sim.quality': 'Use a JPEG quality from 10 (best) to 63 (smallest).',
  'cameras.sim.ambientLight': 'Use a light level from 0 (night) to 1 (full light); below about 0.5 the photos come out dark.',
  protocol: 'Use "auto" to detect the slave script\'s protocol, or "legacy" for the original script.',
  'retention.maxPhotos': 'Use how many photos to keep, such as 500.',
  'retention.maxBytes': 'Use how many bytes of photos to keep, such as 524288000 or "500MB".',
  'retention.perCamera.maxPhotos': 'Use how many photos to keep of each camera, such as 200.',
  'retention.perCamera.maxBytes': 'Use how many bytes of photos to keep of each camera, such as "200MB".',
  'sim.script': 'Use the path of a MicroPython slave script, or leave it out for the bundled one.',
  'sim.busHz': 'Use the simulated I2C clock in Hz, such as 100000 or 400000.',
  i2c: 'Use {"clockHz": 400000} for every real bus, or {"buses": {"1": {"clockHz": 400000}}} for one; leave it out to take the clock from the system.',
  'i2c.clockHz': "Use the Pi's i2c_arm_baudrate from /boot/firmware/config.txt in Hz, such as 100000 (the Pi's default) or 400000.",
  'health.keepAliveMs': 'Leave it out to follow the board (a quarter of its watchdog timeout), or give 0 to turn the keep-alive off.',
  health: 'Use {"keepAliveMs": …, "thresholds": {…}, "recovery": {…}}; the README\'s "Camera health" section lists every key.',
  'health.thresholds': 'The README\'s "Camera health" section lists the thresholds and their defaults.',
  'health.recovery': 'The README\'s "Camera health" section lists the recovery settings and their defaults.',
  'sim.frameSize': `Use one of ${FRAME_SIZES.join(', ')}.`,
  'sim.quality': 'Use a JPEG quality from 10 (best) to 63 (smallest).',
  'sim.ambientLight': 'Use a light level from 0 (night) to 1 (full light); below about 0.5 the photos come out dark.',
  device: 'Use settings of device-scripts/camconfig.py, e.g. {"I2C_ADDRESS": "0x2d", "WDT_TIMEOUT_MS": 60000}.',
  allowedHosts: 'List the names browsers use to reach this service, e.g. ["camera.example.lan"].',
  'auth.mode': 'Use "auto" (a token when reachable from other machines), "token" (always) or "off" (behind your own authenticating proxy).',
  'auth.token': 'Leave it out to have one generated, or use 16 or more letters and digits (`openssl rand -hex 32`).',
  mqtt: 'Use {"url": "mqtt://broker.lan:1883"} with at most one of password, passwordFile and passwordEnv; the README\'s "Home Assistant and MQTT" section lists every key.',
  'mqtt.url':
    'Use the broker\'s URL, such as "mqtt://broker.lan:1883", "mqtts://broker.lan:8883" or "ws://broker.lan:9001"; put the password in mqtt.passwordFile or the environment.',
  'mqtt.password': 'Prefer mqtt.passwordFile or mqtt.passwordEnv, so the password is in neither the config file nor a command line.',
  'mqtt.passwordFile': "Use the path of a file that holds only the password, readable by the service's user (chmod 600).",
  'mqtt.passwordEnv': 'Use the name of an environment variable that holds the password, such as "MQTT_PASSWORD".',
  'mqtt.baseTopic': 'Use a topic prefix such as "esp32cam" (the default).',
  'mqtt.discoveryPrefix': 'Use Home Assistant\'s discovery prefix, "homeassistant" unless you changed it there.',
  'mqtt.hostId': 'Use a short name for this host, such as "pi-garage"; each host on a broker needs its own.',
  'mqtt.imageIntervalS': 'Use how many seconds apart stream and timelapse photos go to the image topic, such as 10 (the default).',
  'mqtt.imageMaxBytes': 'Use the largest photo to publish, such as "2MB" (the default).',
  'mqtt.healthIntervalS': 'Use how many seconds apart bridge/health is published, such as 60 (the default).',
  'limits.firmwareBytes': 'Use the largest firmware upload to accept, such as "16MB".',
  'limits.scriptBytes': 'Use the largest script upload to accept, such as "256KB".',
  'limits.uploadsInFlight': 'Use how many uploads may stream at once, such as 2.',
  stream: 'Use {"maxViewers": 4}; the README\'s "Live stream" section explains it.',
  'stream.maxViewers': "Use how many viewers may watch one camera's live stream at once, from 1 to 64, such as 4 (the default).",
  export: 'Use {"ffmpeg": "/usr/bin/ffmpeg"}; the README\'s "Export" section explains it.',
  'export.ffmpeg': 'Use "ffmpeg" (found on PATH, the default) or the full path of an ffmpeg binary such as "/usr/bin/ffmpeg".',
  'export.ffmpegStallMs': 'Use how long an ffmpeg may show no progress before it is stopped, from 1000 to 3600000 ms, such as 60000 (the default).',
};

export const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': [
    'host',
    'port',
    'dataDir',
    'camera',
    'cameras',
    'protocol',
    'retention',
    'sim',
    'i2c',
    'device',
    'allowedHosts',
    'auth',
    'limits',
    'health',
    'stream',
    'export',
    'mqtt',
  ],
  health: ['keepAliveMs', 'bootLog', 'thresholds', 'recovery'],
  'health.thresholds': ['degradedAfterFailures', 'offlineAfterFailures', 'slowMs', 'captureWindow', 'retakeShare'],
  'health.recovery': ['retries', 'backoffMs', 'maxBackoffMs', 'jitter', 'resync', 'serialReset', 'autoRepush', 'maxResetsPerHour', 'giveUpRetryMs'],
  auth: ['mode', 'token'],
  mqtt: [
    'url',
    'username',
    'password',
    'passwordFile',
    'passwordEnv',
    'clientId',
    'caFile',
    'baseTopic',
    'discoveryPrefix',
    'hostId',
    'imageIntervalS',
    'imageMaxBytes',
    'healthIntervalS',
  ],
  cameras: ['name', 'camera', 'protocol', 'serialPort', 'sim'],
  'cameras.sim': ['script', 'frameSize', 'quality', 'ambientLight'],
  limits: ['firmwareBytes', 'scriptBytes', 'uploadsInFlight'],
  retention: ['maxPhotos', 'maxBytes', 'perCamera'],
  'retention.perCamera': ['maxPhotos', 'maxBytes'],
  sim: ['script', 'busHz', 'frameSize', 'quality', 'ambientLight'],
  i2c: ['clockHz', 'buses'],
  stream: ['maxViewers'],
  export: ['ffmpeg', 'ffmpegStallMs'],
};
