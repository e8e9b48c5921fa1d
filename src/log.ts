import { pino, type DestinationStream, type Logger } from 'pino';
import { LOG_REDACTION } from './security/log-redaction.ts';

/**
 * The process logger. At info level logs carry ids and counts only: no addresses, names or
 * subjects (those appear at trace level, if anywhere); at no level tokens, secrets or the
 * requests client libraries attach to their errors (src/security/log-redaction.ts).
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = { level, base: { pid: process.pid }, ...LOG_REDACTION };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
