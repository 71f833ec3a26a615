import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { deviceFsInfo, listDeviceFiles, readDeviceFile, removeDeviceFile } from '../../devices/device-fs/index.js';
import { fileWriteError, writeFileAtomic } from '../../services/atomic-write.js';
import { withReplSession, type ReplSession } from '../../services/device-session.js';
import { formatBytes } from '../format.js';
import { addSerialPortOptions, withSerialPort, type SerialPortFlags } from '../serial-port-choice.js';

/** `ls`, `cat`, `get` and `rm` on the board's filesystem, each one REPL session on the port. */
export function registerDeviceFileCommands(program: Command): void {
  addSerialPortOptions(program.command('ls').description('list a folder on the board, with sizes').argument('[dir]', 'folder on the board', '/')).action(
    (dir: string, flags: SerialPortFlags) => onBoard(flags, 'esp32cam ls', (s) => ls(s, dir)),
  );

  addSerialPortOptions(program.command('cat').description('print a file from the board').argument('<file>', 'file on the board, e.g. main.py')).action(
    (file: string, flags: SerialPortFlags) => onBoard(flags, 'esp32cam cat', (s) => cat(s, file)),
  );

  addSerialPortOptions(program.command('get').description('copy a file from the board to this machine').argument('<file>', 'file on the board'))
    .option('-o, --output <path>', 'where to write it (default: its name, in this folder)')
    .action((file: string, flags: SerialPortFlags & { output?: string }) => onBoard(flags, 'esp32cam get', (s) => get(s, file, flags.output)));

  addSerialPortOptions(program.command('rm').description('remove a file (or an empty folder) on the board').argument('<file>', 'file on the board')).action(
    (file: string, flags: SerialPortFlags) => onBoard(flags, 'esp32cam rm', (s) => rm(s, file)),
  );
}

function onBoard(flags: SerialPortFlags, owner: string, fn: (session: ReplSession) => Promise<void>): Promise<void> {
  return withSerialPort(flags, (spec) => withReplSession(spec, owner, fn));
}

async function ls(session: ReplSession, dir: string): Promise<void> {
  const entries = await listDeviceFiles(session.client, dir);
  const width = Math.max(1, ...entries.map((e) => String(e.size).length));
  for (const e of entries) process.stdout.write(`${(e.type === 'dir' ? '-' : String(e.size)).padStart(width)}  ${e.name}${e.type === 'dir' ? '/' : ''}\n`);
  const fs = await deviceFsInfo(session.client);
  process.stderr.write(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}; ${formatBytes(fs.freeBytes)} free of ${formatBytes(fs.totalBytes)}\n`);
}

async function cat(session: ReplSession, file: string): Promise<void> {
  const data = await readDeviceFile(session.client, file);
  await new Promise<void>((done, fail) => process.stdout.write(data, (err) => (err ? fail(err) : done())));
}

async function get(session: ReplSession, file: string, output: string | undefined): Promise<void> {
  const data = await readDeviceFile(session.client, file);
  const target = resolve(output ?? basename(file));
  // Written only once the whole file has arrived and checked, and then atomically: never half a file.
  try {
    await writeFileAtomic(target, data);
  } catch (err) {
    throw fileWriteError(err, target, 'Free space on this machine, or write it elsewhere with -o.');
  }
  process.stdout.write(`${file} → ${target}: ${formatBytes(data.length)}\n`);
}

async function rm(session: ReplSession, file: string): Promise<void> {
  const removed = await removeDeviceFile(session.client, file);
  process.stdout.write(`removed ${removed.type === 'dir' ? 'folder ' : ''}${removed.path}\n`);
}
