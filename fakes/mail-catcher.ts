/**
 * A real SMTP server on loopback that keeps what it receives: the demo's local mail catcher
 * (when no SMTP_URL is set) and the tests' outgoing-mail sink. `behave` lets a test make it
 * refuse a message, hold its answer (to kill a sender mid-send) or drop the connection.
 */
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  raw: Buffer;
  envelope: { from: string | null; to: string[] };
}

/** What the catcher does with a message it has fully received. */
export type CatcherBehaviour = 'accept' | { reject: number; message: string } | 'drop' | { hold: Promise<void> };

export interface MailCatcher {
  url: string;
  port: number;
  /** Every message fully received (after its final dot), accepted or not. */
  received: CaughtMail[];
  /** The messages answered with 250. */
  accepted: CaughtMail[];
  behave: (mail: CaughtMail) => CatcherBehaviour;
  /**
   * Whether a message to `recipient` is in an SMTP conversation now (RCPT TO given, not yet
   * answered, connection still open): its sender may still learn the outcome.
   */
  inConversation(recipient: string): boolean;
  /** Resolves once `count` messages have been received. */
  waitForReceived(count: number, timeoutMs?: number): Promise<CaughtMail[]>;
  close(): Promise<void>;
}

export async function startMailCatcher(options: { host?: string; port?: number } = {}): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const waiters: (() => void)[] = [];
  /** Recipients of each session's message in progress, by session id. */
  const talking = new Map<string, string[]>();
  const catcher: MailCatcher = {
    url: '',
    port: 0,
    received: [],
    accepted: [],
    behave: () => 'accept',
    inConversation: (recipient) => [...talking.values()].some((to) => to.includes(recipient)),
    async waitForReceived(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (catcher.received.length < count) {
        if (Date.now() > deadline) throw new Error(`mail catcher: expected ${count} messages, got ${catcher.received.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return catcher.received.slice(0, count);
    },
    async close() {
      for (const connection of connectionsOf(server)) connection._socket?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: 25 * 1024 * 1024,
    // Nothing here uses the client's reverse DNS name; looking it up only costs time (and DNS).
    disableReverseLookup: true,
    onRcptTo(address, session, callback) {
      talking.set(session.id, [...(talking.get(session.id) ?? []), address.address]);
      callback();
    },
    onClose(session) {
      talking.delete(session.id);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const mail: CaughtMail = {
          raw: Buffer.concat(chunks),
          envelope: {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            to: session.envelope.rcptTo.map((r) => r.address),
          },
        };
        catcher.received.push(mail);
        for (const wake of waiters.splice(0)) wake();
        const behaviour = catcher.behave(mail);
        const answered = () => talking.delete(session.id);
        if (behaviour === 'accept') {
          catcher.accepted.push(mail);
          answered();
          return callback();
        }
        if (behaviour === 'drop') {
          answered();
          for (const connection of connectionsOf(server)) if (connection.session === session) connection._socket?.destroy();
          return;
        }
        if ('reject' in behaviour) {
          answered();
          return callback(Object.assign(new Error(behaviour.message), { responseCode: behaviour.reject }));
        }
        void behaviour.hold.then(() => {
          catcher.accepted.push(mail);
          answered();
          callback();
        });
      });
    },
  });
  // Connections the catcher drops on purpose end in socket errors; they are not failures here.
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.server.address();
  catcher.port = typeof address === 'object' && address ? address.port : 0;
  catcher.url = `smtp://${host}:${catcher.port}`;
  return catcher;
}

interface OpenConnection {
  session: unknown;
  _socket?: { destroy(): void };
}

/** smtp-server's open connections (not part of its typings). */
function connectionsOf(server: SMTPServer): OpenConnection[] {
  return [...((server as unknown as { connections?: Set<OpenConnection> }).connections ?? [])];
}
