/**
 * postgres.js 3.4.9 batches small writes behind a `setImmediate`; when the connection closes
 * before it fires (Postgres restarted, a backend terminated, a proxy dropping connections),
 * the deferred write dereferences the closed socket and throws a TypeError from the timer —
 * uncatchable by any caller, so it kills the process (upstream porsager/postgres#1154, #1208;
 * unfixed in 3.4.9). `npm run chaos` found it: a worker died on its own when its Postgres
 * connections were cut. The query that write belonged to has already been rejected with
 * CONNECTION_CLOSED by then, so the error carries nothing to act on.
 *
 * Long-running processes (`rekindle work`, `serve`, `inbound`) install this: that one error
 * is logged and the process carries on (the pool reconnects); every other uncaught exception
 * still ends the process, as Node's default does. Remove once postgres.js guards the write.
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

export function surviveClosedSocketWrites(logger: Logger): void {
  if (installed) return;
  installed = true;
  process.on('uncaughtException', (error) => {
    if (isClosedSocketWrite(error)) {
      logger.warn({ err: error }, 'postgres.js wrote to a connection that had just closed; the query was already failed, carrying on');
      return;
    }
    // What Node does without a handler: print the error and exit 1.
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
