/**
 * postgres.js 3.4.9 batches small writes behind a `setImmediate`; when the connection closes
 * before it fires (Postgres restarted, a backend terminated, a proxy dropping connections),
 * the deferred write dereferences the closed socket and throws a TypeError from the timer —
 * uncatchable by any caller, so it kills the process (upstream porsager/postgres#1154, #1208;
 * unfixed in 3.4.9). `npm run chaos` found it: a worker died on its own when its Postgres
 * connections were cut. The query that write belonged to has already been rejected with
 * CONNECTION_CLOSED by then, so the error carries nothing to act on.
 *
 * The same restart also leaves, now and then, a rejected connection attempt nobody awaits
 * (57P03 "not yet accepting connections", ECONNREFUSED while the server is down): an unhandled
 * rejection, which Node also turns into an exit. Found the same way, in the same run.
 *
 * Long-running processes (`rekindle work`, `serve`, `inbound`) install this: those errors are
 * logged and the process carries on (the pool reconnects, every job's state is in Postgres);
 * every other uncaught exception still ends the process, as Node's default does. Remove once
 * postgres.js guards the write and settles every connection attempt.
 */
import type { Logger } from 'pino';

let installed = false;

export function isClosedSocketWrite(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    /reading 'write'|evaluating 'socket\.write'/.test(error.message) &&
    /nextWrite/.test(error.stack ?? '') &&
    /[\\/]postgres[\\/]src[\\/]connection\.js/.test(error.stack ?? '')
  );
}

/** Postgres going away or not back yet: admin/crash shutdown, still starting, refused, closed. */
const UNAVAILABLE = new Set([
  '57P01',
  '57P02',
  '57P03',
  'ECONNREFUSED',
  'ECONNRESET',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

/**
 * Postgres's own "going away / not back yet" errors, and a refused TCP connection: nothing was
 * connected, so nothing can be half done. (postgres.js sometimes lets the raw ECONNREFUSED of
 * a reconnect escape with only Node's own frames on its stack.)
 */
export function isUnavailablePostgres(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, stack, syscall } = error as { code?: unknown; name?: unknown; stack?: unknown; syscall?: unknown };
  if (code === 'ECONNREFUSED' && syscall === 'connect') return true;
  const fromPostgres = name === 'PostgresError' || /[\\/]postgres[\\/]src[\\/]/.test(typeof stack === 'string' ? stack : '');
  return fromPostgres && typeof code === 'string' && UNAVAILABLE.has(code);
}

export function surviveClosedSocketWrites(logger: Logger): void {
  if (installed) return;
  installed = true;
  process.on('uncaughtException', (error, origin) => {
    if (isClosedSocketWrite(error)) {
      logger.warn({ err: error }, 'postgres.js wrote to a connection that had just closed; the query was already failed, carrying on');
      return;
    }
    if (isUnavailablePostgres(error)) {
      logger.warn({ err: error, origin }, 'a Postgres connection attempt failed with nobody waiting on it; carrying on');
      return;
    }
    // What Node does without a handler: print the error and exit 1.
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
