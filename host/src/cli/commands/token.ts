import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { Esp32CamError } from '../../errors.js';
import { loadOrCreateToken, newToken, tokenPath, writeTokenFile } from '../../services/auth/index.js';
import { openUrl } from '../open-url.js';

interface TokenFlags {
  dataDir?: string;
  config?: string;
  rotate?: boolean;
}

/**
 * `esp32cam token`: prints the service's access token and the URL that opens the page with it; `--rotate`
 * replaces it, which a running service sees at once (old cookies, URLs and sockets stop working).
 */
export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('print the access token the service asks for off loopback (and the URL to open), or --rotate it')
    .option('--data-dir <dir>', "the service's data folder (default ./data, or dataDir from the config)")
    .option('--config <file>', 'JSON config file (default: $ESP32CAM_CONFIG)')
    .option('--rotate', 'replace the token: everything that used the old one is signed out')
    .action((flags: TokenFlags) => tokenCommand(flags));
}

async function tokenCommand(flags: TokenFlags): Promise<void> {
  const config = await loadConfig({ file: flags.config, flags: flags.dataDir === undefined ? {} : { dataDir: flags.dataDir } });
  if (config.auth.token !== undefined) {
    if (flags.rotate) {
      throw new Esp32CamError(
        'E_CONFIG',
        'The token is set in the config file ("auth": {"token": ...}), so it cannot be rotated here',
        'Change it in the config file and restart the service, or remove it there to use a generated one.',
      );
    }
    print(config.auth.token, 'from the config file', config.host, config.port);
    return;
  }
  if (flags.rotate) {
    const token = newToken();
    await writeTokenFile(config.dataDir, token);
    print(token, `new, in ${tokenPath(config.dataDir)}; the old one no longer works`, config.host, config.port);
    return;
  }
  const { token, created } = await loadOrCreateToken(config.dataDir);
  print(token, `${created ? 'made now, ' : ''}in ${tokenPath(config.dataDir)}`, config.host, config.port);
}

function print(token: string, where: string, host: string, port: number): void {
  process.stdout.write(`${token}\n`);
  process.stderr.write(`esp32cam: access token ${where}\nesp32cam: open ${openUrl(host, port, token)}\n`);
}
