import { getConfig } from '../config/env.ts';
import { runMigrations } from '../db/migrate.ts';
import { surviveClosedSocketWrites } from '../db/survive-closed-socket.ts';
import { createDatabase } from '../db/client.ts';
import { createLogger } from '../log.ts';
import { createRedis } from '../queue/connection.ts';
import { replyRoutesFrom } from '../replies/reply-settings.ts';
import { buildServer } from '../web/server.ts';
import { untilSignal } from './until-signal.ts';

export async function migrateCommand(): Promise<void> {
  const config = getConfig();
  await runMigrations(config.DATABASE_URL);
  process.stdout.write('Database is up to date.\n');
}

export async function serveCommand(): Promise<void> {
  const config = getConfig();
  const logger = createLogger(config.LOG_LEVEL);
  surviveClosedSocketWrites(logger);
  await runMigrations(config.DATABASE_URL);
  const database = createDatabase(config.DATABASE_URL, { max: 5 });
  const redis = createRedis(config.REDIS_URL);
  const replies = replyRoutesFrom(config, database.sql, logger);
  const app = buildServer({ sql: database.sql, redis, config, logger, replies: replies.deps });
  await app.listen({ host: config.HOST, port: config.PORT });
  logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'web server listening');
  // app.close() stops accepting (new requests get 503), lets requests in flight finish, then closes the queues.
  await untilSignal(logger, async () => {
    await app.close();
    replies.close();
    redis.disconnect();
    await database.close();
    logger.info('web server stopped');
  });
}
