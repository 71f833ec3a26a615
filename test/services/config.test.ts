import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, resolveConfig } from '../../host/src/config/load-config.js';
import { defaultCameraSpec, formatCameraSpec, parseCameraSpec } from '../../host/src/config/camera-spec.js';
import { Esp32CamError } from '../../host/src/errors.js';

async function configError(promise: Promise<unknown>): Promise<Esp32CamError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Esp32CamError);
    expect((err as Esp32CamError).code).toBe('E_CONFIG');
    return err as Esp32CamError;
  }
  throw new Error('expected E_CONFIG');
}

describe('config', () => {
  let dir: string;
  let noI2c: string;
  let withI2c: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esp32cam-config-'));
    noI2c = join(dir, 'dev-empty');
    withI2c = join(dir, 'dev-pi');
    await mkdir(noI2c);
    await mkdir(withI2c);
    await writeFile(join(withI2c, 'i2c-1'), '');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('defaults to the simulated camera without an I2C bus, and to i2c:1@0x2c with one', async () => {
    const config = await loadConfig({ env: {}, cwd: dir, devDir: noI2c });
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 8080,
      dataDir: join(dir, 'data'),
      cameras: [{ name: 'cam', camera: 'sim', protocol: 'auto', sim: {} }],
      protocol: 'auto',
      retention: { maxPhotos: 500, maxBytes: 500 * 1024 * 1024 },
      sim: { busHz: 100000 },
      allowedHosts: [],
      auth: { mode: 'auto' },
      limits: { firmwareBytes: 16 * 1024 * 1024, scriptBytes: 256 * 1024, uploadsInFlight: 2 },
      // Only what the user set: the health monitor owns its defaults.
      health: { thresholds: {}, recovery: {} },
    });
    expect(defaultCameraSpec(withI2c)).toBe('i2c:1@0x2c');
    expect(defaultCameraSpec(join(dir, 'no-such-dev'))).toBe('sim');
  });

  it('reads camera specs in hex or decimal and spells them one way', () => {
    expect(parseCameraSpec('i2c:1@44')).toEqual({ kind: 'i2c', bus: 1, address: 0x2c });
    expect(parseCameraSpec('I2C:0@0x2C')).toEqual({ kind: 'i2c', bus: 0, address: 0x2c });
    expect(parseCameraSpec('sim')).toEqual({ kind: 'sim', bus: 1, address: 0x2c });
    expect(parseCameraSpec('sim@0x2d')).toEqual({ kind: 'sim', bus: 1, address: 0x2d });
    expect(parseCameraSpec('sim:2@45')).toEqual({ kind: 'sim', bus: 2, address: 0x2d });
    expect(formatCameraSpec({ kind: 'sim', bus: 1, address: 0x2c })).toBe('sim');
    expect(formatCameraSpec({ kind: 'sim', bus: 1, address: 0x2d })).toBe('sim@0x2d');
    expect(formatCameraSpec({ kind: 'sim', bus: 2, address: 0x2c })).toBe('sim:2@0x2c');
    for (const bad of ['i2c:x', 'i2c:1', 'i2c@0x2c', 'i2c:1@0x80', 'i2c:1@0x03', 'i2c:-1@0x2c', 'sim@0x78', 'sim:', 'usb', '']) {
      expect(parseCameraSpec(bad)).toBeUndefined();
    }
  });

  it('layers defaults, then the file, then the flags, resolving paths against their source', async () => {
    const file = join(dir, 'etc', 'esp32cam.json');
    await mkdir(join(dir, 'etc'));
    await writeFile(
      file,
      JSON.stringify({
        port: 9000,
        dataDir: 'photos-here',
        camera: 'i2c:1@44',
        retention: { maxBytes: '1.5MB' },
        sim: { script: 'slave.py', frameSize: 'vga', quality: 20 },
      }),
    );
    const config = await loadConfig({ file, flags: { port: 9100, protocol: 'legacy' }, env: {}, cwd: dir, devDir: noI2c });
    expect(config.port).toBe(9100);
    expect(config.protocol).toBe('legacy');
    expect(config.cameras).toEqual([
      { name: 'cam', camera: 'i2c:1@0x2c', protocol: 'legacy', sim: { script: join(dir, 'etc', 'slave.py'), frameSize: 'VGA', quality: 20 } },
    ]);
    expect(config.dataDir).toBe(join(dir, 'etc', 'photos-here'));
    expect(config.retention).toEqual({ maxPhotos: 500, maxBytes: Math.floor(1.5 * 1024 * 1024) });
    expect(config.sim).toEqual({ busHz: 100000, script: join(dir, 'etc', 'slave.py'), frameSize: 'VGA', quality: 20 });
  });

  it('takes the file from ESP32CAM_CONFIG when --config is not given', async () => {
    await writeFile(join(dir, 'env.json'), '{"port": 1234}');
    const config = await loadConfig({ env: { ESP32CAM_CONFIG: 'env.json' }, cwd: dir, devDir: noI2c });
    expect(config.port).toBe(1234);
  });

  it('names the bad key, the source and the fix', async () => {
    const bad = (values: unknown) => configError(Promise.resolve().then(() => resolveConfig([{ name: 'command line', values, baseDir: dir }])));

    const camera = await bad({ camera: 'i2c:x' });
    expect(camera.message).toBe('command line: camera: "i2c:x" is not a camera; use "sim", "sim@0x2d" or "i2c:BUS@ADDRESS" like "i2c:1@0x2c"');
    expect((await bad({ port: 70000 })).message).toBe('command line: port: must be from 0 to 65535');
    expect((await bad({ port: 'abc' })).message).toBe('command line: port: must be a number');
    expect((await bad({ protocol: 'v3' })).hint).toContain('"legacy"');
    expect((await bad({ retention: { maxBytes: 'lots' } })).message).toContain('retention.maxBytes');
    expect((await bad({ sim: { frameSize: 'HUGE' } })).hint).toContain('QVGA');
    expect((await bad({ sim: { quality: 5 } })).message).toBe('command line: sim.quality: must be from 10 to 63');
    expect((await bad([1, 2])).message).toContain('must be a JSON object');

    const typo = await bad({ prot: 8080 });
    expect(typo.message).toBe('command line: unknown key "prot"');
    expect(typo.hint).toContain('Did you mean "port"');
    const unknown = await bad({ sim: { colour: 'red' } });
    expect(unknown.message).toBe('command line: unknown key "sim.colour"');
    expect(unknown.hint).toContain('script, busHz, frameSize, quality');

    // The security settings: each bad value named, with the fix.
    expect((await bad({ allowedHosts: ['http://cam.lan:8080'] })).message).toMatch(
      /allowedHosts\.0: .*not a host name; use a name .* without a port or scheme/,
    );
    expect((await bad({ allowedHosts: 'cam.lan' })).hint).toContain('["camera.example.lan"]');
    expect((await bad({ auth: { mode: 'none' } })).message).toBe('command line: auth.mode: must be "auto", "token" or "off"');
    expect((await bad({ auth: { token: 'short' } })).hint).toContain('openssl rand');
    expect((await bad({ auth: { user: 'me' } })).hint).toContain('mode, token');
    expect((await bad({ limits: { firmwareBytes: 'big' } })).message).toContain('limits.firmwareBytes');
    expect((await bad({ limits: { uploadsInFlight: 0 } })).message).toBe('command line: limits.uploadsInFlight: must be from 1 to 16');
    // The health settings.
    expect((await bad({ health: { keepAliveMs: 100 } })).message).toBe('command line: health.keepAliveMs: must be 0 (off) or from 250 to 3600000 ms');
    expect((await bad({ health: { keepAliveMs: 100 } })).hint).toContain('quarter of its watchdog timeout');
    expect((await bad({ health: { recovery: { jitter: 2 } } })).message).toBe('command line: health.recovery.jitter: must be from 0 to 1');
    expect((await bad({ health: { recovery: { autoRepush: 'yes' } } })).message).toBe('command line: health.recovery.autoRepush: must be true or false');
    const typoHealth = await bad({ health: { thresholds: { offlineAfter: 3 } } });
    expect(typoHealth.message).toBe('command line: unknown key "health.thresholds.offlineAfter"');
    expect(typoHealth.hint).toContain('offlineAfterFailures');
    const health = resolveConfig([
      { name: 'file', values: { health: { keepAliveMs: 0, recovery: { autoRepush: true } } }, baseDir: dir },
      { name: 'flags', values: { health: { recovery: { maxResetsPerHour: 1 }, thresholds: { slowMs: 500 } } }, baseDir: dir },
    ]).health;
    expect(health).toEqual({ keepAliveMs: 0, thresholds: { slowMs: 500 }, recovery: { autoRepush: true, maxResetsPerHour: 1 } });
    const layered = resolveConfig([{ name: 'file', values: { allowedHosts: ['Cam.LAN'], limits: { scriptBytes: '64KB' } }, baseDir: dir }]);
    expect(layered.allowedHosts).toEqual(['cam.lan']);
    expect(layered.limits).toEqual({ firmwareBytes: 16 * 1024 * 1024, scriptBytes: 64 * 1024, uploadsInFlight: 2 });
  });

  it('takes a list of named cameras, each with its own settings over the shared ones', () => {
    const config = resolveConfig([
      {
        name: 'file',
        baseDir: dir,
        values: {
          protocol: 'legacy',
          sim: { frameSize: 'vga' },
          cameras: [
            { name: 'front', camera: 'i2c:1@44', serialPort: '/dev/ttyUSB0' },
            { name: 'back', camera: 'sim@0x2d', protocol: 'auto', sim: { script: 'back.py', quality: 30 } },
          ],
        },
      },
    ]);
    expect(config.cameras).toEqual([
      { name: 'front', camera: 'i2c:1@0x2c', protocol: 'legacy', serialPort: '/dev/ttyUSB0', sim: { frameSize: 'VGA' } },
      { name: 'back', camera: 'sim@0x2d', protocol: 'auto', sim: { script: join(dir, 'back.py'), frameSize: 'VGA', quality: 30 } },
    ]);
    // A later source's list replaces the earlier one whole, and a bare "camera" is one camera called cam.
    const flags = resolveConfig([
      {
        name: 'file',
        baseDir: dir,
        values: {
          cameras: [
            { name: 'front', camera: 'sim' },
            { name: 'back', camera: 'sim@0x2d' },
          ],
        },
      },
      { name: 'command line', baseDir: dir, values: { camera: 'sim:2' } },
    ]);
    expect(flags.cameras.map((c) => [c.name, c.camera])).toEqual([['cam', 'sim:2@0x2c']]);
  });

  it('refuses two cameras with one name, one address or one serial port, and bad names', () => {
    const bad = (cameras: unknown) => {
      try {
        resolveConfig([{ name: 'config file x.json', values: { cameras }, baseDir: dir }]);
      } catch (err) {
        expect((err as Esp32CamError).code).toBe('E_CONFIG');
        return err as Esp32CamError;
      }
      throw new Error('expected E_CONFIG');
    };
    const name = bad([
      { name: 'front', camera: 'sim' },
      { name: 'front', camera: 'sim@0x2d' },
    ]);
    expect(name.message).toBe('config file x.json: cameras.1.name: "front" names two cameras; give each camera its own name');
    expect(name.hint).toContain('"front"');
    const address = bad([
      { name: 'front', camera: 'i2c:1@0x2c' },
      { name: 'back', camera: 'i2c:1@44' },
    ]);
    expect(address.message).toBe(
      'config file x.json: cameras.1.camera: i2c:1@0x2c is on the same bus and address as camera "front"; two boards cannot share an address',
    );
    // The same address on another bus is another camera.
    expect(
      resolveConfig([
        {
          name: 'f',
          values: {
            cameras: [
              { name: 'a', camera: 'i2c:1@0x2c' },
              { name: 'b', camera: 'i2c:0@0x2c' },
            ],
          },
          baseDir: dir,
        },
      ]).cameras,
    ).toHaveLength(2);
    const port = bad([
      { name: 'a', camera: 'sim', serialPort: '/dev/ttyUSB0' },
      { name: 'b', camera: 'sim@0x2d', serialPort: '/dev/ttyUSB0' },
    ]);
    expect(port.message).toContain('cameras.1.serialPort: /dev/ttyUSB0 is already the serial port of camera "a"');
    expect(bad([{ name: 'Front Door', camera: 'sim' }]).message).toContain('is not a camera name; use 1 to 32 lowercase letters');
    expect(bad([{ name: 'sim', camera: 'sim' }]).message).toContain('cannot be a camera name');
    expect(bad([]).message).toBe('config file x.json: cameras: must list at least one camera');
    expect(bad([{ name: 'a', camera: 'usb' }]).hint).toContain('each camera needs its own bus and address');
    const typo = bad([{ name: 'a', camera: 'sim', port: '/dev/ttyUSB0' }]);
    expect(typo.message).toBe('config file x.json: unknown key "cameras.0.port"');
    expect(typo.hint).toContain('name, camera, protocol, serialPort, sim');
    const both = (() => {
      try {
        resolveConfig([{ name: 'f', values: { camera: 'sim', cameras: [{ name: 'a', camera: 'sim' }] }, baseDir: dir }]);
      } catch (err) {
        return err as Esp32CamError;
      }
      throw new Error('expected E_CONFIG');
    })();
    expect(both.message).toBe('f: cameras: give either "camera" (one camera) or "cameras" (a list), not both');
  });

  it('reports missing, unreadable and malformed files as E_CONFIG', async () => {
    const missing = await configError(loadConfig({ file: 'nope.json', env: {}, cwd: dir }));
    expect(missing.message).toBe(`config file ${join(dir, 'nope.json')} does not exist`);
    expect(missing.hint).toContain('--config');

    expect((await configError(loadConfig({ file: dir, env: {}, cwd: dir }))).message).toContain('is a folder');

    await writeFile(join(dir, 'bad.json'), '{ "port": 8080, }');
    expect((await configError(loadConfig({ file: 'bad.json', env: {}, cwd: dir }))).message).toContain('is not valid JSON');

    await writeFile(join(dir, 'typo.json'), '{ "dataDri": "x" }');
    const typo = await configError(loadConfig({ file: 'typo.json', env: {}, cwd: dir }));
    expect(typo.message).toBe(`config file ${join(dir, 'typo.json')}: unknown key "dataDri"`);
    expect(typo.hint).toContain('"dataDir"');
  });
});
