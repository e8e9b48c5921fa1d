/**
 * Outgoing mail. Every message is composed to its final bytes first (so the Message-ID is
 * known, and recorded, before anything leaves) and then handed to the SMTP server at
 * `SMTP_URL` as those bytes. The contract: `send` resolves once the server accepted the
 * message (250 after DATA) and rejects otherwise; `wasNotSent` tells a failure that left
 * nothing at the server from one where the message may have gone anyway.
 */
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** With angle brackets: `<id@domain>`. */
  messageId: string;
  replyTo?: string;
  inReplyTo?: string;
  references?: string[];
  date?: Date;
  /** Further headers, written as given (List-Unsubscribe, Auto-Submitted, …). */
  headers?: Record<string, string>;
}

export interface SentMail {
  messageId: string;
  /** The server's answer to the end of DATA. */
  response: string;
  /** The message exactly as sent. */
  raw: Buffer;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

/** A mailer that talks SMTP to `smtpUrl` (`smtp://host:port`, `smtps://user:pass@host:465`). */
export function createMailer(smtpUrl: string): Mailer {
  const url = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    // A hung server must not hold a digest job for minutes: fail, and let the caller decide.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  return {
    async send(mail) {
      const raw = await composeMail(mail);
      const info = await transport.sendMail({ envelope: { from: addressOf(mail.from), to: [addressOf(mail.to)] }, raw });
      return { messageId: mail.messageId, response: String(info.response ?? ''), raw };
    },
    close() {
      transport.close();
    },
  };
}

/** The message's bytes: multipart/alternative when there is HTML, UTF-8, quoted-printable. */
export function composeMail(mail: OutgoingMail): Promise<Buffer> {
  const composer = new MailComposer({
    from: mail.from,
    to: mail.to,
    replyTo: mail.replyTo,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    date: mail.date ?? new Date(),
    headers: mail.headers,
    textEncoding: 'quoted-printable',
  });
  return new Promise((resolve, reject) => composer.compile().build((err, message) => (err ? reject(err) : resolve(message))));
}

/** `Name <a@b>` → `a@b`. */
export function addressOf(value: string): string {
  const match = /<([^<>]+)>\s*$/.exec(value);
  return (match ? match[1]! : value).trim();
}

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const BEFORE_DATA = new Set(['EENVELOPE', 'EAUTH', 'EMESSAGE', 'ETLS', 'EDNS', 'EREQUIRETLS', 'EENVELOPEFORMAT']);

/**
 * True when the failure left nothing at the server: it answered with an error (4xx/5xx —
 * including to the end of DATA), or the message never started (no connection, a refused
 * sender or recipient, bad credentials). False when the connection broke or timed out
 * while the message may have been accepted: then nobody knows, and it must not be resent.
 */
export function wasNotSent(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: string; originalCode?: string; responseCode?: number };
  if (typeof e.responseCode === 'number' && e.responseCode >= 400) return true;
  if (e.code && BEFORE_DATA.has(e.code)) return true;
  if (e.originalCode && NOT_CONNECTED.has(e.originalCode)) return true;
  return NOT_CONNECTED.has(e.code ?? '');
}
