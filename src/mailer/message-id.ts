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

export function newMessageId(tag: string, mailFrom: string): string {
  return `<rk.${tag}.${randomUUID().replace(/-/g, '')}@${mailFromDomain(mailFrom)}>`;
}
