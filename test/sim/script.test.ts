import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import { LineSplitter } from '../../host/src/sim/line-splitter.js';
import { outcome, read, tempScript, waitFor } from './helpers.js';

let board: SimulatedEsp32Cam | undefined;
afterEach(async () => {
  await board?.close();
  board = undefined;
});

describe('the simulated board and its script', () => {
  it('rejects start() with E_SIM_SCRIPT naming file:line when the script does not compile', async () => {
    const script = tempScript('import utime\n\ndef broken(:\n    pass\n');
    const err = await SimulatedEsp32Cam.start({ script, bootMs: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_SIM_SCRIPT' });
    expect((err as Error).message).toContain(`${script}:3`);
    expect((err as { hint: string }).hint).not.toBe('');
  });

  it('rejects a script that does not exist', async () => {
    const err = await SimulatedEsp32Cam.start({ script: '/nonexistent/main.py' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_SIM_SCRIPT' });
  });

  it('applies configOverrides to camconfig before main runs', async () => {
    const script = tempScript('import camconfig\nprint("size", camconfig.FRAME_SIZE, camconfig.QUALITY)\n', {
      'camconfig.py': 'FRAME_SIZE = "QVGA"\nQUALITY = 12\n',
    });
    const lines: string[] = [];
    board = await SimulatedEsp32Cam.start({ script, bootMs: 0, configOverrides: { FRAME_SIZE: 'VGA' } });
    board.on('console', (l: string) => lines.push(l));
    await board.reset();
    expect(await waitFor(() => lines.includes('size VGA 12'))).toBe(true);
  });

  it('an uncaught exception is an error event with the traceback; the board stays up with no slave', async () => {
    const script = tempScript('import utime\nutime.sleep_ms(10)\nraise RuntimeError("boom")\n');
    board = await SimulatedEsp32Cam.start({ script, bootMs: 0 });
    const errors: string[] = [];
    board.on('error', (t: string) => errors.push(t));
    await board.reset();
    expect(await waitFor(() => errors.length > 0)).toBe(true);
    expect(errors[0]).toContain(`File "${script}", line 3`);
    expect(errors[0]).toContain('RuntimeError: boom');
    expect(board.info().booted).toBe(true);
    expect(await outcome(read(board, 1))).toBe('EREMOTEIO');
  });
});

describe('the console lines of a board that resets', () => {
  it("ends the line in progress at a chip reset, so the next boot's first line stands alone", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push(Buffer.from('size VGA 12\r\n>>> '));
    splitter.endLine();
    splitter.push(Buffer.from('size VGA 12\r\n'));
    expect(lines).toEqual(['size VGA 12', '>>> ', 'size VGA 12']);
  });
});
