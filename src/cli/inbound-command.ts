import { dkimSettings, getConfig, inboundTls } from '../config/env.ts';
import { createDatabase } from '../db/client.ts';
import { createdDatabaseLine, runMigrations } from '../db/migrate.ts';
import { surviveClosedSocketWrites } from '../db/survive-closed-socket.ts';
import { createLogger } from '../log.ts';
import { createMailer } from '../mailer/create-mailer.ts';
import { handleInboundMessage } from '../replies/handle-reply.ts';
import { startImapInbound } from '../replies/imap-inbound.ts';
import { digestTokenExists, startInboundSmtp } from '../replies/inbound-smtp-server.ts';
import { replySettingsFrom } from '../replies/reply-settings.ts';
import { untilSignal } from './until-signal.ts';

/**
 * `rekindle inbound`: where replies arrive — the SMTP listener, and the IMAP mailbox watcher
 * when INBOUND_IMAP_URL is set. Its own process, not part of `work`: it is the one part that
 * faces the internet (behind the MX of INBOUND_DOMAIN), runs once rather than once per
 * worker (one IDLE connection, not one per worker), and needs a port workers should not hold.
 * The third channel, the webhook, is a route of `serve`.
 */
export async function inboundCommand(): Promise<void> {
  const config = getConfig();
  const logger = createLogger(config.LOG_LEVEL);
  surviveClosedSocketWrites(logger);
  const tls = inboundTls(config);
  const dkim = dkimSettings(config);
  const { created } = await runMigrations(config.DATABASE_URL);
  if (created) logger.info(createdDatabaseLine(config.DATABASE_URL));
  const database = createDatabase(config.DATABASE_URL, { max: 5 });
  const mailer = createMailer(config.SMTP_URL, { dkim });
  if (!config.LINK_SECRETS)
    logger.warn('LINK_SECRETS is not set: replies that cannot be verified get a notice without a confirmation link');
  const deps = { sql: database.sql, mailer, logger, settings: replySettingsFrom(config) };
  const handle = (raw: Buffer, envelope: Parameters<typeof handleInboundMessage>[2]) => handleInboundMessage(deps, raw, envelope);
  const server = await startInboundSmtp({
    host: config.INBOUND_SMTP_HOST,
    port: config.INBOUND_SMTP_PORT,
    domain: config.INBOUND_DOMAIN,
    logger,
    handle,
    knownToken: digestTokenExists(database.sql),
    maxBytes: config.INBOUND_MAX_BYTES,
    tls,
  });
  const imap = config.INBOUND_IMAP_URL
    ? startImapInbound({
        url: config.INBOUND_IMAP_URL,
        processedMailbox: config.INBOUND_IMAP_PROCESSED_MAILBOX ?? null,
        pollSeconds: config.INBOUND_IMAP_POLL_SECONDS,
        logger,
        handle,
        maxBytes: config.INBOUND_MAX_BYTES,
      })
    : null;
  await untilSignal(logger, async () => {
    await imap?.close();
    await server.close();
    mailer.close();
    await database.close();
  });
}
