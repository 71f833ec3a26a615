import { Command, Option } from 'commander';
import { findBridgesWithoutPort, listSerialPorts, type PortlessBridge, type SerialPortInfo } from '../../transports/serial/index.js';

export interface PortsCommandDeps {
  /** Ports outside sysfs to list too, such as the simulated board's. */
  extraPorts?: () => SerialPortInfo[] | Promise<SerialPortInfo[]>;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

interface PortsFlags {
  all?: boolean;
  json?: boolean;
  sysfsRoot?: string;
  devRoot?: string;
}

/** `esp32cam ports [--all] [--json]`: which serial ports exist, what bridge each is, and how it resets a board. */
export function registerPortsCommand(program: Command, deps: PortsCommandDeps = {}): void {
  program
    .command('ports')
    .description('list serial ports, likely ESP boards first, with their USB bridge and what it means for reset')
    .option('--all', "also list ports that are not USB (the Pi's GPIO UART, ttyS*)")
    .option('--json', 'print JSON instead of a table')
    // Hidden: tests point discovery at a fake sysfs and /dev tree.
    .addOption(new Option('--sysfs-root <dir>').hideHelp())
    .addOption(new Option('--dev-root <dir>').hideHelp())
    .action((flags: PortsFlags) => portsCommand(flags, deps));
}

async function portsCommand(flags: PortsFlags, deps: PortsCommandDeps): Promise<void> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const sysfsRoot = flags.sysfsRoot ?? '/sys';
  const devRoot = flags.devRoot ?? '/dev';
  const extra = deps.extraPorts ? await deps.extraPorts() : [];
  const [ports, everything, portless] = await Promise.all([
    listSerialPorts({ all: flags.all === true, sysfsRoot, devRoot, extra }),
    flags.all ? Promise.resolve(undefined) : listSerialPorts({ all: true, sysfsRoot, devRoot }),
    findBridgesWithoutPort({ sysfsRoot }),
  ]);
  const hidden = everything ? everything.filter((p) => p.bridge === 'not-usb').length : 0;
  const notes = [
    ...portless.map(portlessNote),
    ...(hidden > 0
      ? [`${hidden} port${hidden === 1 ? '' : 's'} that ${hidden === 1 ? 'is' : 'are'} not USB hidden; --all shows ${hidden === 1 ? 'it' : 'them'}.`]
      : []),
  ];

  if (flags.json) {
    stdout.write(`${JSON.stringify(ports, null, 2)}\n`);
    if (ports.length === 0) stderr.write(`${noPortsAdvice(flags.all === true)}\n`);
    for (const note of notes) stderr.write(`${note}\n`);
    return;
  }
  if (ports.length === 0) {
    stdout.write(`${noPortsAdvice(flags.all === true)}\n`);
  } else {
    stdout.write(formatTable(ports));
  }
  for (const note of notes) stdout.write(`${note}\n`);
}

function noPortsAdvice(all: boolean): string {
  return [
    all ? 'No serial ports found.' : 'No USB serial ports found.',
    'Check that the cable carries data (many USB cables only charge),',
    'that the bridge driver is loaded (`lsmod | grep -e cp210x -e ch341 -e ftdi_sio -e cdc_acm`),',
    'and what the kernel said when you plugged the board in (`dmesg | tail`).',
  ].join(' ');
}

function portlessNote(bridge: PortlessBridge): string {
  const id = `${bridge.vid}:${bridge.pid}`.toUpperCase();
  const what = `A ${bridge.bridgeLabel} (${id}${bridge.product ? `, ${bridge.product}` : ''}) is plugged in but has no serial port:`;
  if (bridge.interfaceDriver === 'usbfs') {
    return `${what} a program holds it through usbfs (on Ubuntu, brltty takes CH340 adapters: sudo apt remove brltty), then re-plug it.`;
  }
  if (bridge.interfaceDriver) return `${what} the ${bridge.interfaceDriver} driver has it instead of ${bridge.expectedDriver ?? 'a serial driver'}.`;
  return `${what} load its driver (sudo modprobe ${bridge.expectedDriver ?? 'usbserial'}), then re-plug it.`;
}

function formatTable(ports: SerialPortInfo[]): string {
  const rows = ports.map((p) => [p.path, p.vid && p.pid ? `${p.vid}:${p.pid}`.toUpperCase() : '-', p.bridgeLabel, p.product ?? '-', p.serialNumber ?? '-']);
  const header = ['PATH', 'VID:PID', 'BRIDGE', 'PRODUCT', 'SERIAL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header)];
  ports.forEach((port, i) => {
    out.push(line(rows[i]));
    if (port.byId) out.push(`    by-id: ${port.byId}`);
    out.push(`    reset: ${port.resetNote}`);
  });
  return `${out.join('\n')}\n`;
}
