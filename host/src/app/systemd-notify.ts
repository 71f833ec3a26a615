import { execFile } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { logger } from '../log/index.js';

/*
 * How the messages reach systemd. Its notify socket is a unix datagram socket, and Node's core has no unix
 * datagram sockets. The npm packages that add them are native addons: `sd-notify` links libsystemd (it
 * needs libsystemd-dev and a compiler wherever it is installed), `unix-dgram` compiles with node-gyp;
 * either is one more native build to break on CI and on a Pi. systemd's own `systemd-notify` tool is on
 * every machine that has systemd and is maintained with it, so each message is sent by running it.
 *
 * Its known weakness: systemd attributes a message to a unit through the sender's pid, and a short-lived
 * sender may be gone before systemd looks (systemd-notify(1), "Note that sd_notify() notifications may be
 * attributed to units correctly only if ..."). Since systemd 246 the tool ends every send with
 * sd_notify_barrier() and only exits once systemd has taken the message, unless --no-block is given,
 * which is never used here. The sender is the child, not node, so the unit needs NotifyAccess=all.
 */

const log = logger('service');

export interface WatchdogCheckResult {
  ok: boolean;
  /** Why it is not ok, in a few words: logged and shown as the unit's status. */
  reason?: string;
}

/** Runs before every watchdog ping; it must be quick and synchronous. */
export type WatchdogCheck = () => WatchdogCheckResult;

/** Where the rest of the service says whether it is healthy. */
export interface Watchdog {
  /** The ping is withheld while the check fails (or throws). Returns a function that removes the check. */
  addCheck(name: string, check: WatchdogCheck): () => void;
}

export interface SystemdNotifier extends Watchdog {
  /** Whether systemd listens (NOTIFY_SOCKET is set); when it is not, every call does nothing. */
  readonly enabled: boolean;
  /** The ping interval, half the watchdog timeout systemd asked for; undefined when there is no watchdog. */
  readonly pingIntervalMs: number | undefined;
  /** READY=1 (with a status line), and the watchdog pings begin. */
  ready(status?: string): void;
  /** STOPPING=1; the pings end. Resolves once systemd has the message. */
  stop(): Promise<void>;
}

export interface SystemdNotifyOptions {
  /** Where NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read, and the tool's environment. */
  env?: NodeJS.ProcessEnv;
  checks?: Record<string, WatchdogCheck>;
  /**
   * The longest the event loop may have been blocked since the last ping for the next one to be sent.
   * 2 s: nothing the service does on its main thread (HTTP, I2C framing, JSON) takes anywhere near that,
   * even on a Pi Zero, while a loop blocked that long has stopped serving.
   */
  maxEventLoopDelayMs?: number;
  /** The notifier tool; `systemd-notify` from PATH by default. */
  command?: string;
}

export const DEFAULT_MAX_EVENT_LOOP_DELAY_MS = 2000;

/** What systemd waits between pings, in ms, when it expects them from this process (sd_watchdog_enabled(3)). */
export function watchdogTimeoutMs(env: NodeJS.ProcessEnv, pid = process.pid): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return undefined;
  // WATCHDOG_PID names the process the watchdog is meant for; a child that inherited it must not ping.
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return usec / 1000;
}

const SEND_TIMEOUT_MS = 10_000;

export function startSystemdNotify(opts: SystemdNotifyOptions = {}): SystemdNotifier {
  const env = opts.env ?? process.env;
  const enabled = Boolean(env.NOTIFY_SOCKET);
  const timeoutMs = enabled ? watchdogTimeoutMs(env) : undefined;
  const pingIntervalMs = timeoutMs === undefined ? undefined : Math.max(1, Math.floor(timeoutMs / 2));
  const maxDelayMs = opts.maxEventLoopDelayMs ?? DEFAULT_MAX_EVENT_LOOP_DELAY_MS;
  const command = opts.command ?? 'systemd-notify';
  const checks = new Map<string, WatchdogCheck>(Object.entries(opts.checks ?? {}));

  let sending: Promise<void> = Promise.resolve();
  let pingQueued = false;
  let sendFailed = false;
  let timer: NodeJS.Timeout | undefined;
  let nextDue = 0;
  let stopped = false;
  let readySent = false;
  /** Why pings are withheld now; undefined while they are sent. */
  let withheld: string | undefined;
  let serving = 'serving';
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });

  const send = (assignments: string[]): Promise<void> => {
    const run = (): Promise<void> =>
      new Promise((resolve) => {
        execFile(command, assignments, { env, timeout: SEND_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
          if (err) {
            // Said once: repeating it every 15 s would bury the log, and systemd will act on the silence.
            if (!sendFailed) {
              const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
              log.error(
                missing
                  ? `${command} is not installed, so systemd cannot hear from the service; with WatchdogSec set it will restart it`
                  : `${command} failed to reach systemd (${String(stderr).trim() || err.message}); with WatchdogSec set it will restart the service`,
              );
            }
            sendFailed = true;
          } else if (sendFailed) {
            sendFailed = false;
            log.info(`${command} reaches systemd again`);
          }
          resolve();
        });
      });
    sending = sending.then(run);
    return sending;
  };

  /** The reason the service is unhealthy, or undefined when it is healthy. */
  const unhealthy = (lateMs: number): string | undefined => {
    const blockedMs = Math.max(lateMs, loopDelay.max / 1e6);
    loopDelay.reset();
    if (blockedMs > maxDelayMs) {
      return `the event loop was blocked for ${Math.round(blockedMs)} ms (more than ${maxDelayMs} ms)`;
    }
    for (const [name, check] of checks) {
      let result: WatchdogCheckResult;
      try {
        result = check();
      } catch (err) {
        result = { ok: false, reason: err instanceof Error ? err.message : String(err) };
      }
      if (!result.ok) return `${name}: ${result.reason ?? 'check failed'}`;
    }
    return undefined;
  };

  const tick = (): void => {
    if (stopped || pingIntervalMs === undefined) return;
    const lateMs = Math.max(0, performance.now() - nextDue);
    const reason = unhealthy(lateMs);
    if (reason !== withheld) {
      if (reason !== undefined) {
        log.warn(`withholding the systemd watchdog ping: ${reason}; systemd restarts the service if this lasts ${timeoutMs} ms`);
        void send([`STATUS=unhealthy, watchdog withheld: ${reason}`]);
      } else {
        log.info('healthy again: the systemd watchdog pings resume');
        void send([`STATUS=${serving}`]);
      }
      withheld = reason;
    }
    // A ping still waiting for an earlier one to go out would say nothing new.
    if (reason === undefined && !pingQueued) {
      pingQueued = true;
      void send(['WATCHDOG=1']).then(() => {
        pingQueued = false;
      });
    }
    schedule();
  };

  const schedule = (): void => {
    nextDue = performance.now() + pingIntervalMs!;
    timer = setTimeout(tick, pingIntervalMs);
    timer.unref();
  };

  return {
    enabled,
    pingIntervalMs,
    addCheck(name, check) {
      checks.set(name, check);
      return () => {
        if (checks.get(name) === check) checks.delete(name);
      };
    },
    ready(status) {
      if (!enabled || readySent || stopped) return;
      readySent = true;
      if (status) serving = status;
      void send(['READY=1', `STATUS=${serving}`]);
      log.debug(
        pingIntervalMs === undefined ? 'told systemd the service is ready' : `told systemd the service is ready; watchdog pings every ${pingIntervalMs} ms`,
      );
      if (pingIntervalMs === undefined) return;
      loopDelay.enable();
      // The first ping goes out at once: systemd's watchdog starts counting at READY=1.
      nextDue = performance.now();
      tick();
    },
    async stop() {
      if (stopped) return sending;
      stopped = true;
      clearTimeout(timer);
      loopDelay.disable();
      if (enabled) await send(['STOPPING=1', 'STATUS=stopping']);
      return sending;
    },
  };
}
