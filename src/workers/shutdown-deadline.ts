/**
 * A graceful stop with a limit. `rekindle work` finishes its running jobs after SIGTERM, but a
 * stop must not wait on Redis or Postgres coming back: while either is unreachable BullMQ's
 * close and a job's last query wait for them, and an orchestrator would have to SIGKILL the
 * process. Past WORKER_SHUTDOWN_SECONDS the process exits anyway: its unfinished jobs are
 * safe to abandon (their leases lapse and they run again; a digest caught mid-send is resolved
 * from the recipient's mailbox, src/digest/resolve-unknown-digests.ts).
 */
import type { Logger } from 'pino';

export function closeWithin(
  seconds: number,
  logger: Logger,
  close: () => Promise<void>,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<void> {
  // Unref'd: a stop that finishes in time lets the process end without waiting for this timer.
  const timer = setTimeout(() => {
    logger.error({ seconds }, 'not stopped within WORKER_SHUTDOWN_SECONDS; exiting with jobs unfinished (they will run again)');
    exit(1);
  }, seconds * 1000);
  timer.unref();
  return close().finally(() => clearTimeout(timer));
}
