import { configWarnings, getConfig } from '../config/env.ts';
import { createdDatabaseLine, runMigrations } from '../db/migrate.ts';
import { surviveClosedSocketWrites } from '../db/survive-closed-socket.ts';
import { createDatabase } from '../db/client.ts';
import { createLogger } from '../log.ts';
import { createWebRedis } from '../queue/connection.ts';
import { watchRedisState } from '../queue/connection-state.ts';
import { replyRoutesFrom } from '../web/reply-routes.ts';
import { buildServer } from '../web/server.ts';
import { untilSignal } from './until-signal.ts';

export async function migrateCommand(): Promise<void> {
  const config = getConfig();
  const { created } = await runMigrations(config.DATABASE_URL);
  // On stderr: `work` migrates in a child whose stdout it drops, and this line must reach the log.
  if (created) process.stderr.write(`${createdDatabaseLine(config.DATABASE_URL)}\n`);
  process.stdout.write('Database is up to date.\n');
}

export async function serveCommand(): Promise<void> {
  const config = getConfig();
  const logger = createLogger(config.LOG_LEVEL);
  surviveClosedSocketWrites(logger);
  for (const { variable, message } of configWarnings(config)) logger.warn({ variable }, `${variable} ${message}`);
  const { created } = await runMigrations(config.DATABASE_URL);
  if (created) logger.info(createdDatabaseLine(config.DATABASE_URL));
  const database = createDatabase(config.DATABASE_URL, { max: 5 });
  // Fails fast while Redis is away (the pages answer without it); one log line per change.
  const redis = createWebRedis(config.REDIS_URL);
  watchRedisState(redis, logger, { component: 'web' });
  const replies = replyRoutesFrom(config, database.sql, logger);
  const app = buildServer({ sql: database.sql, redis, config, logger, replies: replies.deps });
  await app.listen({ host: config.HOST, port: config.PORT });
  // The port bound (PORT=0 picks a free one).
  const { port } = app.server.address() as { port: number };
  logger.info({ url: `http://${config.HOST}:${port}` }, 'web server listening');
  // app.close() stops accepting (new requests get 503), lets requests in flight finish, then closes the queues.
  await untilSignal(logger, async () => {
    await app.close();
    replies.close();
    redis.disconnect();
    await database.close();
    logger.info('web server stopped');
  });
}
