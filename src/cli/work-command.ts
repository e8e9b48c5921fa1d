import { getConfig } from '../config/env.ts';
import { surviveClosedSocketWrites } from '../db/survive-closed-socket.ts';
import { createLogger } from '../log.ts';
import { migrateApart } from '../workers/migrate-apart.ts';
import { startWorker } from '../workers/start-worker.ts';
import { untilSignal } from './until-signal.ts';

/**
 * `rekindle work`: every queue's worker and the scheduler (src/workers/start-worker.ts) until
 * SIGINT/SIGTERM, then running jobs finish. Its own file, so a worker process never loads the
 * web app's code.
 */
export async function workCommand(): Promise<void> {
  const config = getConfig();
  const logger = createLogger(config.LOG_LEVEL);
  surviveClosedSocketWrites(logger);
  await migrateApart(config.DATABASE_URL, {
    onRetry: (err) => logger.warn({ err: err.message }, 'migrations failed; Postgres may be starting, trying again'),
  });
  const worker = await startWorker({ config, logger });
  await untilSignal(logger, () => worker.close());
}
