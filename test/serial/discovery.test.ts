import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBridge, findBridgesWithoutPort, findSerialPort, listSerialPorts, type SerialPortInfo } from '../../host/src/transports/serial/index.js';
import { buildBench, FakeSysfs } from './fake-sysfs.js';

describe('serial port discovery from sysfs', () => {
  let tree: FakeSysfs;
  let roots: { sysfsRoot: string; devRoot: string };
  const byPath = (ports: SerialPortInfo[], name: string): SerialPortInfo | undefined => ports.find((p) => p.path === join(roots.devRoot, name));

  beforeAll(async () => {
    tree = await FakeSysfs.create();
    await buildBench(tree);
    roots = { sysfsRoot: tree.sysfsRoot, devRoot: tree.devRoot };
  });
  afterAll(async () => {
    await tree.remove();
  });

  it("reads each USB bridge's ids, strings, bridge type and reset note", async () => {
    const ports = await listSerialPorts(roots);
    expect(byPath(ports, 'ttyUSB10')).toEqual({
      path: join(roots.devRoot, 'ttyUSB10'),
      byId: join(roots.devRoot, 'serial', 'by-id', 'usb-1a86_USB_Serial-if00-port0'),
      vid: '1a86',
      pid: '7523',
      product: 'USB Serial',
      usbInterface: 0,
      driver: 'ch341-uart',
      bridge: 'ch340',
      bridgeLabel: 'WCH CH340 (ESP32-CAM-MB)',
      resetNote: describeBridge('ch340').resetNote,
      likelyEsp: true,
    });
    expect(byPath(ports, 'ttyUSB10')?.resetNote).toMatch(/DTR and RTS must both be low/);
    expect(byPath(ports, 'ttyUSB2')).toMatchObject({
      bridge: 'cp210x',
      vid: '10c4',
      pid: 'ea60',
      manufacturer: 'Silicon Labs',
      serialNumber: '0001',
      driver: 'cp210x',
    });
    expect(byPath(ports, 'ttyUSB0')).toMatchObject({ bridge: 'ftdi', serialNumber: 'A50285BI', driver: 'ftdi_sio' });
    expect(byPath(ports, 'ttyUSB0')?.resetNote).toMatch(/hold GPIO0 to GND and press RST/);
    expect(byPath(ports, 'ttyACM1')).toMatchObject({ bridge: 'ch9102', pid: '55d4', driver: 'cdc_acm' });
    expect(byPath(ports, 'ttyACM2')).toMatchObject({ bridge: 'ch343', pid: '55d3' });
    expect(byPath(ports, 'ttyACM3')).toMatchObject({ bridge: 'esp-usb-jtag', vid: '303a', pid: '1001', serialNumber: 'F4:12:FA:00:11:22' });
    expect(byPath(ports, 'ttyACM3')?.resetNote).toMatch(/own sequence/);
    expect(byPath(ports, 'ttyACM4')).toMatchObject({ bridge: 'esp-tinyusb-cdc', pid: '4001', product: 'ESP32S3 module' });
    expect(byPath(ports, 'ttyACM4')?.resetNote).toMatch(/DTR must stay set/);
    expect(byPath(ports, 'ttyACM0')).toMatchObject({ bridge: 'usb-other', likelyEsp: false, product: 'Arduino Uno' });
    expect(byPath(ports, 'ttyUSB3')).toMatchObject({ bridge: 'ftdi', pid: '6010', usbInterface: 1 });
  });

  it('maps /dev/serial/by-id links only to the ports they point at', async () => {
    const ports = await listSerialPorts(roots);
    const withById = ports.filter((p) => p.byId).map((p) => [p.path.slice(roots.devRoot.length + 1), p.byId?.split('/').pop()]);
    expect(withById.sort()).toEqual([
      ['ttyACM1', 'usb-1a86_USB_Single_Serial_5434012345-if00'],
      ['ttyACM3', 'usb-Espressif_USB_JTAG_serial_debug_unit_F4:12:FA:00:11:22-if00'],
      ['ttyUSB0', 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0'],
      ['ttyUSB10', 'usb-1a86_USB_Serial-if00-port0'],
      ['ttyUSB2', 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0'],
    ]);
  });

  it('puts likely ESP boards first, in natural order, and hides ports that are not USB', async () => {
    const names = (await listSerialPorts(roots)).map((p) => p.path.slice(roots.devRoot.length + 1));
    expect(names).toEqual(['ttyACM1', 'ttyACM2', 'ttyACM3', 'ttyACM4', 'ttyUSB0', 'ttyUSB2', 'ttyUSB3', 'ttyUSB10', 'ttyACM0']);
  });

  it('with all, adds real UARTs but never 8250 placeholders or virtual consoles', async () => {
    const ports = await listSerialPorts({ ...roots, all: true });
    const names = ports.map((p) => p.path.slice(roots.devRoot.length + 1));
    expect(names.slice(-2)).toEqual(['ttyAMA0', 'ttyS0']);
    expect(names).not.toContain('ttyS1');
    expect(names).not.toContain('tty0');
    expect(names).not.toContain('console');
    expect(byPath(ports, 'ttyAMA0')).toMatchObject({ bridge: 'not-usb', likelyEsp: false, driver: 'uart-pl011' });
    expect(byPath(ports, 'ttyAMA0')?.vid).toBeUndefined();
  });

  it('merges extra ports such as the simulated board into the order', async () => {
    const sim: SerialPortInfo = {
      path: 'sim:esp32cam',
      product: 'simulated ESP32-CAM',
      bridge: 'ch340',
      bridgeLabel: 'simulated ESP32-CAM-MB',
      resetNote: 'simulated',
      likelyEsp: true,
    };
    const ports = await listSerialPorts({ ...roots, extra: [sim] });
    expect(ports.map((p) => p.path)).toContain('sim:esp32cam');
    const simIndex = ports.findIndex((p) => p.path === 'sim:esp32cam');
    const arduinoIndex = ports.findIndex((p) => p.bridge === 'usb-other');
    expect(simIndex).toBeLessThan(arduinoIndex);
  });

  it('finds a port by its by-id name, for choosing the DTR/RTS policy on open', async () => {
    const found = await findSerialPort(join(roots.devRoot, 'serial', 'by-id', 'usb-1a86_USB_Serial-if00-port0'), roots);
    expect(found?.bridge).toBe('ch340');
    expect(found?.path).toBe(join(roots.devRoot, 'ttyUSB10'));
    expect(await findSerialPort(join(roots.devRoot, 'ttyNOPE'), roots)).toBeUndefined();
  });

  it('reports ESP bridges that are plugged in but got no port, and why', async () => {
    const extra = await FakeSysfs.create();
    try {
      await buildBench(extra);
      // brltty claims CH340s through usbfs on Ubuntu; a CP2102 whose module is not loaded has no driver at all.
      await extra.addUsbSerial({ usbName: '1-10', vid: '1a86', pid: '7523', product: 'USB Serial', interfaceDriver: 'usbfs' });
      await extra.addUsbSerial({ usbName: '1-11', vid: '10c4', pid: 'ea60', product: 'CP2102 USB to UART Bridge Controller' });
      const portless = await findBridgesWithoutPort({ sysfsRoot: extra.sysfsRoot });
      expect(portless).toEqual([
        {
          vid: '1a86',
          pid: '7523',
          bridge: 'ch340',
          bridgeLabel: 'WCH CH340 (ESP32-CAM-MB)',
          product: 'USB Serial',
          interfaceDriver: 'usbfs',
          expectedDriver: 'ch341',
        },
        {
          vid: '10c4',
          pid: 'ea60',
          bridge: 'cp210x',
          bridgeLabel: 'Silicon Labs CP210x',
          product: 'CP2102 USB to UART Bridge Controller',
          expectedDriver: 'cp210x',
        },
      ]);
    } finally {
      await extra.remove();
    }
  });

  it("leaves out ports whose device node is not there (a container sees the host's sysfs)", async () => {
    const extra = await FakeSysfs.create();
    try {
      await extra.addUsbSerial({ usbName: '1-1', vid: '10c4', pid: 'ea60', tty: { name: 'ttyUSB0', style: 'usb-serial', driver: 'cp210x', noDevNode: true } });
      await extra.addUsbSerial({ usbName: '1-2', vid: '1a86', pid: '7523', tty: { name: 'ttyUSB1', style: 'usb-serial', driver: 'ch341-uart' } });
      const ports = await listSerialPorts({ sysfsRoot: extra.sysfsRoot, devRoot: extra.devRoot });
      expect(ports.map((p) => p.path)).toEqual([join(extra.devRoot, 'ttyUSB1')]);
    } finally {
      await extra.remove();
    }
  });

  it('returns nothing, without failing, where there is no sysfs', async () => {
    expect(await listSerialPorts({ sysfsRoot: join(tree.root, 'missing'), devRoot: join(tree.root, 'missing-dev') })).toEqual([]);
    expect(await findBridgesWithoutPort({ sysfsRoot: join(tree.root, 'missing') })).toEqual([]);
  });

  it("reads this machine's real /sys without udevadm", async () => {
    const ports = await listSerialPorts({ all: true });
    for (const port of ports) {
      expect(port.path).toMatch(/^\/dev\//);
      expect(existsSync(port.path)).toBe(true);
    }
  });
});
