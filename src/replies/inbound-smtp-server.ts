/**
 * The built-in inbound channel: an SMTP server that takes mail for `*@INBOUND_DOMAIN` and
 * hands each message's raw bytes to `handle`. It answers 250 only once the reply is applied
 * (or deliberately ignored); when rekindle cannot process it (Postgres down) it answers 451,
 * so the sending server keeps the message and tries again — nothing is lost. Put it behind
 * your MX (or a relay) on port 25; it speaks plain SMTP and takes no authentication.
 */
import { SMTPServer } from 'smtp-server';
import type { Logger } from 'pino';
import type { Envelope } from './handle-reply.ts';

/** Replies are a few lines; anything bigger than this is not one. */
export const MAX_INBOUND_BYTES = 5 * 1024 * 1024;

export interface InboundSmtpOptions {
  host: string;
  port: number;
  domain: string;
  logger: Logger;
  handle: (raw: Buffer, envelope: Envelope) => Promise<unknown>;
}

export interface InboundSmtp {
  port: number;
  close(): Promise<void>;
}

export async function startInboundSmtp(options: InboundSmtpOptions): Promise<InboundSmtp> {
  const { logger } = options;
  const domain = options.domain.toLowerCase();
  const server = new SMTPServer({
    name: domain,
    banner: 'rekindle replies',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_INBOUND_BYTES,
    logger: false,
    onRcptTo(address, _session, callback) {
      const at = address.address.lastIndexOf('@');
      if (address.address.slice(at + 1).toLowerCase() !== domain) {
        return callback(Object.assign(new Error('No such recipient here'), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(Object.assign(new Error('Message too big for a reply'), { responseCode: 552 }));
        }
        const envelope: Envelope = {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
        };
        options.handle(Buffer.concat(chunks), envelope).then(
          () => callback(),
          (error: unknown) => {
            logger.error({ err: error instanceof Error ? error.message : String(error) }, 'inbound reply not processed; sender will retry');
            callback(Object.assign(new Error('Temporary failure, please try again later'), { responseCode: 451 }));
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
  logger.info({ host: options.host, port }, 'inbound SMTP listening');
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
