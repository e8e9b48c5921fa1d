import { pino, type Logger } from 'pino';

/**
 * The process logger. At info level logs carry ids and counts only: no addresses, names or
 * subjects (those appear at trace level, if anywhere).
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { pid: process.pid } });
}

export type { Logger };
