/**
 * Sends mail over real SMTP to the inbound listener, as a mail client or a mail server would,
 * and gives the tests a little DNS of their own: the users' domain `example.com` signs its mail
 * with a DKIM key made here and publishes `p=reject`, so mailauth can tell a genuine reply
 * from a forged one without any network.
 */
import nodemailer from 'nodemailer';
import type { ReplySettings } from '../src/replies/handle-reply.ts';
import { makeDkimKey, staticResolver, type DkimKey } from '../fakes/static-dns.ts';

export interface ReplyInput {
  port: number;
  from: string;
  to: string;
  subject?: string;
  text: string;
  html?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  /** The SMTP envelope sender; `''` is the null sender of bounces. */
  envelopeFrom?: string;
  /** Sign as the sender's provider would. */
  dkim?: DkimKey | null;
  /** Raw message bytes to send instead of composing one. */
  raw?: Buffer | string;
}

export async function sendReply(input: ReplyInput): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: input.port,
    secure: false,
    ignoreTLS: true,
    ...(input.dkim ? { dkim: { domainName: input.dkim.domain, keySelector: input.dkim.selector, privateKey: input.dkim.privateKey } } : {}),
  });
  const envelope = { from: input.envelopeFrom ?? input.from.replace(/^.*<|>.*$/g, ''), to: input.to.replace(/^.*<|>.*$/g, '') };
  try {
    if (input.raw !== undefined) {
      await transport.sendMail({ envelope, raw: input.raw });
      return;
    }
    await transport.sendMail({
      from: input.from,
      to: input.to,
      subject: input.subject ?? 'Re: Reconnect this week',
      text: input.text,
      html: input.html,
      messageId: input.messageId,
      inReplyTo: input.inReplyTo,
      references: input.references,
      headers: input.headers,
      envelope,
    });
  } finally {
    transport.close();
  }
}

/** The test world's mail DNS: example.com signs (DKIM) and says reject what is unsigned (DMARC). */
export interface TestMailDns {
  /** example.com's signing key. */
  key: DkimKey;
  /** Another domain's key: a forger signing with their own domain. */
  forgerKey: DkimKey;
  resolver: ReturnType<typeof staticResolver>;
}

let shared: TestMailDns | undefined;

export function testMailDns(): TestMailDns {
  if (shared) return shared;
  const key = makeDkimKey('example.com', 'mail2025');
  const forgerKey = makeDkimKey('evil.example', 'x');
  const resolver = staticResolver({
    [key.record.name]: [key.record.value],
    '_dmarc.example.com': ['v=DMARC1; p=reject; adkim=r; aspf=r'],
    'example.com': ['v=spf1 -all'],
    [forgerKey.record.name]: [forgerKey.record.value],
    '_dmarc.evil.example': ['v=DMARC1; p=none'],
  });
  shared = { key, forgerKey, resolver };
  return shared;
}

/** Reply settings for tests: the test DNS, the given trusted servers, links signed with a test secret. */
export function testReplySettings(
  overrides: Partial<ReplySettings> & { mailFrom: string; inboundDomain: string; publicUrl: string; replyWindowDays: number },
): ReplySettings {
  return {
    linkKeys: { secrets: ['test-link-secret-0123456789abcdef0123456789'] },
    authentication: { trustedAuthservIds: ['mx.rekindle.test'], mta: overrides.inboundDomain, resolver: testMailDns().resolver },
    ...overrides,
  };
}
