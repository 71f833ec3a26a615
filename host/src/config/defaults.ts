/**
 * The values a setting takes when no config source gives it. Plain data in a module of its own, so that a
 * command needing one figure (flash's size limit) does not load the config schema with it.
 */
export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: './data',
  protocol: 'auto',
  retention: { maxPhotos: 500, maxBytes: 500 * 1024 * 1024 },
  sim: { busHz: 100_000 },
  auth: { mode: 'auto' },
  limits: { firmwareBytes: 16 * 1024 * 1024, scriptBytes: 256 * 1024, uploadsInFlight: 2 },
} as const;
