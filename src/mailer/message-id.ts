/**
 * Message-IDs of the mail rekindle writes: `<rk.<tag>.<random>@<MAIL_FROM's domain>>`. The tag
 * says what kind of mail it is (c confirmation, n notice, r reconnect, p pause), which helps
 * when reading an SMTP log; the domain is the sender's, as RFC 5322 recommends.
 */
import { randomUUID } from 'node:crypto';

/** The domain of `MAIL_FROM` (`rekindle <digest@example.com>` → `example.com`). */
export function mailFromDomain(mailFrom: string): string {
  return mailFrom.match(/@([^>\s]+)>?\s*$/)?.[1] ?? 'localhost';
}

/**
 * A digest's Message-ID, `<rk.<32 hex>@<domain>>`: no tag, the form replies are recognized by
 * (src/replies/classify-inbound.ts). The weekly batch makes the same form in SQL
 * (src/digest/schedule-digests.ts), one per row.
 */
export function digestMessageId(domain: string): string {
  return `<rk.${randomUUID().replace(/-/g, '')}@${domain}>`;
}

export function newMessageId(tag: string, mailFrom: string): string {
  return `<rk.${tag}.${randomUUID().replace(/-/g, '')}@${mailFromDomain(mailFrom)}>`;
}
