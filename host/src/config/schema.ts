import { z } from 'zod';
import { formatCameraSpec, parseCameraSpec } from './camera-spec.js';
import { parseByteSize } from './byte-size.js';

/** Frame sizes freshev's `camera.init(framesize=...)` accepts (ports/esp32/modcamera.c). */
export const FRAME_SIZES = [
  '96X96', 'QQVGA', 'QCIF', 'HQVGA', '240X240', 'QVGA', 'CIF', 'HVGA', 'VGA', 'SVGA', 'XGA', 'HD', 'SXGA',
  'UXGA', 'FHD', 'P_HD', 'P_3MP', 'QXGA', 'QHD', 'WQXGA', 'P_FHD', 'QSXGA',
] as const;

export interface Config {
  host: string;
  port: number;
  /** Absolute path. */
  dataDir: string;
  /** Canonical camera spec: `sim` or `i2c:1@0x2c`. */
  camera: string;
  protocol: 'auto' | 'legacy';
  retention: { maxPhotos: number; maxBytes: number };
  sim: { script?: string; busHz: number; frameSize?: string; quality?: number };
  /** Values written into the board's camconfig.py by `esp32cam push`, e.g. { I2C_ADDRESS: '0x2d' }; absent when none are set. */
  device?: Record<string, DeviceSettingValue>;
  /** Host names, besides this machine's own, that the `Host` header may carry (a reverse proxy's name). */
  allowedHosts: string[];
  auth: AuthConfig;
  limits: UploadLimits;
}

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
  protocol?: 'auto' | 'legacy';
  retention?: { maxPhotos?: number; maxBytes?: number | string };
  sim?: { script?: string; busHz?: number; frameSize?: string; quality?: number };
  device?: Record<string, DeviceSettingValue>;
  allowedHosts?: string[];
  auth?: { mode?: AuthMode; token?: string };
  limits?: { firmwareBytes?: number | string; scriptBytes?: number | string; uploadsInFlight?: number };
};

const cameraSpec = z.string({ error: 'must be a string such as "sim" or "i2c:1@0x2c"' }).transform((text, ctx) => {
  const spec = parseCameraSpec(text);
  if (!spec) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a camera; use "sim" or "i2c:BUS@ADDRESS" like "i2c:1@0x2c"`,
    });
    return z.NEVER;
  }
  return formatCameraSpec(spec);
});

const byteSize = z.union([z.number(), z.string()], { error: 'must be a byte count or a size like "500MB"' })
  .transform((value, ctx) => {
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
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a host name; use a name such as "camera.example.lan" or "*.example.lan", without a port or scheme` });
    return z.NEVER;
  }
  return name;
});

const nonEmpty = (what: string) => z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}` });

/** Every key optional and unknown keys rejected: a typo in a config file must not be silently ignored. */
export const configLayerSchema = z
  .object({
    host: nonEmpty('a host name or address such as "127.0.0.1"'),
    port: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' })
      .min(0, { error: 'must be from 0 to 65535' }).max(65535, { error: 'must be from 0 to 65535' }),
    dataDir: nonEmpty('a folder path'),
    camera: cameraSpec,
    protocol: z.enum(['auto', 'legacy'], { error: 'must be "auto" or "legacy"' }),
    retention: z
      .object({
        maxPhotos: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' })
          .min(1, { error: 'must be at least 1' }),
        maxBytes: byteSize,
      })
      .partial()
      .strict(),
    sim: z
      .object({
        script: nonEmpty('a path to a MicroPython script'),
        busHz: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' })
          .min(1000, { error: 'must be from 1000 to 1000000' }).max(1_000_000, { error: 'must be from 1000 to 1000000' }),
        frameSize: z.string({ error: 'must be a frame size name' }).transform((text, ctx) => {
          const upper = text.toUpperCase();
          if (!(FRAME_SIZES as readonly string[]).includes(upper)) {
            ctx.addIssue({ code: 'custom', message: `"${text}" is not a frame size` });
            return z.NEVER;
          }
          return upper;
        }),
        quality: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' })
          .min(10, { error: 'must be from 10 to 63' }).max(63, { error: 'must be from 10 to 63' }),
      })
      .partial()
      .strict(),
    // Which names exist and their types is camconfig.py's business: `push` checks them against it.
    device: z.record(
      z.string(),
      z.union([z.number(), z.string(), z.boolean()], { error: 'must be a number, a string or true/false' }),
      { error: 'must be an object of camconfig.py settings such as {"I2C_ADDRESS": "0x2d"}' },
    ),
    allowedHosts: z.array(hostName, { error: 'must be a list of host names such as ["camera.example.lan"]' })
      .max(64, { error: 'must list at most 64 names' }),
    auth: z
      .object({
        mode: z.enum(['auto', 'token', 'off'], { error: 'must be "auto", "token" or "off"' }),
        token: z.string({ error: 'must be a string' })
          .min(16, { error: 'must be at least 16 characters' }).max(256, { error: 'must be at most 256 characters' })
          .regex(/^[A-Za-z0-9._~-]+$/, { error: 'may hold only letters, digits and . _ ~ - (it goes into URLs)' }),
      })
      .partial()
      .strict(),
    limits: z
      .object({
        firmwareBytes: byteSize,
        scriptBytes: byteSize,
        uploadsInFlight: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' })
          .min(1, { error: 'must be from 1 to 16' }).max(16, { error: 'must be from 1 to 16' }),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export type ConfigLayer = z.output<typeof configLayerSchema>;

/** What to do about a bad value, per key: the second half of every config error. */
export const CONFIG_HINTS: Record<string, string> = {
  host: 'Use an address to listen on, such as "127.0.0.1" (this machine only) or "0.0.0.0" (the network).',
  port: 'Use a port number from 0 to 65535, such as 8080.',
  dataDir: 'Use the folder photos are kept in, such as "./data".',
  camera: 'Set it with --camera or as "camera" in the config file; `ls /dev/i2c-*` lists the I2C buses.',
  protocol: 'Use "auto" to detect the slave script\'s protocol, or "legacy" for the original script.',
  'retention.maxPhotos': 'Use how many photos to keep, such as 500.',
  'retention.maxBytes': 'Use how many bytes of photos to keep, such as 524288000 or "500MB".',
  'sim.script': 'Use the path of a MicroPython slave script, or leave it out for the bundled one.',
  'sim.busHz': 'Use the simulated I2C clock in Hz, such as 100000 or 400000.',
  'sim.frameSize': `Use one of ${FRAME_SIZES.join(', ')}.`,
  'sim.quality': 'Use a JPEG quality from 10 (best) to 63 (smallest).',
  device: 'Use settings of device-scripts/camconfig.py, e.g. {"I2C_ADDRESS": "0x2d", "WDT_TIMEOUT_MS": 60000}.',
  allowedHosts: 'List the names browsers use to reach this service, e.g. ["camera.example.lan"].',
  'auth.mode': 'Use "auto" (a token when reachable from other machines), "token" (always) or "off" (behind your own authenticating proxy).',
  'auth.token': 'Leave it out to have one generated, or use 16 or more letters and digits (`openssl rand -hex 32`).',
  'limits.firmwareBytes': 'Use the largest firmware upload to accept, such as "16MB".',
  'limits.scriptBytes': 'Use the largest script upload to accept, such as "256KB".',
  'limits.uploadsInFlight': 'Use how many uploads may stream at once, such as 2.',
};

export const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': ['host', 'port', 'dataDir', 'camera', 'protocol', 'retention', 'sim', 'device', 'allowedHosts', 'auth', 'limits'],
  auth: ['mode', 'token'],
  limits: ['firmwareBytes', 'scriptBytes', 'uploadsInFlight'],
  retention: ['maxPhotos', 'maxBytes'],
  sim: ['script', 'busHz', 'frameSize', 'quality'],
};
