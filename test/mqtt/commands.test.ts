/** Command parsing, the state payloads, the retained state and the image throttle: the bridge's pure parts. */
import { describe, expect, it } from 'vitest';
import { availabilityOf, cameraState, parseCommand, RetainedState, settingsOf } from '../../host/src/services/mqtt/index.js';
import { ImagePublisher } from '../../host/src/services/mqtt/image-publisher.js';
import type { Cameras, CameraStatus } from '../../host/src/services/cameras/index.js';
import { boardReboot } from '../../host/src/services/mqtt/board-reboot.js';
import { SerialPorts } from '../../host/src/services/serial/index.js';
import type { PushJobs } from '../../host/src/services/push-jobs.js';

const parse = (command: string, payload: string) => parseCommand(command, Buffer.from(payload));

describe('commands', () => {
  it('reads the capture button and a capture with options', () => {
    expect(parse('capture', 'PRESS')).toEqual({ ok: true, command: { kind: 'capture', request: {} } });
    expect(parse('capture', '')).toEqual({ ok: true, command: { kind: 'capture', request: {} } });
    expect(parse('capture', '{"flash": "on", "fresh": false, "id": "a1"}')).toEqual({
      ok: true,
      command: { kind: 'capture', request: { flash: 'on', fresh: false }, id: 'a1' },
    });
  });

  it('reads ON and OFF for the LED', () => {
    expect(parse('led', 'ON')).toEqual({ ok: true, command: { kind: 'led', on: true } });
    expect(parse('led', 'off\n')).toEqual({ ok: true, command: { kind: 'led', on: false } });
  });

  it('reads settings by name or number, as the select and the number send them', () => {
    expect(parse('settings', '{"framesize": "QVGA"}')).toEqual({ ok: true, command: { kind: 'settings', change: { framesize: 5 } } });
    expect(parse('settings', '{"framesize": 8, "quality": 12, "vflip": 1, "flash": "auto"}')).toEqual({
      ok: true,
      command: { kind: 'settings', change: { framesize: 8, quality: 12, vflip: 1 }, flash: 'auto' },
    });
    expect(parse('settings', '{"flash": "off"}')).toEqual({ ok: true, command: { kind: 'settings', change: {}, flash: 'off' } });
  });

  it('refuses every malformed command with E_BAD_INPUT, a message and a hint', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['capture', 'CLICK', /not valid JSON/],
      ['capture', '{"flash": "bright"}', /flash/],
      ['capture', '{"color": true}', /unknown key "color"/],
      ['led', 'TOGGLE', /ON or OFF/],
      ['settings', 'framesize=VGA', /not valid JSON/],
      ['settings', '"VGA"', /not an object/],
      ['settings', '{"framesize": "VGA2"}', /framesize must be one of/],
      ['settings', '{"framesize": 14}', /framesize must be one of/],
      ['settings', '{"quality": 9}', /quality must be an integer from 10 to 63/],
      ['settings', '{"brightness": 0.5}', /brightness must be an integer/],
      ['settings', '{"exposure": 3}', /unknown setting exposure/],
      ['settings', '{"id": "x"}', /changes nothing/],
      ['reboot', 'YES', /PRESS/],
      ['format', 'PRESS', /"format" is not a command/],
      ['capture', 'x'.repeat(5000), /more than 4096/],
    ];
    for (const [command, payload, why] of cases) {
      const result = parse(command, payload);
      expect(result.ok, `${command} ${payload.slice(0, 30)}`).toBe(false);
      if (result.ok) continue;
      expect(result.error.code).toBe('E_BAD_INPUT');
      expect(result.error.message).toMatch(why);
      expect(result.error.hint.length).toBeGreaterThan(0);
    }
  });
});

describe('payloads', () => {
  const status = {
    name: 'front',
    led: true,
    firmware: 'esp32cam-slave/2.1',
    protocol: 'v2',
    lastError: null,
    health: { state: 'online', lastSeenAt: null },
  } as unknown as CameraStatus;

  it('builds the camera state with the frame size by name and nulls for what is unknown', () => {
    const state = cameraState({
      status,
      health: undefined,
      settings: {
        camera: 'front',
        wanted: { framesize: 5 },
        applied: { framesize: 5, quality: 12 },
        appliedAt: 1,
        supported: true,
        lastError: null,
        flash: 'auto',
      },
      lastCapture: { at: '2026-01-01T00:00:00.000Z', bytes: 1000, captureMs: 300 },
    });
    expect(state).toMatchObject({
      state: 'online',
      uptimeS: null,
      bootCount: null,
      led: 'ON',
      flash: 'auto',
      settings: { framesize: 'QVGA', quality: 12, brightness: null },
      lastCapture: { bytes: 1000 },
    });
    expect(settingsOf(undefined)).toMatchObject({ framesize: null, quality: null });
  });

  it('calls a camera available while it answers (online or degraded) only', () => {
    expect(['online', 'degraded', 'unknown', 'offline', 'recovering'].map((s) => availabilityOf(s as never))).toEqual([
      'online',
      'online',
      'offline',
      'offline',
      'offline',
    ]);
  });
});

describe('the retained state', () => {
  it('keeps one payload per topic, the newest, and says when it changed', () => {
    const state = new RetainedState(3);
    expect(state.set('a', '1')).toBe(true);
    expect(state.set('a', '1')).toBe(false);
    expect(state.set('a', '2')).toBe(true);
    for (let i = 0; i < 100; i++) state.set('b', String(i));
    expect(state.size).toBe(2);
    expect(state.get('b')?.toString()).toBe('99');
    expect(state.entries().map(([t]) => t)).toEqual(['a', 'b']);
  });

  it('is bounded: a topic over the cap is refused and counted, the others stay', () => {
    const state = new RetainedState(2);
    state.set('a', '1');
    state.set('b', '1');
    expect(state.set('c', '1')).toBe(false);
    expect(state.dropped).toBe(1);
    expect(state.set('a', '2')).toBe(true);
    expect(state.delete('b')).toBe(true);
    expect(state.set('c', '1')).toBe(true);
  });
});

describe('the image publisher', () => {
  it('sends a photo taken on demand at once, keeps only the newest while one is on its way, and nothing over the size limit', () => {
    const sent: string[] = [];
    const done: Array<() => void> = [];
    const images = new ImagePublisher({
      intervalMs: 60_000,
      maxBytes: 10,
      send: (camera, jpeg, finished) => {
        sent.push(`${camera}:${jpeg.toString()}`);
        done.push(finished);
        return true;
      },
    });
    images.offer('front', Buffer.from('a'), false);
    images.offer('front', Buffer.from('b'), false);
    images.offer('front', Buffer.from('c'), false);
    images.offer('back', Buffer.from('x'), false);
    images.offer('front', Buffer.from('far too large'), false);
    expect(sent).toEqual(['front:a', 'back:x']);
    expect(images.tooLarge).toBe(1);
    done[0]();
    expect(sent).toEqual(['front:a', 'back:x', 'front:c']);
    images.close();
  });

  it('drops photos while the broker is away instead of keeping them', () => {
    let connected = false;
    const sent: string[] = [];
    const images = new ImagePublisher({
      intervalMs: 0,
      maxBytes: 100,
      send: (_camera, jpeg, finished) => {
        if (!connected) return false;
        sent.push(jpeg.toString());
        finished();
        return true;
      },
    });
    images.offer('front', Buffer.from('while away'), false);
    connected = true;
    images.offer('front', Buffer.from('back again'), false);
    expect(sent).toEqual(['back again']);
    images.close();
  });

  it('holds stream frames back to one per interval, the newest winning', () => {
    let now = 0;
    const sent: string[] = [];
    const images = new ImagePublisher({
      intervalMs: 10_000,
      maxBytes: 100,
      now: () => now,
      send: (_camera, jpeg, finished) => {
        sent.push(jpeg.toString());
        finished();
        return true;
      },
    });
    images.offer('front', Buffer.from('f1'), true);
    now = 1000;
    images.offer('front', Buffer.from('f2'), true);
    images.offer('front', Buffer.from('f3'), true);
    expect(sent).toEqual(['f1']);
    // A photo taken on demand does not wait for the interval, and carries the newest frame's place.
    images.offer('front', Buffer.from('still'), false);
    expect(sent).toEqual(['f1', 'still']);
    images.close();
  });
});

describe('the reboot command', () => {
  it('answers E_UNSUPPORTED, naming the fix, for a camera without a serial port', async () => {
    const cameras = { get: (name: string) => ({ name, camera: { serialPort: undefined, client: {} } }) } as unknown as Cameras;
    const ports = new SerialPorts({ provided: [] });
    try {
      const reboot = boardReboot({ cameras, ports, pushJobs: {} as PushJobs });
      await expect(reboot('porch')).rejects.toMatchObject({
        code: 'E_UNSUPPORTED',
        message: expect.stringContaining('"porch" has no serial port'),
        hint: expect.stringContaining('serialPort'),
      });
    } finally {
      await ports.close();
    }
  });
});
