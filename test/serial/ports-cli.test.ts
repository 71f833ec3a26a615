import { Writable } from 'node:stream';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerPortsCommand } from '../../host/src/cli/commands/ports.js';
import { listSerialPorts, type SerialPortInfo } from '../../host/src/transports/serial/index.js';
import { buildBench, FakeSysfs } from './fake-sysfs.js';

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Parses argv through a real commander program carrying the ports command, as main.ts will. */
async function runPorts(args: string[], extraPorts?: () => SerialPortInfo[]): Promise<{ stdout: string; stderr: string }> {
  const stdout = new Collect();
  const stderr = new Collect();
  const program = new Command('esp32cam').exitOverride();
  registerPortsCommand(program, { stdout, stderr, extraPorts });
  await program.parseAsync(['ports', ...args], { from: 'user' });
  return { stdout: stdout.text, stderr: stderr.text };
}

describe('esp32cam ports', () => {
  let tree: FakeSysfs;
  let rootArgs: string[];

  beforeAll(async () => {
    tree = await FakeSysfs.create();
    await buildBench(tree);
    await tree.addUsbSerial({ usbName: '1-10', vid: '1a86', pid: '7523', product: 'USB Serial', interfaceDriver: 'usbfs' });
    rootArgs = ['--sysfs-root', tree.sysfsRoot, '--dev-root', tree.devRoot];
  });
  afterAll(async () => {
    await tree.remove();
  });

  it('--json prints the discovered ports, likely ESP boards first', async () => {
    const { stdout, stderr } = await runPorts(['--json', ...rootArgs]);
    const ports = JSON.parse(stdout) as SerialPortInfo[];
    expect(ports).toEqual(await listSerialPorts({ sysfsRoot: tree.sysfsRoot, devRoot: tree.devRoot }));
    expect(ports[0].likelyEsp).toBe(true);
    expect(ports.at(-1)?.bridge).toBe('usb-other');
    expect(ports.some((p) => p.bridge === 'not-usb')).toBe(false);
    // Advice goes to stderr so stdout stays parseable.
    expect(stderr).toMatch(/WCH CH340 \(ESP32-CAM-MB\) \(1A86:7523, USB Serial\) is plugged in but has no serial port: .*brltty/);
    expect(stderr).toMatch(/^2 ports that are not USB hidden; --all shows them\.$/m);
  });

  it('--all --json includes the UARTs that are not USB, last', async () => {
    const ports = JSON.parse((await runPorts(['--all', '--json', ...rootArgs])).stdout) as SerialPortInfo[];
    expect(ports.slice(-2).map((p) => p.path)).toEqual([join(tree.devRoot, 'ttyAMA0'), join(tree.devRoot, 'ttyS0')]);
  });

  it('prints a table with the by-id name and the reset note under each port', async () => {
    const { stdout } = await runPorts(rootArgs);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^PATH\s+VID:PID\s+BRIDGE\s+PRODUCT\s+SERIAL$/);
    const ch340 = lines.findIndex((l) => l.startsWith(join(tree.devRoot, 'ttyUSB10')));
    expect(lines[ch340]).toMatch(/\s1A86:7523\s+WCH CH340 \(ESP32-CAM-MB\)\s+USB Serial\s+-$/);
    expect(lines[ch340 + 1]).toBe(`    by-id: ${join(tree.devRoot, 'serial', 'by-id', 'usb-1a86_USB_Serial-if00-port0')}`);
    expect(lines[ch340 + 2]).toMatch(/^ {4}reset: ESP32-CAM-MB: DTR and RTS must both be low/);
    const ftdi = lines.findIndex((l) => l.startsWith(join(tree.devRoot, 'ttyUSB0')));
    expect(lines[ftdi]).toMatch(/0403:6001\s+FTDI\s+FT232R USB UART\s+A50285BI$/);
    expect(stdout).toMatch(/has no serial port: a program holds it through usbfs/);
    // The columns line up: every port row has its VID:PID where the header has it.
    const column = lines[0].indexOf('VID:PID');
    for (const line of lines.filter((l) => l.startsWith(tree.devRoot))) expect(line.slice(column, column + 9)).toMatch(/^([0-9A-F]{4}:[0-9A-F]{4}|- {8})$/);
  });

  it('lists extra ports such as the simulated board', async () => {
    const sim: SerialPortInfo = {
      path: 'sim:esp32cam',
      bridge: 'ch340',
      bridgeLabel: 'simulated ESP32-CAM-MB',
      resetNote: 'two-transistor auto-reset, simulated',
      likelyEsp: true,
    };
    const { stdout } = await runPorts(rootArgs, () => [sim]);
    expect(stdout).toMatch(/^sim:esp32cam\s+-\s+simulated ESP32-CAM-MB/m);
  });

  it('with no ports, says what to check and succeeds', async () => {
    const empty = await FakeSysfs.create();
    try {
      const { stdout } = await runPorts(['--sysfs-root', empty.sysfsRoot, '--dev-root', empty.devRoot]);
      expect(stdout).toMatch(/^No USB serial ports found\. Check that the cable carries data/);
      expect(stdout).toContain('lsmod | grep -e cp210x -e ch341 -e ftdi_sio');
      expect(stdout).toContain('dmesg | tail');
      const json = await runPorts(['--json', '--sysfs-root', empty.sysfsRoot, '--dev-root', empty.devRoot]);
      expect(JSON.parse(json.stdout)).toEqual([]);
      expect(json.stderr).toMatch(/^No USB serial ports found\./);
    } finally {
      await empty.remove();
    }
  });

  it('keeps the test-only options out of the help', () => {
    const program = new Command('esp32cam');
    registerPortsCommand(program);
    const help = program.commands.find((c) => c.name() === 'ports')?.helpInformation() ?? '';
    expect(help).toContain('--all');
    expect(help).toContain('--json');
    expect(help).not.toContain('sysfs-root');
  });
});
