/**
 * Outgoing mail. Every message is composed to its final bytes first (so the Message-ID is
 * known, and recorded, before anything leaves) and then handed to the SMTP server at
 * `SMTP_URL` as those bytes. The contract: `send` resolves once the server accepted the
 * message (250 after DATA) and rejects otherwise; `wasNotSent` tells a failure that left
 * nothing at the server from one where the message may have gone anyway.
 */
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import DKIM from 'nodemailer/lib/dkim';
import { buildMessage, type Mailbox } from './mime-message.ts';

export interface OutgoingMail {
  from: string;
  /** `Name <a@b>`, or the name and address apart (no quoting to get right). */
  to: string | Mailbox;
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
  /** The SMTP envelope sender (Return-Path) when it is not From's address: where bounces go. */
  envelopeFrom?: string;
}

/** DKIM signing of everything the mailer sends (nodemailer's signer). */
export interface DkimOptions {
  domainName: string;
  keySelector: string;
  /** PEM. */
  privateKey: string;
}

/**
 * The header fields a signature covers: nodemailer's defaults (RFC 6376 5.4.1's list, the
 * List-* fields), written out so that List-Unsubscribe and List-Unsubscribe-Post are signed —
 * RFC 8058 one-click only counts when they are — and Auto-Submitted with them.
 */
export const DKIM_SIGNED_FIELDS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:Content-ID:' +
  'Content-Description:In-Reply-To:References:List-Id:List-Help:List-Unsubscribe:List-Unsubscribe-Post:List-Subscribe:' +
  'List-Post:List-Owner:List-Archive:Auto-Submitted';

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

/** SMTP connections a pooled mailer keeps open at most. */
const POOL_CONNECTIONS = 4;

/** A mailer that talks SMTP to `smtpUrl` (`smtp://host:port`, `smtps://user:pass@host:465`), DKIM-signing when given a key. */
export function createMailer(smtpUrl: string, options: { dkim?: DkimOptions | null; pool?: boolean } = {}): Mailer {
  const url = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    // Pooled (the workers' digests): a few connections kept open and reused, instead of a
    // connection, greeting and EHLO per message — at thousands of digests an hour that is
    // most of what sending costs. A message that fails on a pooled connection fails as it
    // would on its own one: `wasNotSent` decides either way.
    ...(options.pool ? { pool: true, maxConnections: POOL_CONNECTIONS, maxMessages: 500 } : {}),
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
      const raw = await composeMail(mail, options.dkim ?? null);
      const info = await handOver(transport.transporter as unknown as TransportSend, {
        envelope: { from: mail.envelopeFrom ?? addressOf(mail.from), to: [addressOf(mail.to)] },
        messageId: mail.messageId,
        raw,
      });
      return { messageId: mail.messageId, response: String(info.response ?? ''), raw };
    },
    close() {
      transport.close();
    },
  };
}

/** The message's bytes: multipart/alternative when there is HTML, UTF-8, quoted-printable; DKIM-signed with a key. */
export async function composeMail(mail: OutgoingMail, dkim: DkimOptions | null = null): Promise<Buffer> {
  const message = await buildMail(mail);
  if (!dkim) return message;
  const signed = new DKIM({ ...dkim, headerFieldNames: DKIM_SIGNED_FIELDS }).sign(message);
  const chunks: Buffer[] = [];
  for await (const chunk of signed) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function buildMail(mail: OutgoingMail): Promise<Buffer> {
  return Promise.resolve(buildMessage({ ...mail, date: mail.date ?? new Date() }));
}

interface Envelope {
  from: string;
  to: string[];
}

/** nodemailer's transport interface (the pool, or a connection per message). */
interface TransportSend {
  send(mail: unknown, callback: (err: Error | null, info?: { response?: string }) => void): void;
}

/**
 * The composed bytes straight to the transport's own `send` (nodemailer's transport
 * interface: the pool, or a connection per message), past `sendMail`, which would parse the
 * finished message again into a tree of MIME nodes and run its plugins over it — as much CPU
 * as composing it. The message object is the part of nodemailer's that its transports read.
 */
function handOver(
  transporter: TransportSend,
  message: { envelope: Envelope; messageId: string; raw: Buffer },
): Promise<{ response?: string }> {
  const mail = {
    data: {},
    message: {
      getEnvelope: () => ({ from: message.envelope.from, to: [...message.envelope.to] }),
      messageId: () => message.messageId,
      getHeader: (key: string) => (key.toLowerCase() === 'message-id' ? message.messageId : undefined),
      createReadStream: () => Readable.from([message.raw], { objectMode: false }),
    },
  };
  return new Promise((resolve, reject) => transporter.send(mail, (err, info) => (err ? reject(err) : resolve(info ?? {}))));
}

/** `Name <a@b>` → `a@b`. */
export function addressOf(value: string | Mailbox): string {
  if (typeof value !== 'string') return value.address.trim();
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
