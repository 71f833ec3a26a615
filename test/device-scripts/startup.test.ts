import { describe, expect, it } from 'vitest';
import { loadBoard, requestFrame, replyFrame } from './board.js';

const LED = 33;

interface TimerState {
  mode: number;
  period: number;
  active: boolean;
  inits: number;
}

const timerState = 'dict(mode=machine.timers[0].mode, period=machine.timers[0].period, ' + 'active=machine.timers[0].active, inits=machine.timers[0].inits)';

describe('camconfig.py', () => {
  it('holds the documented defaults, and the TX ring holds two full protocol-2 replies', async () => {
    const board = await loadBoard({ start: false });
    board.py('import camconfig');
    const config = board.value<Record<string, number | string>>('{k: getattr(camconfig, k) for k in dir(camconfig) if not k.startswith("_")}');
    expect(config).toEqual({
      I2C_ID: 0,
      SCL_PIN: 12,
      SDA_PIN: 13,
      I2C_FREQ: 100000,
      I2C_ADDRESS: 0x2c,
      TX_RING: 8192,
      RX_RING: 256,
      LEGACY_CHUNK: 100,
      CHUNK: 4080,
      FRAME_SIZE: 'QVGA',
      JPEG_QUALITY: 12,
      FLASH_PIN: 4,
      LED_PIN: 33,
      WDT_TIMEOUT_MS: 60000,
    });
    expect(2 * ((config.CHUNK as number) + 10)).toBeLessThanOrEqual(config.TX_RING as number);
  });
});

describe('start-up', () => {
  it('starts the watchdog, the camera and the I2C slave as camconfig says', async () => {
    const board = await loadBoard();
    expect(board.value('machine.wdt_timeouts')).toEqual([60000]);
    expect(board.value('camera.init_calls')).toEqual([
      { format: 4, framesize: 5, quality: 12, fb_location: 0 }, // JPEG, FRAME_QVGA, CAMERA_FB_IN_PSRAM
    ]);
    expect(board.value('i2c.kwargs')).toEqual({
      id: 0,
      mode: 1,
      freq: 100000,
      scl: 12,
      sda: 13,
      slave_addr: 44,
      slave_rbuflen: 256,
      slave_wbuflen: 8192,
    });
    expect(board.value('i2c.cb is not None')).toBe(true);
    expect(board.value('machine.deinit_all_calls')).toBe(0);
  });

  it('uses the frame size named in camconfig', async () => {
    const board = await loadBoard({ setup: "import camconfig\ncamconfig.FRAME_SIZE = 'UXGA'" });
    expect(board.value('camera.init_calls[0]["framesize"]')).toBe(13);
  });

  it('frees the I2C bus with deinit_all when it is already in use (after a soft reset)', async () => {
    const board = await loadBoard({ setup: 'machine.bus_in_use.add(0)' });
    expect(board.value('machine.deinit_all_calls')).toBe(1);
    expect(board.command('ping')).toEqual([Buffer.from([0xc8])]);
  });

  it('retries a failed camera init once after deinit, with the frame buffer where the driver puts it', async () => {
    const board = await loadBoard({ setup: 'camera.init_failures = 1' });
    expect(board.value('camera.init_calls')).toEqual([
      { format: 4, framesize: 5, quality: 12, fb_location: 0 },
      { format: 4, framesize: 5, quality: 12 },
    ]);
    expect(board.value('camera.deinit_calls')).toBe(1);
    expect(board.output.at(-1)).toMatch(/camera ok$/);
  });

  it('keeps running when the camera never starts, and says why on capture', async () => {
    const board = await loadBoard({ setup: "camera.init_failures = 5\ncamera.next_capture = b'\\xff\\xd8\\xff\\xd9'" });
    expect(board.value('len(camera.init_calls)')).toBe(2);
    expect(board.output.join('\n')).toContain('camera unusable: Camera Init Failed');
    expect(board.output.at(-1)).toMatch(/camera FAILED: Camera Init Failed$/);
    expect(board.command('ping')).toEqual([Buffer.from([0xc8])]);
    expect(board.command('capture')).toEqual([Buffer.from([0x64])]);
    expect(board.command(requestFrame(1, 0x02))).toEqual([replyFrame(1, 100, Buffer.from('camera not ready: Camera Init Failed'))]);
    expect(board.value('camera.capture_calls')).toBe(0);
  });

  it('reports an unknown frame size instead of crashing', async () => {
    const board = await loadBoard({ setup: "import camconfig\ncamconfig.FRAME_SIZE = 'HUGE'" });
    expect(board.value('len(camera.init_calls)')).toBe(0);
    expect(board.command(requestFrame(2, 0x02))).toEqual([replyFrame(2, 100, Buffer.from('camera not ready: unknown FRAME_SIZE HUGE'))]);
  });

  it('prints a one-line banner with address, frame size and protocols', async () => {
    const board = await loadBoard();
    expect(board.output).toHaveLength(1);
    expect(board.output[0]).toBe(
      'esp32cam-slave/1 (MicroPython 1.27.0): I2C 0x2C on SCL 12/SDA 13 at 100000 Hz, QVGA q12, ' + 'protocol 2 + legacy, camera ok',
    );
  });

  it('run() builds the slave and then idles in sleep_ms so callbacks get dispatched', async () => {
    const board = await loadBoard({ start: false, setup: 'utime.sleep_limit = 3' });
    board.py('import main\ntry:\n    main.run()\nexcept utime.StopIdle:\n    pass');
    expect(board.value('utime.sleeps')).toEqual([
      ['sleep_ms', 100],
      ['sleep_ms', 100],
      ['sleep_ms', 100],
    ]);
    expect(board.output[0]).toMatch(/I2C 0x2C .*protocol 2 \+ legacy/);
    expect(board.value('len(machine.i2cs)')).toBe(1);
  });
});

describe('red LED', () => {
  it('blinks twice at start-up from a periodic timer, then stops the timer', async () => {
    const board = await loadBoard();
    expect(board.value<TimerState>(timerState)).toEqual({ mode: 1, period: 150, active: true, inits: 1 });
    // Pin(33, value=1) is off (active low); the start-up pattern lit it at once, without sleeping.
    expect(board.takePinWrites().filter(([pin]) => pin === LED)).toEqual([
      [LED, 1],
      [LED, 0],
    ]);
    for (let i = 0; i < 6; i++) board.py('machine.timers[0].fire()');
    expect(board.takePinWrites()).toEqual([
      [LED, 1],
      [LED, 0],
      [LED, 1],
    ]);
    expect(board.value<TimerState>(timerState).active).toBe(false);
    expect(board.value('utime.sleeps')).toEqual([]);
  });

  it('blinks three times on an error, started from the callback without sleeping', async () => {
    const board = await loadBoard();
    for (let i = 0; i < 10; i++) board.py('machine.timers[0].fire()');
    board.takePinWrites();
    board.command('bogus');
    expect(board.takePinWrites()).toEqual([[LED, 0]]);
    expect(board.value<TimerState>(timerState)).toMatchObject({ active: true, inits: 2 });
    for (let i = 0; i < 10; i++) board.py('machine.timers[0].fire()');
    expect(board.takePinWrites()).toEqual([
      [LED, 1],
      [LED, 0],
      [LED, 1],
      [LED, 0],
      [LED, 1],
    ]);
    expect(board.value<TimerState>(timerState).active).toBe(false);
  });

  it('repeats a five-blink fault pattern while the camera is unusable, even after an error blink', async () => {
    const board = await loadBoard({ setup: 'camera.init_failures = 2' });
    board.takePinWrites();
    // A cycle is 18 timer steps: five blinks (10 steps), then 8 dark ones.
    const cycle = (): Array<[number, number]> => {
      for (let i = 0; i < 18; i++) board.py('machine.timers[0].fire()');
      return board.takePinWrites();
    };
    const lit = (writes: Array<[number, number]>): number => writes.filter(([, v]) => v === 0).length;
    expect(lit(cycle())).toBe(5);
    expect(lit(cycle())).toBe(5);
    board.command('bogus');
    for (let i = 0; i < 6; i++) board.py('machine.timers[0].fire()');
    expect(board.value<TimerState>(timerState).active).toBe(true);
    board.takePinWrites();
    expect(lit(cycle())).toBe(5);
  });

  it('never sleeps while answering commands of either protocol', async () => {
    const board = await loadBoard({ setup: "camera.next_capture = b'\\xff\\xd8' + bytes(300) + b'\\xff\\xd9'" });
    for (const command of ['ping', 'capture', 'get', 'get', 'flash-on', 'flash-off', 'what']) board.command(command);
    for (const op of [1, 2, 5]) board.command(requestFrame(op, op));
    expect(board.value('utime.sleeps')).toEqual([]);
  });
});
