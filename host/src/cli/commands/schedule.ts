import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import type { ScheduleView } from '../../services/schedules/index.js';
import { runningService } from '../service-call.js';

interface CommonFlags {
  config?: string;
  dataDir?: string;
}

interface ListFlags extends CommonFlags {
  camera?: string;
  json?: boolean;
}

interface AddFlags extends CommonFlags {
  every?: string;
  cron?: string;
  id?: string;
  label?: string;
  flash?: string;
  maxPhotos?: string;
  maxBytes?: string;
  disabled?: boolean;
  json?: boolean;
}

const withService = (cmd: Command): Command =>
  cmd.option('--config <file>', 'JSON config file (default: $ESP32CAM_CONFIG)').option('--data-dir <dir>', 'the data folder of the service (default ./data)');

/** `esp32cam schedule list|add|rm`: the running service's timelapse schedules, through its API. */
export function registerScheduleCommand(program: Command): void {
  const schedule = program.command('schedule').description("list, add and delete cameras' timelapse schedules, through the running service");

  withService(
    schedule
      .command('list')
      .description('list the schedules, with their next slot and what became of the last')
      .option('--camera <name>', 'only this camera')
      .option('--json', 'print them as GET /api/schedules gives them'),
  ).action((flags: ListFlags) => listCommand(flags));

  withService(
    schedule
      .command('add <camera>')
      .description('add a schedule to a camera: a photo every N seconds, or on a cron expression')
      .option('--every <seconds>', 'seconds between photos (at least 5), on the multiples of N since the epoch')
      .option('--cron <expression>', 'a cron expression: 5 fields, or 6 with seconds first (quote it)')
      .option('--id <id>', 'its id (lower-case letters, digits, dashes); made from the label or timing if left out')
      .option('--label <text>', 'a name to show')
      .option('--flash <mode>', "off, on or auto (default: the camera's own flash mode)")
      .option('--max-photos <n>', 'keep at most this many of its photos (default 1000)')
      .option('--max-bytes <size>', 'keep at most this much of its photos, e.g. 200MB')
      .option('--disabled', 'add it paused')
      .option('--json', 'print the schedule as the API gives it'),
  ).action((camera: string, flags: AddFlags) => addCommand(camera, flags));

  withService(schedule.command('rm <camera> <id>').description('delete a schedule; its photos stay')).action((camera: string, id: string, flags: CommonFlags) =>
    removeCommand(camera, id, flags),
  );
}

async function connect(flags: CommonFlags) {
  const config = await loadConfig({ file: flags.config, flags: flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {} });
  return (await runningService(config)).call;
}

async function listCommand(flags: ListFlags): Promise<void> {
  const call = await connect(flags);
  const path = flags.camera === undefined ? '/api/schedules' : `/api/cameras/${encodeURIComponent(flags.camera)}/schedules`;
  const { schedules } = (await (await call('GET', path)).json()) as { schedules: ScheduleView[] };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(schedules, null, 2)}\n`);
    return;
  }
  if (schedules.length === 0) {
    process.stdout.write('No schedules. Add one with `esp32cam schedule add CAMERA --every 60`.\n');
    return;
  }
  process.stdout.write(schedules.map(describe).join(''));
}

async function addCommand(camera: string, flags: AddFlags): Promise<void> {
  const body: Record<string, unknown> = {};
  if (flags.every !== undefined) body.every = numberIfWhole('--every', flags.every);
  if (flags.cron !== undefined) body.cron = flags.cron;
  if (flags.id !== undefined) body.id = flags.id;
  if (flags.label !== undefined) body.label = flags.label;
  if (flags.flash !== undefined) body.flash = flags.flash;
  if (flags.disabled) body.enabled = false;
  if (flags.maxPhotos !== undefined || flags.maxBytes !== undefined) {
    body.retention = {
      ...(flags.maxPhotos !== undefined ? { maxPhotos: numberIfWhole('--max-photos', flags.maxPhotos) } : {}),
      ...(flags.maxBytes !== undefined ? { maxBytes: flags.maxBytes } : {}),
    };
  }
  const call = await connect(flags);
  const view = (await (await call('POST', `/api/cameras/${encodeURIComponent(camera)}/schedules`, body)).json()) as ScheduleView;
  process.stdout.write(flags.json ? `${JSON.stringify(view, null, 2)}\n` : `added ${describe(view)}`);
}

async function removeCommand(camera: string, id: string, flags: CommonFlags): Promise<void> {
  const call = await connect(flags);
  await call('DELETE', `/api/cameras/${encodeURIComponent(camera)}/schedules/${encodeURIComponent(id)}`);
  process.stdout.write(`deleted schedule ${id} of camera ${camera}; its photos stay (GET /api/photos?schedule=${id})\n`);
}

/** The service judges the values; the CLI only turns its text into the number the API takes. */
function numberIfWhole(flag: string, text: string): number | string {
  return /^\d+$/.test(text.trim()) ? Number(text) : text;
}

function describe(s: ScheduleView): string {
  const timing = s.every !== undefined ? `every ${s.every} s` : `cron "${s.cron}"`;
  const keep = [
    s.retention.maxPhotos !== undefined ? `${s.retention.maxPhotos} photos` : '',
    s.retention.maxBytes !== undefined ? `${s.retention.maxBytes} bytes` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const lines = [`${s.id} (camera ${s.camera})${s.label ? ` "${s.label}"` : ''}: ${timing}${s.enabled ? '' : ', DISABLED'}`];
  lines.push(
    `  next ${s.nextAt ?? '-'}, last ${s.lastAt ? `${s.lastAt} ${s.lastOutcome}` : '-'}; taken ${s.counts.taken}, missed ${s.counts.missed}, failed ${s.counts.failed}`,
  );
  lines.push(`  keeps ${s.photos} photo(s), ${s.bytes} bytes${keep ? ` (at most ${keep})` : ''}`);
  const last = s.history.at(-1);
  if (last?.reason) lines.push(`  last ${last.outcome}: ${last.reason}`);
  return `${lines.join('\n')}\n`;
}
