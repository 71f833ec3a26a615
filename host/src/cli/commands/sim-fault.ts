import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { Esp32CamError } from '../../errors.js';
import { RUNTIME_FAULT_KINDS } from '../../sim/runtime-faults.js';
import { runningService } from '../service-call.js';

interface SimFaultFlags {
  config?: string;
  dataDir?: string;
}

/** `esp32cam sim-fault NAME KIND [ARG=VALUE…]`: injects a fault into a simulated camera of the running service. */
export function registerSimFaultCommand(program: Command): void {
  const kinds = RUNTIME_FAULT_KINDS.map((k) => `  ${`${k.kind} ${k.usage}`.padEnd(44)}${k.description}`).join('\n');
  program
    .command('sim-fault')
    .description('inject a fault into a simulated camera of the running service, to watch its health react')
    .argument('<camera>', 'the simulated camera, by name')
    .argument('<kind>', 'the fault (see below)')
    .argument('[args...]', 'seconds=N, count=N or cause=watchdog|panic|power, or a bare number for the kind’s main argument')
    .option('--config <file>', 'JSON config file (default: $ESP32CAM_CONFIG)')
    .option('--data-dir <dir>', 'the data folder of the service (default ./data)')
    .addHelpText('after', `\nFault kinds:\n${kinds}\n\nExample: esp32cam sim-fault cam hang 90`)
    .action((camera: string, kind: string, args: string[], flags: SimFaultFlags) => simFaultCommand(camera, kind, args, flags));
}

async function simFaultCommand(camera: string, kind: string, args: string[], flags: SimFaultFlags): Promise<void> {
  const body = { kind, ...faultArgs(kind, args) };
  const config = await loadConfig({ file: flags.config, flags: flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {} });
  const { call } = await runningService(config);
  const res = (await (await call('POST', `/api/cameras/${encodeURIComponent(camera)}/sim-fault`, body)).json()) as { fault: string; description: string };
  process.stdout.write(`camera ${camera}: ${res.fault}: ${res.description}\nWatch it with \`esp32cam health --camera ${camera}\` or on the page.\n`);
}

/** `seconds=20`, `count=3`, `cause=panic`, or a bare value for the kind's own argument (hang 20, brownout 3, reboot panic). */
function faultArgs(kind: string, args: string[]): { seconds?: number; count?: number; cause?: string } {
  const out: { seconds?: number; count?: number; cause?: string } = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = eq >= 0 ? arg.slice(0, eq) : kind === 'reboot' ? 'cause' : kind === 'hang' || kind === 'bus-stuck' ? 'seconds' : 'count';
    const value = eq >= 0 ? arg.slice(eq + 1) : arg;
    if (key === 'cause') out.cause = value;
    else if (key === 'seconds' || key === 'count') {
      const n = Number(value);
      if (!Number.isInteger(n))
        throw new Esp32CamError('E_BAD_INPUT', `${key}=${value} is not a whole number`, `Give ${key} as a whole number, e.g. ${key}=20.`);
      out[key] = n;
    } else {
      throw new Esp32CamError('E_BAD_INPUT', `"${arg}" is not a fault argument`, 'Use seconds=N, count=N or cause=watchdog|panic|power.');
    }
  }
  return out;
}
