/**
 * The simulated board's `esp32.NVS`, driven from its REPL: values survive a chip reset once committed, and
 * failures raise what MicroPython's check_esp_err raises on the real port, OSError(-esp_err, name).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replBoard, scriptIn, tempDir, type ReplBoard } from '../sim-repl/helpers.js';

let b: ReplBoard;
beforeAll(async () => {
  const dir = tempDir();
  b = await replBoard({ script: scriptIn(dir, 'print("idle")\n') }, dir);
  await b.waitFor('>>> ');
});
afterAll(async () => b.dispose());

/** Runs one line at the friendly REPL and returns what it printed. */
async function run(line: string): Promise<string> {
  b.clear();
  await b.send(`${line}\r`);
  const text = await b.waitFor(/\r\n>>> $/);
  return text.slice(line.length + 2, -'\r\n>>> '.length);
}

const CATCH = (expr: string) => `exec("try:\\n    print(${expr})\\nexcept OSError as e:\\n    print('OSError', e.args)")`;

describe('esp32.NVS on the simulated board', () => {
  it('reads back what was set, as int32, and blobs into a buffer', async () => {
    await run("import esp32; n = esp32.NVS('esp32cam')");
    await run("n.set_i32('kept', 2**31 + 5); n.set_blob('blob', b'xyz'); n.commit()");
    expect(await run("n.get_i32('kept')")).toBe('-2147483643');
    expect(await run("buf = bytearray(8); print(n.get_blob('blob', buf), bytes(buf[:3]))")).toBe("3 b'xyz'");
  });

  it('raises ESP-IDF errors as OSError(-code, name)', async () => {
    expect(await run(CATCH("n.get_i32('never')"))).toBe("OSError (-4354, 'ESP_ERR_NVS_NOT_FOUND')");
    expect(await run(CATCH("n.get_i32('blob')"))).toBe("OSError (-4355, 'ESP_ERR_NVS_TYPE_MISMATCH')");
    expect(await run(CATCH("n.get_blob('blob', bytearray(2))"))).toBe("OSError (-4364, 'ESP_ERR_NVS_INVALID_LENGTH')");
    expect(await run(CATCH("n.set_i32('a_key_of_16_char', 1)"))).toBe("OSError (-4361, 'ESP_ERR_NVS_KEY_TOO_LONG')");
    expect(await run(CATCH("n.erase_key('never')"))).toBe("OSError (-4354, 'ESP_ERR_NVS_NOT_FOUND')");
  });

  it('keeps committed values across a chip reset, and loses a write never committed', async () => {
    await run("n.set_i32('lost', 1)");
    expect(await run("n.get_i32('lost')")).toBe('1');
    b.clear();
    await b.sim.reset();
    await b.waitFor(/idle\r\n[\s\S]*>>> $/);
    await run("import esp32; n = esp32.NVS('esp32cam')");
    expect(await run("n.get_i32('kept')")).toBe('-2147483643');
    expect(await run(CATCH("n.get_i32('lost')"))).toBe("OSError (-4354, 'ESP_ERR_NVS_NOT_FOUND')");
    await run("n.erase_key('kept'); n.commit()");
    expect(await run(CATCH("n.get_i32('kept')"))).toBe("OSError (-4354, 'ESP_ERR_NVS_NOT_FOUND')");
  });
});
