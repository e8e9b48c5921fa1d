/**
 * What a process says about its Redis connection: one line when Redis becomes unreachable, one
 * when it is back (with how long it was gone), and nothing in between — however many
 * connections (BullMQ opens one per worker besides the shared one) fail however often while
 * ioredis reconnects. Errors that are not about reaching Redis (a script error, an OOM answer)
 * are still logged, each once.
 *
 * Every emitter that relays a connection's errors must be watched: an ioredis client without
 * an `error` listener prints each failed reconnect with its stack to stderr, and a BullMQ queue
 * without one does the same.
 */
import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisState {
  /** Also log the errors of these (BullMQ queues and workers sharing or duplicating the connection). */
  watch(...emitters: EventEmitter[]): void;
  /** Whether the last word was that Redis is unreachable. */
  readonly down: boolean;
}

/** Error codes and messages that say "Redis cannot be reached", not "Redis refused this command". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);
const UNREACHABLE_MESSAGES =
  /Connection is closed|Stream isn't writeable|connect ETIMEDOUT|Command timed out|Reached the max retries per request limit|Socket closed unexpectedly/i;

export function isRedisUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && UNREACHABLE_CODES.has(code)) || UNREACHABLE_MESSAGES.test(error.message);
}

export function watchRedisState(connection: Redis, logger: Logger, options: { component: string }): RedisState {
  let downSince: number | null = null;
  const log = logger.child({ component: options.component });
  const onError = (error: unknown) => {
    if (!isRedisUnreachable(error)) {
      log.error({ err: error instanceof Error ? { type: error.name, message: error.message } : String(error) }, 'redis error');
      return;
    }
    if (downSince !== null) return;
    downSince = Date.now();
    const { code, message } = error as Error & { code?: string };
    log.error({ err: { code, message } }, 'redis unreachable; waiting for it to come back');
  };
  connection.on('error', onError);
  connection.on('ready', () => {
    if (downSince === null) return;
    const seconds = Math.round((Date.now() - downSince) / 1000);
    downSince = null;
    log.warn({ downSeconds: seconds }, 'redis reachable again');
  });
  return {
    watch(...emitters) {
      for (const emitter of emitters) emitter.on('error', onError);
    },
    get down() {
      return downSince !== null;
    },
  };
}
