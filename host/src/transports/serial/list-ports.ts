import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { bridgeKindForUsb, describeBridge, type BridgeKind } from './bridges.js';
import { readByIdLinks } from './by-id.js';
import { readSysfsTtys, readUsbDevices, type SysfsTty } from './sysfs-tty.js';

export interface SerialPortInfo {
  /** What to pass to openSerialPort: a /dev path, or e.g. `sim:esp32cam` for the simulated board. */
  path: string;
  /** The stable /dev/serial/by-id name, where udev made one. */
  byId?: string;
  /** USB vendor and product id, four lower-case hex digits as sysfs writes them. */
  vid?: string;
  pid?: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
  /** The USB interface number: which port of a dual bridge (CP2105, FT2232) this is. */
  usbInterface?: number;
  /** The kernel driver bound to the port. */
  driver?: string;
  bridge: BridgeKind;
  bridgeLabel: string;
  resetNote: string;
  likelyEsp: boolean;
}

export interface ListSerialPortsOptions {
  /** Also list ports that are not USB (the Pi's GPIO UART, a PC's ttyS*). */
  all?: boolean;
  sysfsRoot?: string;
  devRoot?: string;
  /** Ports that exist outside sysfs, such as the simulated board; merged and sorted with the rest. */
  extra?: readonly SerialPortInfo[];
}

/** Lists serial ports from sysfs, likely ESP boards first. */
export async function listSerialPorts(options: ListSerialPortsOptions = {}): Promise<SerialPortInfo[]> {
  const sysfsRoot = options.sysfsRoot ?? '/sys';
  const devRoot = options.devRoot ?? '/dev';
  const [ttys, byId] = await Promise.all([readSysfsTtys(sysfsRoot), readByIdLinks(devRoot)]);
  const ports: SerialPortInfo[] = [];
  for (const tty of ttys) {
    if (!tty.usb && (!options.all || tty.uartType === 0)) continue;
    const port = await describeTty(tty, devRoot, byId);
    // A container sees the host's sysfs but only the device nodes passed into it; those are the usable ones.
    if (await exists(port.path)) ports.push(port);
  }
  for (const extra of options.extra ?? []) {
    if (!ports.some((p) => p.path === extra.path)) ports.push(extra);
  }
  return ports.sort(comparePorts);
}

/** The sysfs facts of one port by its /dev path (symlinks such as by-id resolved), for choosing its policy. */
export async function findSerialPort(path: string, options: Pick<ListSerialPortsOptions, 'sysfsRoot' | 'devRoot'> = {}): Promise<SerialPortInfo | undefined> {
  const target = await realpath(path).catch(() => path);
  const ports = await listSerialPorts({ ...options, all: true });
  for (const port of ports) {
    if (port.path === target || (await realpath(port.path).catch(() => port.path)) === target) return port;
  }
  return undefined;
}

async function describeTty(tty: SysfsTty, devRoot: string, byId: Map<string, string>): Promise<SerialPortInfo> {
  const path = join(devRoot, tty.name.replace(/!/g, '/'));
  const kind: BridgeKind = tty.usb ? bridgeKindForUsb(tty.usb.vid, tty.usb.pid) : 'not-usb';
  const bridge = describeBridge(kind);
  const info: SerialPortInfo = { path, bridge: kind, bridgeLabel: bridge.label, resetNote: bridge.resetNote, likelyEsp: bridge.likelyEsp };
  const resolved = await realpath(path).catch(async () => join(await realpath(devRoot).catch(() => devRoot), tty.name.replace(/!/g, '/')));
  const link = byId.get(resolved);
  if (link) info.byId = link;
  if (tty.usb) {
    info.vid = hex4(tty.usb.vid);
    info.pid = hex4(tty.usb.pid);
    if (tty.usb.manufacturer) info.manufacturer = tty.usb.manufacturer;
    if (tty.usb.product) info.product = tty.usb.product;
    if (tty.usb.serialNumber) info.serialNumber = tty.usb.serialNumber;
    if (tty.usb.interfaceNumber !== undefined) info.usbInterface = tty.usb.interfaceNumber;
  }
  if (tty.driver) info.driver = tty.driver;
  return info;
}

/** A USB bridge that ESP boards use, plugged in, yet with no tty: its driver is missing or something took it. */
export interface PortlessBridge {
  vid: string;
  pid: string;
  bridge: BridgeKind;
  bridgeLabel: string;
  product?: string;
  /** The driver bound to its first interface, if any (`usbfs` means a user-space program such as brltty holds it). */
  interfaceDriver?: string;
  /** The kernel module that would give it a port. */
  expectedDriver?: string;
}

export async function findBridgesWithoutPort(options: Pick<ListSerialPortsOptions, 'sysfsRoot'> = {}): Promise<PortlessBridge[]> {
  const sysfsRoot = options.sysfsRoot ?? '/sys';
  const [devices, ttys] = await Promise.all([readUsbDevices(sysfsRoot), readSysfsTtys(sysfsRoot)]);
  const withPort = new Set(ttys.flatMap((t) => (t.usb ? [t.usb.dir] : [])));
  const found: PortlessBridge[] = [];
  for (const device of devices) {
    const kind = bridgeKindForUsb(device.vid, device.pid);
    const bridge = describeBridge(kind);
    if (!bridge.likelyEsp || withPort.has(device.dir)) continue;
    const entry: PortlessBridge = { vid: hex4(device.vid), pid: hex4(device.pid), bridge: kind, bridgeLabel: bridge.label };
    if (device.product) entry.product = device.product;
    const interfaceDriver = await firstInterfaceDriver(device.dir);
    if (interfaceDriver) entry.interfaceDriver = interfaceDriver;
    if (bridge.linuxDriver) entry.expectedDriver = bridge.linuxDriver;
    found.push(entry);
  }
  return found;
}

async function firstInterfaceDriver(deviceDir: string): Promise<string | undefined> {
  const entries = await readdir(deviceDir).catch(() => [] as string[]);
  const iface = entries.filter((e) => /^\d+-[\d.]+:\d+\.\d+$/.test(e)).sort()[0];
  if (!iface) return undefined;
  return readlink(join(deviceDir, iface, 'driver')).then(
    (t) => basename(t),
    () => undefined,
  );
}

function comparePorts(a: SerialPortInfo, b: SerialPortInfo): number {
  if (a.likelyEsp !== b.likelyEsp) return a.likelyEsp ? -1 : 1;
  const aUsb = a.vid !== undefined;
  const bUsb = b.vid !== undefined;
  if (aUsb !== bUsb) return aUsb ? -1 : 1;
  return a.path.localeCompare(b.path, 'en', { numeric: true });
}

const exists = (path: string): Promise<boolean> =>
  lstat(path).then(
    () => true,
    () => false,
  );

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
