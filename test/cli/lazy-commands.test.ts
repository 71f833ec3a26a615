import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../host/src/cli/command-table.js';
import { buildProgram, chosenCommand } from '../../host/src/cli/program.js';

const root = join(import.meta.dirname, '..', '..');

/**
 * The CLI loads only the command it runs. Its table of commands must say what their modules register:
 * the help built from the table is the help built from every module.
 */
describe('the CLI, loading one command at a time', () => {
  it('prints the same help from its table as from every command registered for real', async () => {
    const lazy = await buildProgram([]);
    const full = await buildProgram([], { everything: true });
    expect(full.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
    expect(lazy.helpInformation()).toBe(full.helpInformation());
  });

  it("registers each command from its own module, with the table's description and help line", async () => {
    const help = new Help();
    for (const line of COMMANDS) {
      const program = await buildProgram([line.name]);
      const real = program.commands.find((c) => c.name() === line.name)!;
      expect(real.description(), line.name).toBe(line.description);
      expect(help.subcommandTerm(real), line.name).toBe(line.term);
      // A real command has its own options or arguments, or subcommands; a line of help has none.
      expect(real.options.length + real.registeredArguments.length + real.commands.length, line.name).toBeGreaterThan(0);
    }
  });

  it('finds the command past the global options and after help', () => {
    expect(chosenCommand([])).toBeUndefined();
    expect(chosenCommand(['--help'])).toBeUndefined();
    expect(chosenCommand(['-V'])).toBeUndefined();
    expect(chosenCommand(['capture', '-o', 'x.jpg'])).toBe('capture');
    expect(chosenCommand(['--debug', '-vv', '--log-level', 'i2c=trace', 'ping', '--camera', 'sim'])).toBe('ping');
    expect(chosenCommand(['--log-level=debug', 'ls', '/'])).toBe('ls');
    expect(chosenCommand(['help', 'flash'])).toBe('flash');
    expect(chosenCommand(['help'])).toBeUndefined();
  });

  it('runs --version and --help from the built CLI', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'esp32cam.js'), ...args], { encoding: 'utf8' });
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(run('--version')).toMatchObject({ status: 0, stdout: `${version}\n` });
    const help = run('--help');
    expect(help.status).toBe(0);
    for (const line of COMMANDS) expect(help.stdout).toContain(`  ${line.term} `);
    const one = run('help', 'flash-led');
    expect(one.status).toBe(0);
    expect(one.stdout).toContain('Usage: esp32cam flash-led [options] <state>');
    expect(one.stdout).toContain('--camera <camera>');
  });
});
