import { Esp32CamError } from '../errors.js';

/** Faults a test or a demo can inject into the simulated board; each counts down as it fires. */
export interface SimFaults {
  /** The next N camera.capture() calls return False (camera fault). */
  cameraFailures?: number;
  /** The next N frames are cut short (no FF D9 end), as a flaky sensor does. */
  truncatedFrames?: number;
  /** The next N master reads get one byte flipped on the wire. */
  corruptReads?: number;
  /** The next N bus transactions are not acknowledged. */
  nacks?: number;
  /** The next N camera.init() calls raise OSError('Camera Init Failed'). */
  cameraInitFailures?: number;
}

export type FaultKind = keyof SimFaults;

const KINDS: readonly FaultKind[] = ['cameraFailures', 'truncatedFrames', 'corruptReads', 'nacks', 'cameraInitFailures'];

/** Checks a SimFaults object from outside (options, HTTP, CLI) before it is used. */
export function validateFaults(faults: SimFaults): Required<SimFaults> {
  const out = { cameraFailures: 0, truncatedFrames: 0, corruptReads: 0, nacks: 0, cameraInitFailures: 0 };
  if (faults === null || typeof faults !== 'object') {
    throw new Esp32CamError('E_BAD_INPUT', 'Faults must be an object of counts', `Use keys ${KINDS.join(', ')}.`);
  }
  for (const [key, value] of Object.entries(faults)) {
    if (!KINDS.includes(key as FaultKind)) {
      throw new Esp32CamError('E_BAD_INPUT', `Unknown simulator fault "${key}"`, `Use one of ${KINDS.join(', ')}.`);
    }
    if (value === undefined) continue;
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 1_000_000) {
      throw new Esp32CamError('E_BAD_INPUT', `Fault count ${key}=${String(value)} is not valid`, 'Give a whole number from 0 to 1000000.');
    }
    out[key as FaultKind] = value as number;
  }
  return out;
}

/** The host-side fault counters (camera init failures live in shared memory, in the worker's reach). */
export class FaultCounters {
  private readonly left = new Map<FaultKind, number>();

  add(kind: FaultKind, n: number): void {
    this.left.set(kind, (this.left.get(kind) ?? 0) + n);
  }

  /** True, and one fewer left, when a fault of this kind is due. */
  take(kind: FaultKind): boolean {
    const n = this.left.get(kind) ?? 0;
    if (n <= 0) return false;
    this.left.set(kind, n - 1);
    return true;
  }

  remaining(kind: FaultKind): number {
    return this.left.get(kind) ?? 0;
  }
}
