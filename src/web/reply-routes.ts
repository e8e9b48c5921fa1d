/** The reply routes `serve` mounts, from the environment (src/replies/reply-settings.ts has the pipeline's settings). */
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { dkimSettings, type Config } from '../config/env.ts';
import { createMailer } from '../mailer/create-mailer.ts';
import { handleInboundMessage } from '../replies/handle-reply.ts';
import { replySettingsFrom } from '../replies/reply-settings.ts';
import type { InboundWebhookDeps } from './inbound-webhook-route.ts';
import type { ReplyConfirmDeps } from './reply-confirm-route.ts';

/**
 * What `serve` needs for replies: the confirmation links of held replies (with LINK_SECRETS)
 * and the inbound webhook (with INBOUND_WEBHOOK_SECRET; it sends confirmations, so it gets a
 * mailer). `close` releases the mailer.
 */
export function replyRoutesFrom(
  config: Config,
  sql: Sql,
  logger: Logger,
): { deps: { confirm?: ReplyConfirmDeps; webhook?: InboundWebhookDeps }; close(): void } {
  const mailer = config.INBOUND_WEBHOOK_SECRET ? createMailer(config.SMTP_URL, { dkim: dkimSettings(config) }) : undefined;
  const settings = replySettingsFrom(config);
  const confirm: ReplyConfirmDeps | undefined = config.LINK_SECRETS
    ? {
        sql,
        keys: { secrets: config.LINK_SECRETS },
        logger,
        mailFrom: config.MAIL_FROM,
        replyWindowDays: config.REPLY_WINDOW_DAYS,
        mailer,
        digest: settings.digest,
      }
    : undefined;
  const webhook: InboundWebhookDeps | undefined =
    config.INBOUND_WEBHOOK_SECRET && mailer
      ? {
          secret: config.INBOUND_WEBHOOK_SECRET,
          maxBytes: config.INBOUND_MAX_BYTES,
          logger,
          handle: (raw, envelope) => handleInboundMessage({ sql, mailer, logger, settings }, raw, envelope),
        }
      : undefined;
  return { deps: { confirm, webhook }, close: () => mailer?.close() };
}
