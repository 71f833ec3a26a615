/**
 * The commands a camera takes over MQTT, read strictly: a payload that is not exactly one of the forms
 * below is an E_BAD_INPUT answered on `<camera>/response`, and nothing is done.
 */
import { z } from 'zod';
import { v2 } from '../../../../protocol/src/index.js';
import { Esp32CamError } from '../../errors.js';
import type { CaptureRequest, FlashMode } from '../cameras/index.js';
import { CAMERA_COMMANDS, type CameraCommandName } from './topics.js';

/** Commands are short; anything longer is not one (and is not parsed). */
export const MAX_COMMAND_BYTES = 4096;

export type CameraCommand =
  | { kind: 'capture'; request: CaptureRequest; id?: string }
  | { kind: 'led'; on: boolean }
  | { kind: 'settings'; change: v2.CameraSettings; flash?: FlashMode; id?: string }
  | { kind: 'reboot'; id?: string };

export type ParsedCommand = { ok: true; command: CameraCommand } | { ok: false; error: Esp32CamError };

const FLASH = ['off', 'on', 'auto'] as const satisfies readonly FlashMode[];
/** A caller's own tag, echoed in the response so it can tell its answers apart. */
const requestId = z.string().min(1).max(64);

const captureBody = z.object({ flash: z.enum(FLASH).optional(), fresh: z.boolean().optional(), id: requestId.optional() }).strict();
const rebootBody = z.object({ id: requestId.optional() }).strict();

/** A frame size by its name (`VGA`) or its framesize_t number (8). */
const frameSize = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const n = typeof value === 'number' ? value : v2.frameSizeNumber(value);
  if (n === undefined || !Number.isInteger(n) || n < 0 || n >= v2.FRAME_SIZES.length) {
    ctx.addIssue({
      code: 'custom',
      message: `framesize must be one of ${v2.FRAME_SIZES.map((f) => f.name).join(', ')} or its number 0..${v2.FRAME_SIZES.length - 1}`,
    });
    return z.NEVER;
  }
  return n;
});

const settingsBody = z
  .object({ framesize: frameSize.optional(), flash: z.enum(FLASH).optional(), id: requestId.optional() })
  .catchall(z.unknown())
  .superRefine((body, ctx) => {
    for (const [name, value] of Object.entries(body)) {
      if (name === 'framesize' || name === 'flash' || name === 'id') continue;
      const problem = v2.settingProblem(name, value);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  });

const USAGE: Record<CameraCommandName, string> = {
  capture: 'Send PRESS (or nothing) to take a photo, or JSON such as {"flash": "on", "fresh": true}.',
  led: 'Send ON or OFF.',
  settings: `Send JSON with one or more of ${v2.SETTING_NAMES.join(', ')} and flash, e.g. {"framesize": "VGA", "quality": 12}.`,
  reboot: 'Send PRESS (or nothing) to reset the board through its serial port.',
};

function bad(command: string, message: string): ParsedCommand {
  const usage = (USAGE as Record<string, string | undefined>)[command] ?? `The commands are ${CAMERA_COMMANDS.join(', ')}, each on <camera>/<command>/set.`;
  return { ok: false, error: new Esp32CamError('E_BAD_INPUT', message, usage) };
}

/** Reads `text` as a JSON object, or says why it is not one. */
function jsonObject(text: string): { ok: true; value: unknown } | { ok: false; why: string } {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, why: 'is JSON but not an object' };
    return { ok: true, value };
  } catch {
    return { ok: false, why: 'is not valid JSON' };
  }
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue.code === 'unrecognized_keys') return `unknown key "${issue.keys[0]}"`;
  const where = issue.path.map(String).join('.');
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** Reads one command's payload. `command` is the topic level before `/set`. */
export function parseCommand(command: string, payload: Buffer): ParsedCommand {
  if (!(CAMERA_COMMANDS as readonly string[]).includes(command)) return bad(command, `"${command}" is not a command`);
  if (payload.length > MAX_COMMAND_BYTES) return bad(command, `The ${command} command is ${payload.length} bytes, more than ${MAX_COMMAND_BYTES}`);
  const text = payload.toString('utf8').trim();
  switch (command as CameraCommandName) {
    case 'capture': {
      if (text === '' || text === 'PRESS') return { ok: true, command: { kind: 'capture', request: {} } };
      const json = jsonObject(text);
      if (!json.ok) return bad(command, `The capture command must be PRESS or a JSON object; "${clip(text)}" ${json.why}`);
      const body = captureBody.safeParse(json.value);
      if (!body.success) return bad(command, `Bad capture command: ${issueText(body.error)}`);
      const { id, ...request } = body.data;
      return { ok: true, command: { kind: 'capture', request, ...(id !== undefined ? { id } : {}) } };
    }
    case 'led': {
      const word = text.toUpperCase();
      if (word === 'ON' || word === 'OFF') return { ok: true, command: { kind: 'led', on: word === 'ON' } };
      return bad(command, `The LED command must be ON or OFF, not "${clip(text)}"`);
    }
    case 'settings': {
      const json = jsonObject(text);
      if (!json.ok) return bad(command, `The settings command must be a JSON object; "${clip(text)}" ${json.why}`);
      const body = settingsBody.safeParse(json.value);
      if (!body.success) return bad(command, `Bad settings command: ${issueText(body.error)}`);
      const { id, flash, ...settings } = body.data;
      const change = settings as v2.CameraSettings;
      if (Object.keys(change).length === 0 && flash === undefined) return bad(command, 'The settings command changes nothing');
      return {
        ok: true,
        command: { kind: 'settings', change, ...(flash !== undefined ? { flash } : {}), ...(id !== undefined ? { id } : {}) },
      };
    }
    case 'reboot': {
      if (text === '' || text === 'PRESS') return { ok: true, command: { kind: 'reboot' } };
      const json = jsonObject(text);
      if (!json.ok) return bad(command, `The reboot command must be PRESS; "${clip(text)}" ${json.why}`);
      const body = rebootBody.safeParse(json.value);
      if (!body.success) return bad(command, `Bad reboot command: ${issueText(body.error)}`);
      return { ok: true, command: { kind: 'reboot', ...(body.data.id !== undefined ? { id: body.data.id } : {}) } };
    }
  }
}

/** A bad payload quoted in a message: short, and on one line. */
function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
