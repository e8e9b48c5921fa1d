import { getConfig } from '../config/env.ts';
import { createDatabase } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import { createLogger } from '../log.ts';
import { createMailer } from '../mailer/create-mailer.ts';
import { handleInboundMessage } from '../replies/handle-reply.ts';
import { startInboundSmtp } from '../replies/inbound-smtp-server.ts';
import { untilSignal } from './run-commands.ts';

/**
 * `rekindle inbound`: the SMTP listener replies arrive at. Its own process, not part of
 * `work`: it is the one part that faces the internet (behind the MX of INBOUND_DOMAIN), runs
 * once rather than once per worker, and needs a port workers should not hold.
 */
export async function inboundCommand(): Promise<void> {
  const config = getConfig();
  const logger = createLogger(config.LOG_LEVEL);
  await runMigrations(config.DATABASE_URL);
  const database = createDatabase(config.DATABASE_URL, { max: 5 });
  const mailer = createMailer(config.SMTP_URL);
  const deps = {
    sql: database.sql,
    mailer,
    logger,
    settings: { mailFrom: config.MAIL_FROM, inboundDomain: config.INBOUND_DOMAIN, replyWindowDays: config.REPLY_WINDOW_DAYS },
  };
  const server = await startInboundSmtp({
    host: config.INBOUND_SMTP_HOST,
    port: config.INBOUND_SMTP_PORT,
    domain: config.INBOUND_DOMAIN,
    logger,
    handle: (raw, envelope) => handleInboundMessage(deps, raw, envelope),
  });
  await untilSignal(logger, async () => {
    await server.close();
    mailer.close();
    await database.close();
  });
}
