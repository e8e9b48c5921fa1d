/**
 * rekindle's own Message-IDs come from one place (src/mailer/message-id.ts): one reading of
 * MAIL_FROM's domain, and one form per kind of mail.
 */
import { describe, expect, it } from 'vitest';
import { digestMessageId, mailFromDomain, newMessageId } from '../../src/mailer/message-id.ts';

describe('rekindle’s Message-IDs', () => {
  it('take MAIL_FROM’s domain however MAIL_FROM is written', () => {
    expect(mailFromDomain('rekindle <digest@example.com>')).toBe('example.com');
    expect(mailFromDomain('digest@example.com')).toBe('example.com');
    expect(mailFromDomain('"Keep, in touch" <digest@mail.example.org> ')).toBe('mail.example.org');
    expect(mailFromDomain('no address here')).toBe('localhost');
  });

  it('give digests the untagged form and other mail a tag, each unique', () => {
    const digest = digestMessageId('example.com');
    expect(digest).toMatch(/^<rk\.[0-9a-f]{32}@example\.com>$/);
    expect(digestMessageId('example.com')).not.toBe(digest);
    expect(newMessageId('c', 'rekindle <digest@example.com>')).toMatch(/^<rk\.c\.[0-9a-f]{32}@example\.com>$/);
  });
});
