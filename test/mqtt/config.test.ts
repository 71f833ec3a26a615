/** The config's mqtt section: merged across the file and --mqtt, paths resolved, mistakes named with their fix. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../host/src/config/index.js';
import { configFromFlags } from '../../host/src/cli/camera-options.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const file = (values: unknown) => ({ name: 'config file /etc/esp32cam.json', values: { camera: 'sim', ...(values as object) }, baseDir: '/etc/esp32cam' });
const flags = (values: unknown) => ({ name: 'command line', values, baseDir: '/home/pi' });

describe('the mqtt config section', () => {
  it('is absent unless given: MQTT is off', () => {
    expect(resolveConfig([file({})]).mqtt).toBeUndefined();
  });

  it('takes the URL from --mqtt over the file, keeping the rest, and resolves file paths against the config file', () => {
    const config = resolveConfig([
      file({
        mqtt: { url: 'mqtt://old:1883', username: 'cam', passwordFile: 'secrets/mqtt', caFile: '/etc/ssl/ca.pem', hostId: 'pi-garage', imageMaxBytes: '1MB' },
      }),
      flags({ mqtt: { url: 'mqtts://broker.lan:8883' } }),
    ]);
    expect(config.mqtt).toEqual({
      url: 'mqtts://broker.lan:8883',
      username: 'cam',
      passwordFile: '/etc/esp32cam/secrets/mqtt',
      caFile: '/etc/ssl/ca.pem',
      hostId: 'pi-garage',
      imageMaxBytes: 1024 * 1024,
    });
  });

  it('reads --mqtt through the serve command line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'esp32cam-mqtt-flags-'));
    try {
      const path = join(dir, 'config.json');
      await writeFile(path, JSON.stringify({ camera: 'sim', mqtt: { hostId: 'pi-1', passwordEnv: 'MQTT_PASSWORD' } }));
      const config = await configFromFlags({ config: path, mqtt: 'ws://broker.lan:9001' });
      expect(config.mqtt).toEqual({ url: 'ws://broker.lan:9001', hostId: 'pi-1', passwordEnv: 'MQTT_PASSWORD' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names each mistake, with its key and a fix', () => {
    const cases: Array<[unknown, RegExp, RegExp]> = [
      [{ url: 'mqtt://u:p@broker' }, /mqtt\.url: must not hold the password/, /passwordFile|environment/],
      [{ url: 'ftp://broker' }, /must start with mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\//, /broker's URL/],
      [{ url: 'mqtt://b', baseTopic: 'a/#' }, /mqtt\.baseTopic/, /topic prefix/],
      [{ url: 'mqtt://b', discoveryPrefix: '/ha' }, /mqtt\.discoveryPrefix/, /discovery prefix/],
      [{ url: 'mqtt://b', hostId: 'Pi_1' }, /mqtt\.hostId: must be 1 to 64 lowercase letters/, /each host/],
      [{ url: 'mqtt://b', passwordEnv: '1BAD' }, /mqtt\.passwordEnv/, /environment variable/],
      [{ url: 'mqtt://b', password: 'x', passwordFile: 'y' }, /mqtt: give one of password, passwordFile and passwordEnv/, /at most one of/],
      [{ url: 'mqtt://b', imageMaxBytes: 'huge' }, /mqtt\.imageMaxBytes/, /largest photo/],
      [{ url: 'mqtt://b', hostid: 'pi' }, /unknown key "mqtt\.hostid"/, /Did you mean "hostId"\?/],
    ];
    for (const [mqtt, message, hint] of cases) {
      let error: { code?: string; message?: string; hint?: string } = {};
      try {
        resolveConfig([file({ mqtt })]);
      } catch (err) {
        error = err as typeof error;
      }
      expect(error.code, JSON.stringify(mqtt)).toBe('E_CONFIG');
      expect(error.message, JSON.stringify(mqtt)).toMatch(message);
      expect(error.hint, JSON.stringify(mqtt)).toMatch(hint);
    }
    expect(() => resolveConfig([file({ mqtt: { hostId: 'pi' } })])).toThrow(/mqtt\.url\) is missing/);
  });
});
