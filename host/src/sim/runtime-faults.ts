/**
 * Faults a running simulated ESP32-CAM accepts on demand (SimulatedEsp32Cam.fault), each one something a real
 * board does, visible on the I2C side and in what its UART prints (docs/hardware.md §9). Pure: this module
 * only names and validates them, so a CLI or HTTP layer can check user input before it reaches a board.
 */
import { Esp32CamError } from '../errors.js';

export type RebootCause = 'watchdog' | 'panic' | 'power';

export type RuntimeFault =
  /** The chip resets now: the task watchdog's panic, a CPU exception, or EN/power. */
  | { kind: 'reboot'; cause: RebootCause }
  /** The script stops for `seconds`: commands are ACKed but not answered, and the watchdog is not fed. */
  | { kind: 'hang'; seconds: number }
  /** The next `count` boots trip the brownout detector shortly after the script starts. */
  | { kind: 'brownout'; count: number }
  /** The board resets, and in the next `count` boots the sensor does not answer its probe. */
  | { kind: 'camera-init'; count: number }
  /** main.py is deleted from the board's filesystem and the board resets into the bare REPL. */
  | { kind: 'lost-script' }
  /** The slave holds SDA low for `seconds` (null: until its chip resets). */
  | { kind: 'bus-stuck'; seconds: number | null }
  /** The slave's output runs one byte behind its TX ring until the slave is rebuilt or the chip resets. */
  | { kind: 'desync' }
  /** GPIO12 pulled high at reset: the ROM loops on `invalid header` for `count` boots (null: until cleared). */
  | { kind: 'invalid-header'; count: number | null }
  /** The board resets and its next boot finds no PSRAM. */
  | { kind: 'no-psram' };

export type RuntimeFaultKind = RuntimeFault['kind'];

/** What a user may pass with a kind, as a CLI or a query string gives it. */
export interface RuntimeFaultArgs {
  seconds?: number;
  count?: number;
  cause?: string;
}

/** A kind with its arguments, defaults left out: what fault() also takes. */
export type RuntimeFaultRequest = { kind: RuntimeFaultKind } & RuntimeFaultArgs;

type ArgName = keyof RuntimeFaultArgs;

export interface RuntimeFaultInfo {
  kind: RuntimeFaultKind;
  /** The arguments the kind takes, e.g. `seconds` (required), `[count]` (optional). */
  usage: string;
  description: string;
}

/** Every kind, in the order help text lists them. */
export const RUNTIME_FAULT_KINDS: readonly RuntimeFaultInfo[] = [
  {
    kind: 'reboot',
    usage: '[cause=watchdog|panic|power]',
    description: 'the chip resets now (task watchdog panic by default, a Guru Meditation panic, or EN/power)',
  },
  { kind: 'hang', usage: 'seconds=1..3600', description: 'the script freezes: commands are acknowledged but not answered, and the watchdog is not fed' },
  { kind: 'brownout', usage: '[count=3]', description: 'a brownout reset loop: the next boots trip the brownout detector as the script starts' },
  { kind: 'camera-init', usage: '[count=1]', description: 'the board resets and its camera sensor fails its probe for that many boots' },
  { kind: 'lost-script', usage: '', description: 'main.py is deleted and the board resets: the REPL answers, the I2C address does not' },
  {
    kind: 'bus-stuck',
    usage: '[seconds=1..3600]',
    description: 'the slave holds SDA low, garbling every transfer on its bus, until then or until its chip resets',
  },
  { kind: 'desync', usage: '', description: "the slave's output runs one byte behind its reply ring until the slave is rebuilt or reset" },
  {
    kind: 'invalid-header',
    usage: '[count]',
    description: 'GPIO12 pulled high at reset: the ROM loops on "invalid header" (for that many boots, or until cleared)',
  },
  { kind: 'no-psram', usage: '', description: 'the board resets and boots without PSRAM: the camera falls back to a frame buffer in internal RAM' },
];

const REBOOT_CAUSES: readonly RebootCause[] = ['watchdog', 'panic', 'power'];
const MAX_SECONDS = 3600;
const MAX_COUNT = 1000;

/** Checks a kind and its arguments from outside (CLI, HTTP) and returns the fault they name. */
export function parseRuntimeFault(kind: string, args: RuntimeFaultArgs = {}): RuntimeFault {
  if (args === null || typeof args !== 'object') {
    throw new Esp32CamError('E_BAD_INPUT', 'Fault arguments must be an object', 'Pass { seconds, count, cause } as the kind needs.');
  }
  const info = RUNTIME_FAULT_KINDS.find((k) => k.kind === kind);
  if (!info) {
    throw new Esp32CamError('E_BAD_INPUT', `Unknown simulator fault "${String(kind)}"`, `Use one of ${RUNTIME_FAULT_KINDS.map((k) => k.kind).join(', ')}.`);
  }
  switch (info.kind) {
    case 'reboot': {
      only(kind, args, ['cause']);
      const cause = args.cause ?? 'watchdog';
      if (!REBOOT_CAUSES.includes(cause as RebootCause)) {
        throw new Esp32CamError('E_BAD_INPUT', `Reboot cause "${String(cause)}" is not known`, `Use one of ${REBOOT_CAUSES.join(', ')}.`);
      }
      return { kind: 'reboot', cause: cause as RebootCause };
    }
    case 'hang':
      only(kind, args, ['seconds']);
      if (args.seconds === undefined) {
        throw new Esp32CamError('E_BAD_INPUT', 'A hang needs its length in seconds', `Give seconds from 1 to ${MAX_SECONDS}, e.g. hang seconds=30.`);
      }
      return { kind: 'hang', seconds: whole(kind, 'seconds', args.seconds, MAX_SECONDS) };
    case 'bus-stuck':
      only(kind, args, ['seconds']);
      return { kind: 'bus-stuck', seconds: args.seconds === undefined ? null : whole(kind, 'seconds', args.seconds, MAX_SECONDS) };
    case 'brownout':
      only(kind, args, ['count']);
      return { kind: 'brownout', count: args.count === undefined ? 3 : whole(kind, 'count', args.count, MAX_COUNT) };
    case 'camera-init':
      only(kind, args, ['count']);
      return { kind: 'camera-init', count: args.count === undefined ? 1 : whole(kind, 'count', args.count, MAX_COUNT) };
    case 'invalid-header':
      only(kind, args, ['count']);
      return { kind: 'invalid-header', count: args.count === undefined ? null : whole(kind, 'count', args.count, MAX_COUNT) };
    case 'lost-script':
    case 'desync':
    case 'no-psram':
      only(kind, args, []);
      return { kind: info.kind };
  }
}

/** Validates a fault object (from code that built one itself, or from JSON). */
export function checkRuntimeFault(fault: RuntimeFault | RuntimeFaultRequest): RuntimeFault {
  if (fault === null || typeof fault !== 'object' || typeof fault.kind !== 'string') {
    throw new Esp32CamError('E_BAD_INPUT', 'A fault must be an object with a kind', `Use one of ${RUNTIME_FAULT_KINDS.map((k) => k.kind).join(', ')}.`);
  }
  const { kind, ...rest } = fault as { kind: string } & Record<string, unknown>;
  const args: RuntimeFaultArgs = {};
  for (const [key, value] of Object.entries(rest)) {
    // The parsed form writes "until reset" as null; as an argument that is simply leaving it out.
    if (value === null || value === undefined) continue;
    (args as Record<string, unknown>)[key] = value;
  }
  return parseRuntimeFault(kind, args);
}

function only(kind: string, args: RuntimeFaultArgs, allowed: readonly ArgName[]): void {
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    if (!allowed.includes(key as ArgName)) {
      const usage = RUNTIME_FAULT_KINDS.find((k) => k.kind === kind)?.usage;
      throw new Esp32CamError('E_BAD_INPUT', `The fault "${kind}" takes no ${key}`, usage ? `${kind} takes ${usage}.` : `${kind} takes no arguments.`);
    }
  }
}

function whole(kind: string, name: ArgName, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new Esp32CamError('E_BAD_INPUT', `${kind} ${name}=${String(value)} is not valid`, `Give a whole number from 1 to ${max}.`);
  }
  return value;
}
