import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/**
 * A sysfs and /dev tree in a temp folder with the kernel's real shape: /sys/class/tty/<name> is a symlink
 * into /sys/devices, its `device` link points at the usb-serial port (ttyUSB) or the USB interface (ttyACM),
 * the USB device above carries idVendor/idProduct/manufacturer/product/serial, /sys/bus/usb/devices links to
 * every device and interface, and /dev/serial/by-id links point back at /dev/<tty>.
 */
export interface FakeUsbSerial {
  /** USB device name, e.g. `1-1.3`: the bus-port path the kernel gives it. */
  usbName: string;
  vid: string;
  pid: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
  /** ttyUSB ports sit under a usb-serial port device; ttyACM ports hang straight off the interface. */
  tty?: { name: string; style: 'usb-serial' | 'acm'; driver: string; interfaceNumber?: number; byId?: string; noDevNode?: boolean };
  /** The driver bound to the interface (ch341, cp210x, usbfs...), none when the module is not loaded. */
  interfaceDriver?: string;
}

export class FakeSysfs {
  private constructor(readonly root: string) {}

  get sysfsRoot(): string {
    return join(this.root, 'sys');
  }

  get devRoot(): string {
    return join(this.root, 'dev');
  }

  static async create(): Promise<FakeSysfs> {
    const tree = new FakeSysfs(await mkdtemp(join(tmpdir(), 'esp32cam-sysfs-')));
    await mkdir(join(tree.sysfsRoot, 'class', 'tty'), { recursive: true });
    await mkdir(join(tree.sysfsRoot, 'bus', 'usb', 'devices'), { recursive: true });
    await mkdir(tree.devRoot, { recursive: true });
    // The root hub is a USB device too (Linux Foundation 1d6b:0002); it must never look like a bridge.
    const hub = join(tree.sysfsRoot, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1');
    await tree.attrs(hub, { idVendor: '1d6b', idProduct: '0002', manufacturer: 'Linux 6.1.0 xhci-hcd', product: 'xHCI Host Controller' });
    await tree.link(join(tree.sysfsRoot, 'bus', 'usb', 'devices', 'usb1'), hub);
    return tree;
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  async addUsbSerial(device: FakeUsbSerial): Promise<void> {
    const usbDir = join(this.sysfsRoot, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', device.usbName);
    const attrs: Record<string, string> = { idVendor: device.vid, idProduct: device.pid, bDeviceClass: '00' };
    if (device.manufacturer) attrs.manufacturer = device.manufacturer;
    if (device.product) attrs.product = device.product;
    if (device.serial) attrs.serial = device.serial;
    await this.attrs(usbDir, attrs);
    await this.link(join(this.sysfsRoot, 'bus', 'usb', 'devices', device.usbName), usbDir);

    const ifNumber = device.tty?.interfaceNumber ?? 0;
    const ifName = `${device.usbName}:1.${ifNumber}`;
    const ifDir = join(usbDir, ifName);
    await this.attrs(ifDir, { bInterfaceNumber: ifNumber.toString(16).padStart(2, '0'), bInterfaceClass: 'ff' });
    await this.link(join(this.sysfsRoot, 'bus', 'usb', 'devices', ifName), ifDir);
    const ifDriver = device.interfaceDriver ?? device.tty?.driver;
    if (ifDriver) await this.link(join(ifDir, 'driver'), join(this.sysfsRoot, 'bus', 'usb', 'drivers', ifDriver));

    if (!device.tty) return;
    const { name, style, driver } = device.tty;
    let portDir = ifDir;
    if (style === 'usb-serial') {
      portDir = join(ifDir, name);
      await mkdir(portDir, { recursive: true });
      await this.link(join(portDir, 'driver'), join(this.sysfsRoot, 'bus', 'usb-serial', 'drivers', `${driver}`));
    }
    await this.addTtyClassDevice(name, join(portDir, 'tty', name), portDir);
    if (!device.tty.noDevNode) await this.addDevNode(name, device.tty.byId);
  }

  /** A UART on the platform bus, like ttyS0 or the Pi's ttyAMA0; `uartType` 0 is an 8250 placeholder. */
  async addPlatformUart(name: string, platformDevice: string, uartType: number, driver = 'serial8250'): Promise<void> {
    const deviceDir = join(this.sysfsRoot, 'devices', 'platform', platformDevice);
    await mkdir(deviceDir, { recursive: true });
    await this.link(join(deviceDir, 'driver'), join(this.sysfsRoot, 'bus', 'platform', 'drivers', driver));
    const classDir = join(deviceDir, 'tty', name);
    await this.addTtyClassDevice(name, classDir, deviceDir);
    await writeFile(join(classDir, 'type'), `${uartType}\n`);
    await this.addDevNode(name);
  }

  /** A virtual console (tty0...): in /sys/class/tty but with no device behind it. */
  async addVirtualConsole(name: string): Promise<void> {
    const classDir = join(this.sysfsRoot, 'devices', 'virtual', 'tty', name);
    await this.attrs(classDir, { dev: '4:0' });
    await this.link(join(this.sysfsRoot, 'class', 'tty', name), classDir);
    await this.addDevNode(name);
  }

  private async addTtyClassDevice(name: string, classDir: string, deviceDir: string): Promise<void> {
    await this.attrs(classDir, { dev: '188:0', uevent: `MAJOR=188\nDEVNAME=${name}` });
    await this.link(join(classDir, 'device'), deviceDir);
    await this.link(join(this.sysfsRoot, 'class', 'tty', name), classDir);
  }

  private async addDevNode(name: string, byId?: string): Promise<void> {
    await writeFile(join(this.devRoot, name), '');
    if (byId) {
      await mkdir(join(this.devRoot, 'serial', 'by-id'), { recursive: true });
      await this.link(join(this.devRoot, 'serial', 'by-id', byId), join(this.devRoot, name));
    }
  }

  private async attrs(dir: string, values: Record<string, string>): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const [name, value] of Object.entries(values)) await writeFile(join(dir, name), `${value}\n`);
  }

  /** Relative links, as sysfs and udev make them, so the tree can be inspected with realpath. */
  private async link(at: string, target: string): Promise<void> {
    await mkdir(dirname(at), { recursive: true });
    await mkdir(target, { recursive: true }).catch(() => undefined);
    await symlink(relative(dirname(at), target), at);
  }
}

/** The bridges an ESP32-CAM user meets, plus an Arduino (not an ESP bridge), as they appear on a real bus. */
export async function buildBench(tree: FakeSysfs): Promise<void> {
  await tree.addUsbSerial({
    usbName: '1-1',
    vid: '1a86',
    pid: '7523',
    product: 'USB Serial',
    tty: { name: 'ttyUSB10', style: 'usb-serial', driver: 'ch341-uart', byId: 'usb-1a86_USB_Serial-if00-port0' },
    interfaceDriver: 'ch341',
  });
  await tree.addUsbSerial({
    usbName: '1-2',
    vid: '10c4',
    pid: 'ea60',
    manufacturer: 'Silicon Labs',
    product: 'CP2102 USB to UART Bridge Controller',
    serial: '0001',
    tty: { name: 'ttyUSB2', style: 'usb-serial', driver: 'cp210x', byId: 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0' },
  });
  await tree.addUsbSerial({
    usbName: '1-3',
    vid: '0403',
    pid: '6001',
    manufacturer: 'FTDI',
    product: 'FT232R USB UART',
    serial: 'A50285BI',
    tty: { name: 'ttyUSB0', style: 'usb-serial', driver: 'ftdi_sio', byId: 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0' },
  });
  await tree.addUsbSerial({
    usbName: '1-4',
    vid: '1a86',
    pid: '55d4',
    product: 'USB Single Serial',
    serial: '5434012345',
    tty: { name: 'ttyACM1', style: 'acm', driver: 'cdc_acm', byId: 'usb-1a86_USB_Single_Serial_5434012345-if00' },
  });
  await tree.addUsbSerial({
    usbName: '1-5',
    vid: '1a86',
    pid: '55d3',
    product: 'USB Single Serial',
    serial: '5678',
    tty: { name: 'ttyACM2', style: 'acm', driver: 'cdc_acm' },
  });
  await tree.addUsbSerial({
    usbName: '1-6',
    vid: '303a',
    pid: '1001',
    manufacturer: 'Espressif',
    product: 'USB JTAG/serial debug unit',
    serial: 'F4:12:FA:00:11:22',
    tty: { name: 'ttyACM3', style: 'acm', driver: 'cdc_acm', byId: 'usb-Espressif_USB_JTAG_serial_debug_unit_F4:12:FA:00:11:22-if00' },
  });
  await tree.addUsbSerial({
    usbName: '1-7',
    vid: '303a',
    pid: '4001',
    manufacturer: 'MicroPython',
    product: 'ESP32S3 module',
    serial: '7CDFA1000001',
    tty: { name: 'ttyACM4', style: 'acm', driver: 'cdc_acm' },
  });
  await tree.addUsbSerial({
    usbName: '1-8',
    vid: '2341',
    pid: '0043',
    manufacturer: 'Arduino (www.arduino.cc)',
    product: 'Arduino Uno',
    serial: '95730333',
    tty: { name: 'ttyACM0', style: 'acm', driver: 'cdc_acm' },
  });
  // The second port of an FT2232: interface 1.
  await tree.addUsbSerial({
    usbName: '1-9',
    vid: '0403',
    pid: '6010',
    manufacturer: 'FTDI',
    product: 'Dual RS232-HS',
    tty: { name: 'ttyUSB3', style: 'usb-serial', driver: 'ftdi_sio', interfaceNumber: 1 },
  });
  await tree.addPlatformUart('ttyS0', 'serial8250/serial8250:0/serial8250:0.0', 4);
  await tree.addPlatformUart('ttyS1', 'serial8250/serial8250:0/serial8250:0.1', 0);
  await tree.addPlatformUart('ttyAMA0', 'soc/fe201000.serial', 32, 'uart-pl011');
  await tree.addVirtualConsole('tty0');
  await tree.addVirtualConsole('console');
}
