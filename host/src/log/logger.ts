import { pino, type Logger as PinoLogger, type Level } from 'pino';
import pretty from 'pino-pretty';

/** One namespace per layer, so a user can ask for exactly the traffic they need (`i2c=trace`). */
export const NAMESPACES = ['i2c', 'camera', 'repl', 'flash', 'push', 'serial', 'http', 'service', 'sim', 'cli', 'mqtt'] as const;
export type Namespace = (typeof NAMESPACES)[number];

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LEVELS)[number];

/** What a message may be: text, or a function that makes it only when the level is on (hex dumps). */
export type LogMessage = string | (() => string);

export interface Log {
  readonly namespace: Namespace;
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
  trace(message: LogMessage, fields?: Record<string, unknown>): void;
  debug(message: LogMessage, fields?: Record<string, unknown>): void;
  info(message: LogMessage, fields?: Record<string, unknown>): void;
  warn(message: LogMessage, fields?: Record<string, unknown>): void;
  /** Logs `err` with its stack when one is given. */
  error(message: LogMessage, err?: unknown, fields?: Record<string, unknown>): void;
}

/** Levels per namespace, and the default for the rest. */
export interface LogLevels {
  default: LogLevel;
  namespaces: Partial<Record<Namespace, LogLevel>>;
}

export interface LoggingOptions {
  levels?: LogLevels;
  /** Human-readable lines (for a terminal) or JSON lines (for journald and files). Default: a TTY gets lines. */
  format?: 'pretty' | 'json';
  /** Where logs go; default stderr, so that a command's own output on stdout stays clean. */
  destination?: NodeJS.WritableStream;
}

/** A program that uses the library without setting up logging hears only of problems. */
const DEFAULT_LEVELS: LogLevels = { default: 'warn', namespaces: {} };

let root: PinoLogger | undefined;
let levels: LogLevels = DEFAULT_LEVELS;
const children = new Map<Namespace, PinoLogger>();

/**
 * Sets up the one logger of the process: the composition roots call it once at start-up (tests may call it
 * again). Loggers handed out before keep working and pick up the new levels and destination.
 */
export function configureLogging(opts: LoggingOptions = {}): void {
  levels = opts.levels ?? DEFAULT_LEVELS;
  const destination = opts.destination ?? process.stderr;
  const format = opts.format ?? ((destination as NodeJS.WriteStream).isTTY ? 'pretty' : 'json');
  const stream =
    format === 'pretty'
      ? pretty({
          destination,
          sync: true,
          colorize: (destination as NodeJS.WriteStream).isTTY === true,
          ignore: 'pid,hostname,ns',
          messageFormat: '{ns}: {msg}',
          translateTime: 'SYS:HH:MM:ss.l',
        })
      : destination;
  root = pino({ level: 'trace', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, stream as pino.DestinationStream);
  children.clear();
}

function child(namespace: Namespace): PinoLogger {
  let logger = children.get(namespace);
  if (!logger) {
    if (!root) configureLogging();
    logger = root!.child({ ns: namespace });
    logger.level = levels.namespaces[namespace] ?? levels.default;
    children.set(namespace, logger);
  }
  return logger;
}

/**
 * The logger of one namespace. It is lazy: nothing is set up until the first message, and a message given
 * as a function is only made when its level is on, so trace calls on hot paths cost a level check.
 */
export function logger(namespace: Namespace): Log {
  const at =
    (level: Level) =>
    (message: LogMessage, fields?: Record<string, unknown>): void => {
      const log = child(namespace);
      if (!log.isLevelEnabled(level)) return;
      const text = typeof message === 'function' ? message() : message;
      if (fields) log[level](fields, text);
      else log[level](text);
    };
  return {
    namespace,
    enabled: (level) => child(namespace).isLevelEnabled(level),
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error(message, err, fields) {
      const log = child(namespace);
      if (!log.isLevelEnabled('error')) return;
      const text = typeof message === 'function' ? message() : message;
      log.error({ ...fields, ...(err !== undefined ? { err } : {}) }, text);
    },
  };
}
