import { Option, type Command } from 'commander';
import { resetBoard, withReplSession, type ResetMode } from '../../services/device-session.js';
import { addSerialPortOptions, withSerialPort, type SerialPortFlags } from '../serial-port-choice.js';

interface ResetFlags extends SerialPortFlags {
  soft?: boolean;
  hard?: boolean;
}

export function registerResetCommand(program: Command): void {
  addSerialPortOptions(program.command('reset').description('reset the board and show what it prints (hard by default)'))
    .addOption(new Option('--soft', 'restart MicroPython only (Ctrl-D at the REPL): runs boot.py and main.py again').conflicts('hard'))
    .addOption(new Option('--hard', 'reset the chip: EN through RTS, or machine.reset() on a port without modem lines'))
    .action((flags: ResetFlags) => resetCommand(flags));
}

async function resetCommand(flags: ResetFlags): Promise<void> {
  const mode: ResetMode = flags.soft ? 'soft' : 'hard';
  await withSerialPort(flags, (spec) =>
    withReplSession(spec, 'esp32cam reset', async (session) => {
      // The ROM's lines and MicroPython's banner can be a second or more apart: wait for a longer silence.
      const result = await resetBoard(session, mode, { quietMs: 3000, waitMs: 10_000 });
      const how = result.how === 'rts' ? 'EN through RTS' : result.how === 'machine.reset' ? 'machine.reset()' : 'Ctrl-D at the REPL';
      process.stderr.write(`esp32cam: ${mode} reset (${how}); the board printed:\n`);
      process.stdout.write(result.output.endsWith('\n') ? result.output : `${result.output}\n`);
    }),
  );
}
