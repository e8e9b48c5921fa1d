/** The reply pipeline's settings from the environment, as `rekindle inbound` and `serve` use them. */
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { dkimSettings, type Config } from '../config/env.ts';
import type { DigestSettings } from '../digest/send-digest.ts';
import { createMailer } from '../mailer/create-mailer.ts';
import type { InboundWebhookDeps } from '../web/inbound-webhook-route.ts';
import type { ReplyConfirmDeps } from '../web/reply-confirm-route.ts';
import { handleInboundMessage, type ReplySettings } from './handle-reply.ts';

/** How digests (and the "more" lists replies ask for) are sent: the worker's settings. */
export function digestSettingsFrom(config: Config): DigestSettings {
  return {
    mailFrom: config.MAIL_FROM,
    inboundDomain: config.INBOUND_DOMAIN,
    publicUrl: config.PUBLIC_URL,
    budget: config.DIGEST_BUDGET,
    returnPath: config.DIGEST_RETURN_PATH,
    ...(config.LINK_SECRETS ? { actionLinks: { keys: { secrets: config.LINK_SECRETS }, publicUrl: config.PUBLIC_URL, days: config.ACTION_LINK_DAYS } } : {}),
  };
}

export function replySettingsFrom(config: Config): ReplySettings {
  return {
    mailFrom: config.MAIL_FROM,
    inboundDomain: config.INBOUND_DOMAIN,
    replyWindowDays: config.REPLY_WINDOW_DAYS,
    publicUrl: config.PUBLIC_URL,
    linkKeys: config.LINK_SECRETS ? { secrets: config.LINK_SECRETS } : null,
    authentication: { trustedAuthservIds: config.TRUSTED_AUTHSERV_IDS, mta: config.INBOUND_DOMAIN },
    digest: digestSettingsFrom(config),
  };
}

/**
 * What `serve` needs for replies: the confirmation links of held replies (with LINK_SECRETS)
 * and the inbound webhook (with INBOUND_WEBHOOK_SECRET; it sends confirmations, so it gets a
 * mailer). `close` releases the mailer.
 */
export function replyRoutesFrom(config: Config, sql: Sql, logger: Logger): { deps: { confirm?: ReplyConfirmDeps; webhook?: InboundWebhookDeps }; close(): void } {
  const mailer = config.INBOUND_WEBHOOK_SECRET ? createMailer(config.SMTP_URL, { dkim: dkimSettings(config) }) : undefined;
  const settings = replySettingsFrom(config);
  const confirm: ReplyConfirmDeps | undefined = config.LINK_SECRETS
    ? { sql, keys: { secrets: config.LINK_SECRETS }, logger, mailFrom: config.MAIL_FROM, replyWindowDays: config.REPLY_WINDOW_DAYS, mailer, digest: settings.digest }
    : undefined;
  const webhook: InboundWebhookDeps | undefined =
    config.INBOUND_WEBHOOK_SECRET && mailer
      ? { secret: config.INBOUND_WEBHOOK_SECRET, maxBytes: config.INBOUND_MAX_BYTES, logger, handle: (raw, envelope) => handleInboundMessage({ sql, mailer, logger, settings }, raw, envelope) }
      : undefined;
  return { deps: { confirm, webhook }, close: () => mailer?.close() };
}
