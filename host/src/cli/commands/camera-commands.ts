import { Argument, type Command } from 'commander';
import { addCameraOptions, addOneCameraOptions } from '../camera-options.js';
import { flashLedCommand } from './flash-led.js';
import { pingCommand } from './ping.js';
import { serveCommand } from './serve.js';

export function registerServeCommand(program: Command): void {
  addCameraOptions(program.command('serve').description('run the web UI, HTTP API and socket.io service'), 'many')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default 8080; 0 picks a free one)')
    .option('--data-dir <dir>', 'folder for photos (default ./data)')
    .option('--no-auth', 'never ask for the access token (only behind your own authenticating proxy)')
    .option(
      '--mqtt <url>',
      'publish to this MQTT broker for Home Assistant, e.g. mqtt://broker.lan:1883 (the password goes in the config or the environment, never here)',
    )
    .action((flags) => serveCommand(flags));
}

export function registerPingCommand(program: Command): void {
  addOneCameraOptions(program.command('ping').description('check that the camera answers, and which protocol it speaks')).action((flags) => pingCommand(flags));
}

export function registerFlashLedCommand(program: Command): void {
  addOneCameraOptions(program.command('flash-led').description('turn the flash LED on or off'))
    .addArgument(new Argument('<state>', 'on or off').choices(['on', 'off']))
    .action((state: 'on' | 'off', flags) => flashLedCommand(state, flags));
}
