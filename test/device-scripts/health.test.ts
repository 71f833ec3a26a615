/**
 * What the slave script tells the host about its health (STATUS after the first 18 bytes) and how it flushes
 * its TX ring on RESYNC, checked byte for byte against the real main.py with the Python test doubles.
 */
import { describe, expect, it } from 'vitest';
import { loadBoard, replyFrame, requestFrame, type Board } from './board.js';

const STATUS = 0x05;
const RESYNC = 0x06;

interface Health {
  boots: number;
  freeHeap: number;
  cameraOk: number;
  lastError: string;
}

/** Sends STATUS and decodes what follows the 18 bytes the first hosts read. */
function health(board: Board, seq: number): Health {
  const replies = board.command(requestFrame(seq, STATUS));
  expect(replies).toHaveLength(1);
  const frame = replies[0]!;
  const payload = frame.subarray(6, frame.length - 4);
  expect(frame).toEqual(replyFrame(seq, 201, payload));
  const n = payload[27]!;
  expect(payload).toHaveLength(28 + n);
  return {
    boots: payload.readUInt32LE(18),
    freeHeap: payload.readUInt32LE(22),
    cameraOk: payload[26]!,
    lastError: payload.subarray(28).toString('latin1'),
  };
}

describe('boot count', () => {
  it('counts the first boot as 1 and commits it to NVS', async () => {
    const board = await loadBoard();
    expect(health(board, 1).boots).toBe(1);
    expect(board.value('[[k[0], k[1], v] for k, v in esp32.committed.items()]')).toEqual([['esp32cam', 'boots', 1]]);
  });

  it('adds one per chip boot, whatever the cause', async () => {
    const board = await loadBoard({ setup: "esp32.store[('esp32cam', 'boots')] = 41" });
    expect(health(board, 1).boots).toBe(42);
    board.py('machine.reset_cause_value = machine.WDT_RESET');
    expect(board.value('main.count_boot()')).toBe(43);
    board.py('machine.reset_cause_value = machine.HARD_RESET');
    expect(board.value('main.count_boot()')).toBe(44);
    expect(board.value('esp32.committed[("esp32cam", "boots")]')).toBe(44);
  });

  it('does not count a soft reset, which restarts the VM but not the chip', async () => {
    const board = await loadBoard({ setup: "esp32.store[('esp32cam', 'boots')] = 7\nmachine.reset_cause_value = machine.SOFT_RESET" });
    expect(health(board, 1).boots).toBe(7);
    expect(board.value('esp32.commits')).toBe(0);
  });

  it('reports 0 and keeps serving when NVS fails', async () => {
    const board = await loadBoard({ setup: "esp32.broken = OSError(-0x1101, 'ESP_ERR_NVS_NOT_INITIALIZED')" });
    expect(board.output.join('\n')).toContain('boot count unavailable:');
    expect(health(board, 1).boots).toBe(0);
    expect(board.command('ping')).toEqual([Buffer.from([0xc8])]);
  });
});

describe('STATUS health fields', () => {
  it('reports free heap, a working camera, and no error yet', async () => {
    const board = await loadBoard();
    const h = health(board, 1);
    expect(h.freeHeap).toBeGreaterThan(0);
    expect(h.cameraOk).toBe(1);
    expect(h.lastError).toBe('');
  });

  it('keeps the text of the last error, cut at 64 bytes', async () => {
    const board = await loadBoard();
    board.command('nonsense');
    expect(health(board, 1).lastError).toBe('unknown command');
    board.command(requestFrame(2, 0x7f));
    expect(health(board, 3).lastError).toBe('unknown op 127');
    board.py("slave.fail('x' * 100)");
    expect(health(board, 4).lastError).toBe('x'.repeat(64));
  });

  it('says the camera failed, and why, when it never started', async () => {
    const board = await loadBoard({ setup: 'camera.init_failures = 5' });
    const h = health(board, 1);
    expect(h.cameraOk).toBe(0);
    expect(h.lastError).toBe('camera: Camera Init Failed');
  });
});

describe('RESYNC', () => {
  it('only notes the request in the callback: no reply, no teardown, no sleep', async () => {
    const board = await loadBoard();
    expect(board.command(requestFrame(9, RESYNC))).toEqual([]);
    expect(board.value('slave.resync_seq')).toBe(9);
    expect(board.value('machine.deinit_all_calls')).toBe(0);
    expect(board.value('utime.sleeps')).toEqual([]);
  });

  it('rebuilds the slave from the idle loop and answers OK with its seq into the new ring', async () => {
    const board = await loadBoard();
    board.command(requestFrame(9, RESYNC));
    board.py('old = i2c\nslave.service()\ni2c = machine.i2cs[-1]');
    expect(board.value('machine.deinit_all_calls')).toBe(1);
    expect(board.value('utime.sleeps')).toEqual([['sleep_ms', 100]]);
    expect(board.value('i2c is not old and i2c.cb is not None')).toBe(true);
    expect(board.value('i2c.kwargs == old.kwargs')).toBe(true);
    expect(board.value('[binascii.hexlify(b).decode() for b in i2c.sent]')).toEqual([replyFrame(9, 200).toString('hex')]);
    expect(board.value('slave.resync_seq')).toBe(-1);
    // The new slave answers, and the idle loop has nothing left to do.
    expect(board.command('ping')).toEqual([Buffer.from([0xc8])]);
    board.py('slave.service()');
    expect(board.value('machine.deinit_all_calls')).toBe(1);
  });

  it('run() carries a RESYNC out between two sleeps', async () => {
    const board = await loadBoard({ start: false, setup: 'utime.sleep_limit = 4' });
    // The first sleep of the idle loop is where the callback runs: it asks for a RESYNC there.
    board.py(
      [
        'import main',
        'real = utime.sleep_ms',
        'def sleep_ms(ms):',
        '    if len(utime.sleeps) == 0:',
        "        machine.i2cs[-1].receive(binascii.unhexlify('" + requestFrame(5, RESYNC).toString('hex') + "'))",
        '    real(ms)',
        'utime.sleep_ms = sleep_ms',
        'try:',
        '    main.run()',
        'except utime.StopIdle:',
        '    pass',
      ].join('\n'),
    );
    expect(board.value('utime.sleeps')).toEqual([
      ['sleep_ms', 100],
      ['sleep_ms', 100], // the settle time inside the rebuild
      ['sleep_ms', 100],
      ['sleep_ms', 100],
    ]);
    expect(board.value('machine.deinit_all_calls')).toBe(1);
    expect(board.value('len(machine.i2cs)')).toBe(2);
    expect(board.value('[binascii.hexlify(b).decode() for b in machine.i2cs[-1].sent]')).toEqual([replyFrame(5, 200).toString('hex')]);
  });
});
