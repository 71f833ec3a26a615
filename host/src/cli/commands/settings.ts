import { Argument, type Command } from 'commander';
import type { SettingsJson } from '../../http/settings-routes.js';
import { addOneCameraOptions, type CameraFlags } from '../camera-options.js';
import { CLI_SETTINGS, cliName, parseSettingPairs, showValue } from '../setting-pairs.js';
import { withSettingsAccess } from '../settings-access.js';

interface SettingsFlags extends CameraFlags {
  json?: boolean;
}

/** `esp32cam settings [NAME=VALUE ...]`: shows a camera's settings, or changes them. */
export function registerSettingsCommand(program: Command): void {
  addOneCameraOptions(
    program
      .command('settings')
      .description("show the camera's settings (wanted, applied, whether its script takes them, the flash mode), or change them")
      .addArgument(
        new Argument(
          '[pairs...]',
          'settings to change as NAME=VALUE: framesize (VGA or 0-13), quality (10-63), brightness, contrast, saturation (-2..2), ' +
            'flip, mirror (0/1), speffect (0-6), whitebalance (0-4), flash (off|on|auto)',
        ),
      ),
  )
    .option('--json', 'print the settings as JSON, as GET /api/cameras/:name/settings gives them')
    .action((pairs: string[], flags: SettingsFlags) => settingsCommand(pairs, flags));
}

async function settingsCommand(pairs: string[], flags: SettingsFlags): Promise<void> {
  // A bad pair is reported before any camera is opened.
  const change = pairs.length > 0 ? parseSettingPairs(pairs) : undefined;
  const { view, name, specText, route } = await withSettingsAccess(flags, async (access) => ({
    view: change ? await access.change(change) : await access.view(),
    name: access.name,
    specText: access.specText,
    route: access.route,
  }));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return;
  }
  process.stdout.write(describe(view, `camera ${name} (${specText}), ${route}`, change !== undefined));
}

function describe(view: SettingsJson, heading: string, changed: boolean): string {
  const lines = [changed ? `${heading}: changed` : heading];
  if (view.supported === false) {
    lines.push("  its script cannot take settings: push the project's slave script (esp32cam push) to change them");
  } else {
    const width = Math.max(...CLI_SETTINGS.map((s) => cliName(s).length)) + 2;
    const column = 14;
    lines.push(`  ${'setting'.padEnd(width)}${'wanted'.padEnd(column)}applied`);
    for (const setting of CLI_SETTINGS) {
      const applied = view.applied === null ? '?' : showValue(setting, view.applied[setting]);
      lines.push(`  ${cliName(setting).padEnd(width)}${showValue(setting, view.wanted[setting]).padEnd(column)}${applied}`);
    }
    const differs = view.applied !== null && CLI_SETTINGS.some((s) => view.wanted[s] !== undefined && view.wanted[s] !== view.applied![s]);
    if (differs) lines.push('  the board does not hold what is wanted (it rebooted since?): the service applies it again when it reaches the camera');
    lines.push(
      view.appliedAt === null ? '  applied: not known (nothing applied since the board started)' : `  applied at ${new Date(view.appliedAt).toLocaleString()}`,
    );
  }
  lines.push(`  flash: ${view.flash} (the LED for every photo that does not choose its own)`);
  if (view.lastError) lines.push(`  last error: ${view.lastError.message} (${view.lastError.code}). ${view.lastError.hint}`);
  return `${lines.join('\n')}\n`;
}
