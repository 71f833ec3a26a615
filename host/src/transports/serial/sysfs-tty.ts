import { readFile, readdir, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';

/**
 * Serial ports as the kernel describes them in sysfs. This is what udev reads too; reading it directly keeps
 * discovery working in containers and minimal images where `udevadm` (which `SerialPort.list()` spawns) is
 * missing.
 */
export interface SysfsTty {
  /** The kernel name, e.g. ttyUSB0 (a `!` in sysfs names stands for `/` in /dev). */
  name: string;
  /** The sysfs directory of the device behind the tty (`/sys/class/tty/<name>/device`, resolved). */
  deviceDir: string;
  /** The driver bound to that device, e.g. ch341-uart, cp210x, ftdi_sio, cdc_acm, serial8250. */
  driver?: string;
  usb?: SysfsUsbDevice & { interfaceNumber?: number };
  /** serial_core's `type` attribute; 0 means no UART hardware answered at that address (8250 placeholders). */
  uartType?: number;
}

export interface SysfsUsbDevice {
  dir: string;
  vid: number;
  pid: number;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
}

/** Every tty in `<sysfsRoot>/class/tty` that has a device behind it; virtual consoles and ptys have none. */
export async function readSysfsTtys(sysfsRoot: string): Promise<SysfsTty[]> {
  const classDir = join(sysfsRoot, 'class', 'tty');
  let names: string[];
  try {
    names = await readdir(classDir);
  } catch {
    return [];
  }
  const ttys: SysfsTty[] = [];
  for (const name of names.sort()) {
    const tty = await readOneTty(sysfsRoot, classDir, name);
    if (tty) ttys.push(tty);
  }
  return ttys;
}

async function readOneTty(sysfsRoot: string, classDir: string, name: string): Promise<SysfsTty | undefined> {
  let deviceDir: string;
  try {
    deviceDir = await realpath(join(classDir, name, 'device'));
  } catch {
    return undefined;
  }
  const tty: SysfsTty = { name, deviceDir };
  const driver = await linkName(join(deviceDir, 'driver'));
  if (driver) tty.driver = driver;
  const uartType = await readAttr(join(classDir, name, 'type'));
  if (uartType !== undefined && /^\d+$/.test(uartType)) tty.uartType = Number(uartType);
  const usb = await findUsbParent(sysfsRoot, deviceDir);
  if (usb) tty.usb = usb;
  return tty;
}

/**
 * Walks up from the tty's device to the USB device that carries `idVendor`. On the way it passes the USB
 * interface (`1-1.3:1.0`), whose number tells the ports of a dual bridge apart.
 */
async function findUsbParent(sysfsRoot: string, deviceDir: string): Promise<(SysfsUsbDevice & { interfaceNumber?: number }) | undefined> {
  const stop = await realpath(sysfsRoot).catch(() => sysfsRoot);
  let dir = deviceDir;
  let interfaceNumber: number | undefined;
  for (let depth = 0; depth < 12 && dir.startsWith(stop + sep) && dir !== stop; depth++) {
    if (interfaceNumber === undefined) {
      const ifNum = await readAttr(join(dir, 'bInterfaceNumber'));
      if (ifNum !== undefined && /^[0-9a-fA-F]+$/.test(ifNum)) interfaceNumber = parseInt(ifNum, 16);
    }
    const device = await readUsbDevice(dir);
    if (device) return interfaceNumber === undefined ? device : { ...device, interfaceNumber };
    dir = dirname(dir);
  }
  return undefined;
}

/** A USB device directory: one with `idVendor` and `idProduct` (interfaces and ports have neither). */
export async function readUsbDevice(dir: string): Promise<SysfsUsbDevice | undefined> {
  const vid = await readAttr(join(dir, 'idVendor'));
  const pid = await readAttr(join(dir, 'idProduct'));
  if (vid === undefined || pid === undefined || !/^[0-9a-fA-F]{1,4}$/.test(vid) || !/^[0-9a-fA-F]{1,4}$/.test(pid)) return undefined;
  const device: SysfsUsbDevice = { dir, vid: parseInt(vid, 16), pid: parseInt(pid, 16) };
  const manufacturer = await readAttr(join(dir, 'manufacturer'));
  const product = await readAttr(join(dir, 'product'));
  const serialNumber = await readAttr(join(dir, 'serial'));
  if (manufacturer) device.manufacturer = manufacturer;
  if (product) device.product = product;
  if (serialNumber) device.serialNumber = serialNumber;
  return device;
}

/** Every USB device in `<sysfsRoot>/bus/usb/devices` (skipping interfaces), for "plugged in but no port" advice. */
export async function readUsbDevices(sysfsRoot: string): Promise<SysfsUsbDevice[]> {
  const busDir = join(sysfsRoot, 'bus', 'usb', 'devices');
  let entries: string[];
  try {
    entries = await readdir(busDir);
  } catch {
    return [];
  }
  const devices: SysfsUsbDevice[] = [];
  for (const entry of entries.sort()) {
    if (entry.includes(':')) continue;
    const dir = await realpath(join(busDir, entry)).catch(() => undefined);
    if (!dir) continue;
    const device = await readUsbDevice(dir);
    if (device) devices.push(device);
  }
  return devices;
}

async function readAttr(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

async function linkName(path: string): Promise<string | undefined> {
  try {
    return basename(await readlink(path));
  } catch {
    return undefined;
  }
}
