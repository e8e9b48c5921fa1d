/**
 * The built-in inbound channel: an SMTP server that takes mail for the addresses rekindle
 * hands out at INBOUND_DOMAIN — `reply+<token>` of a digest, `bounce+<token>` (a digest's
 * return path), the bare `reply`, `postmaster` and `abuse` — and refuses every other recipient at RCPT time (550), so
 * nothing is accepted only to be dropped; a connection that tries MAX_FAILED_RECIPIENTS unknown
 * recipients is dropped. Each message's raw bytes go to `handle` with the
 * envelope and the connecting client (for DKIM/SPF/DMARC). It answers 250 only once the reply
 * is applied (or deliberately ignored); when rekindle cannot process it (Postgres down) it
 * answers 451, so the sending server keeps the message and tries again — nothing is lost.
 *
 * Put it behind your MX (or a relay) on port 25. It takes no authentication; with a key and
 * certificate it offers STARTTLS. Messages over the size limit are refused (552).
 */
import { SMTPServer } from 'smtp-server';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { digestTokenKnown } from '../digest/find-digest.ts';
import type { Envelope } from './handle-reply.ts';

/** Replies are a few lines; anything bigger than this is not one. */
export const MAX_INBOUND_BYTES = 5 * 1024 * 1024;

export interface InboundSmtpOptions {
  host: string;
  port: number;
  domain: string;
  logger: Logger;
  handle: (raw: Buffer, envelope: Envelope) => Promise<unknown>;
  /**
   * Whether a `reply+<token>` / `bounce+<token>` recipient names a digest that exists (the
   * token is checked in Postgres). Without it, any address at the domain is taken.
   */
  knownToken?: (token: string) => Promise<boolean>;
  maxBytes?: number;
  /** PEM key and certificate: offers STARTTLS. */
  tls?: { key: Buffer; cert: Buffer } | null;
}

export interface InboundSmtp {
  port: number;
  close(): Promise<void>;
}

/** Recipients per message: the reply address, maybe its bounce twin and postmaster. */
export const MAX_RECIPIENTS = 10;
/**
 * Refused recipients one connection may try before it is dropped (421). A mail server delivers
 * to the one reply address it was given; a client going through unknown tokens is guessing
 * them, and each guess costs a lookup.
 */
export const MAX_FAILED_RECIPIENTS = 5;
/** Connections at once; mail servers queue and retry when refused. */
const MAX_CLIENTS = 100;

const TOKEN_ADDRESS = /^(?:reply|bounce)\+([a-z0-9]{16,64})$/i;

export async function startInboundSmtp(options: InboundSmtpOptions): Promise<InboundSmtp> {
  const { logger } = options;
  const domain = options.domain.toLowerCase();
  const maxBytes = options.maxBytes ?? MAX_INBOUND_BYTES;
  const refuse = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });
  // smtp-server keeps one session object per connection (a new transaction only resets its envelope).
  const failedRecipients = new WeakMap<object, number>();
  const unknownRecipient = (session: object) => {
    const failed = (failedRecipients.get(session) ?? 0) + 1;
    failedRecipients.set(session, failed);
    // A 421 makes smtp-server close the connection after answering.
    return failed >= MAX_FAILED_RECIPIENTS
      ? refuse('Too many unknown recipients, closing connection', 421)
      : refuse('No such recipient here', 550);
  };
  const server = new SMTPServer({
    name: domain,
    banner: 'rekindle replies',
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    size: maxBytes,
    maxClients: MAX_CLIENTS,
    logger: false,
    // Nothing here uses the client's reverse DNS name; looking it up only costs time (and DNS).
    disableReverseLookup: true,
    onMailFrom(address, _session, callback) {
      // A client that announced a size over the limit is refused before it sends anything.
      const args = address.args as Record<string, string> | false | undefined;
      const declared = Number((args && args.SIZE) || 0);
      if (declared > maxBytes) return callback(refuse(`Message too big for a reply (at most ${maxBytes} bytes)`, 552));
      callback();
    },
    onRcptTo(address, session, callback) {
      // A reply goes to one address; a long list is someone probing tokens, one lookup each.
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return callback(refuse('Too many recipients', 452));
      if ((failedRecipients.get(session) ?? 0) >= MAX_FAILED_RECIPIENTS)
        return callback(refuse('Too many unknown recipients, closing connection', 421));
      const at = address.address.lastIndexOf('@');
      const local = address.address.slice(0, at).toLowerCase();
      if (address.address.slice(at + 1).toLowerCase() !== domain) return callback(unknownRecipient(session));
      // The bare reply address: a relay that dropped the +token; References still find the digest.
      if (local === 'postmaster' || local === 'abuse' || local === 'reply') return callback();
      const token = TOKEN_ADDRESS.exec(local)?.[1];
      if (!token) return callback(unknownRecipient(session));
      if (!options.knownToken) return callback();
      options.knownToken(token.toLowerCase()).then(
        (known) => callback(known ? undefined : unknownRecipient(session)),
        (error: unknown) => {
          logger.error({ err: error instanceof Error ? error.message : String(error) }, 'recipient not checked; sender will retry');
          callback(refuse('Temporary failure, please try again later', 451));
        },
      );
    },
    onData(stream, session, callback) {
      // smtp-server only flags an oversized message and keeps streaming it: a client that
      // announced no SIZE (or lied) must not make us hold more than the limit in memory.
      const chunks: Buffer[] = [];
      let held = 0;
      stream.on('data', (chunk: Buffer) => {
        if (held > maxBytes) return;
        held += chunk.length;
        chunks.push(chunk);
      });
      stream.on('error', callback);
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded || held > maxBytes) {
          return callback(refuse('Message too big for a reply', 552));
        }
        const envelope: Envelope = {
          channel: 'smtp',
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          client: { ip: session.remoteAddress.replace(/^::ffff:/, ''), helo: session.hostNameAppearsAs || null },
        };
        options.handle(Buffer.concat(chunks), envelope).then(
          () => callback(),
          (error: unknown) => {
            logger.error({ err: error instanceof Error ? error.message : String(error) }, 'inbound reply not processed; sender will retry');
            callback(refuse('Temporary failure, please try again later', 451));
          },
        );
      });
    },
  });
  server.on('error', (err) => logger.warn({ err: err.message }, 'inbound SMTP connection error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info({ host: options.host, port, starttls: Boolean(options.tls) }, 'inbound SMTP listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const connection of (server as unknown as { connections?: Set<{ _socket?: { destroy(): void } }> }).connections ?? []) {
          connection._socket?.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

/** `knownToken` for the listener: a digest with that token exists. */
export function digestTokenExists(sql: Sql): (token: string) => Promise<boolean> {
  return (token) => digestTokenKnown(sql, token);
}
