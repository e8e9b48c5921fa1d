/** The reply pipeline's settings from the environment, as `rekindle inbound` and `serve` use them. */
import type { Config } from '../config/env.ts';
import type { DigestSettings } from '../digest/send-digest.ts';
import type { ReplySettings } from './handle-reply.ts';

/** How digests (and the "more" lists replies ask for) are sent: the worker's settings. */
export function digestSettingsFrom(config: Config): DigestSettings {
  return {
    mailFrom: config.MAIL_FROM,
    inboundDomain: config.INBOUND_DOMAIN,
    publicUrl: config.PUBLIC_URL,
    budget: config.DIGEST_BUDGET,
    returnPath: config.DIGEST_RETURN_PATH,
    ...(config.LINK_SECRETS
      ? { actionLinks: { keys: { secrets: config.LINK_SECRETS }, publicUrl: config.PUBLIC_URL, days: config.ACTION_LINK_DAYS } }
      : {}),
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
