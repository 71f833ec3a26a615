import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import type { CameraHealthReport } from '../../services/health/camera-monitor.js';
import type { HealthReport } from '../../services/health/health-monitors.js';
import { runningService } from '../service-call.js';

interface HealthFlags {
  config?: string;
  dataDir?: string;
  camera?: string;
  json?: boolean;
  events?: string;
}

/** `esp32cam health [--json]`: every camera's state, what the board says of itself, and its recent events, from the running service. */
export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description("show each camera's health (state, last seen, uptime, boot count, reset cause, recent events) from the running service")
    .option('--camera <name>', 'only this camera')
    .option('--json', 'print the report as JSON, as GET /api/health gives it')
    .option('--events <n>', 'recent events to list per camera (default 10)', '10')
    .option('--config <file>', 'JSON config file (default: $ESP32CAM_CONFIG)')
    .option('--data-dir <dir>', 'the data folder of the service (default ./data)')
    .action((flags: HealthFlags) => healthCommand(flags));
}

async function healthCommand(flags: HealthFlags): Promise<void> {
  const config = await loadConfig({ file: flags.config, flags: flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {} });
  const { call } = await runningService(config);
  const report = flags.camera
    ? { state: undefined, cameras: [(await (await call('GET', `/api/cameras/${encodeURIComponent(flags.camera)}/health`)).json()) as CameraHealthReport] }
    : ((await (await call('GET', '/api/health')).json()) as HealthReport);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(flags.camera ? report.cameras[0] : report, null, 2)}\n`);
    return;
  }
  const events = Math.max(0, Number.parseInt(flags.events ?? '10', 10) || 0);
  process.stdout.write(report.cameras.map((c) => describeCamera(c, events)).join('\n'));
}

function describeCamera(c: CameraHealthReport, events: number): string {
  const lines = [`${c.name}: ${c.state.toUpperCase()}${c.recovering ? ` (recovery: ${c.recovering.step} since ${time(c.recovering.since)})` : ''}`];
  const facts: string[] = [];
  facts.push(`last seen ${c.lastSeenAt ? time(c.lastSeenAt) : 'never'}`);
  if (c.uptimeMs !== null) facts.push(`uptime ${duration(c.uptimeMs)}`);
  if (c.bootCount !== null) facts.push(`boot ${c.bootCount}`);
  if (c.resetCause) facts.push(`reset cause ${c.resetCause}`);
  if (c.protocol) facts.push(`protocol ${c.protocol}`);
  if (c.freeHeap !== null) facts.push(`free heap ${Math.round(c.freeHeap / 1024)} KB`);
  if (c.cameraOk === false) facts.push('camera NOT initialised');
  facts.push(c.keepAliveMs > 0 ? `keep-alive every ${duration(c.keepAliveMs)}` : 'keep-alive off');
  lines.push(`  ${facts.join(', ')}`);
  const reboots = Object.entries(c.counters.reboots);
  if (reboots.length > 0) lines.push(`  reboots seen: ${reboots.map(([cause, n]) => `${cause} ${n}`).join(', ')}`);
  if (c.lastError) lines.push(`  last error: ${c.lastError.message} (${c.lastError.code})`);
  for (const e of c.events.slice(-events)) {
    const what = e.type === 'state' ? `${e.from} → ${e.to}: ${e.reason}` : `${e.type}: ${e.reason}`;
    lines.push(`  ${time(e.at)}  ${what}`);
    if (e.hint) lines.push(`      ${e.hint}`);
  }
  return `${lines.join('\n')}\n`;
}

function time(iso: string): string {
  return new Date(iso).toLocaleString();
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
