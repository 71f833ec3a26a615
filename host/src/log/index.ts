export {
  configureLogging,
  logger,
  LEVELS,
  NAMESPACES,
  type Log,
  type LogLevel,
  type LogLevels,
  type LoggingOptions,
  type LogMessage,
  type Namespace,
} from './logger.js';
export { LOG_ENV, parseLogLevels, verbosityLevel } from './levels.js';
