import { isIP } from 'node:net';
import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { resolveAllowedAddress, type NetworkPolicy } from '../../security/network-guard.ts';
import type { ImapServerSettings } from './imap-server-settings.ts';
import { isConnectionLost, mapImapError } from './map-imap-error.ts';

export interface ImapCredentials {
  server: ImapServerSettings;
  password: string;
}

export interface ImapSessionOptions {
  /** Read at the first connect (and again at each reconnect: a new app password is picked up). */
  credentials: () => Promise<ImapCredentials>;
  logger?: Logger;
  /** How long connecting, the greeting and any one answer may take; default 30 s. */
  timeoutMs?: number;
  /**
   * Which addresses the server may be on (src/security/network-guard.ts): the name is resolved
   * and checked before each connection, which then goes to the checked address. The sync and
   * the web app pass the operator's ALLOW_PRIVATE_SERVERS; absent, the name is connected to as it is.
   */
  network?: NetworkPolicy;
}

/**
 * The one connection of one mailbox. Servers limit connections per account (Gmail 15, iCloud
 * and Yahoo fewer, and a company Dovecot often 10 per user and address), and a person's own
 * mail client holds some of them: rekindle uses one, opened when first needed and closed when
 * the job ends.
 *
 * Operations take turns on it (IMAP selects one mailbox at a time). Every operation rekindle
 * runs only reads, so one that fails because the connection went away (the server restarted,
 * a NAT dropped it) is run again on a fresh connection, a few times over a few seconds, before
 * the failure is reported.
 */
export interface ImapSession {
  run<T>(operation: (client: ImapFlow) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * `connectTo`: the address checked for the server's name (resolveAllowedAddress); the name
 * still names the server to TLS (SNI and the certificate's check).
 */
export function imapClientOptions(
  credentials: ImapCredentials,
  timeoutMs = 30_000,
  connectTo?: string,
): ConstructorParameters<typeof ImapFlow>[0] {
  const { server, password } = credentials;
  const named = isIP(server.host.replace(/^\[|\]$/g, '')) === 0;
  return {
    host: connectTo ?? server.host,
    ...(named ? { servername: server.host } : {}),
    port: server.port,
    secure: server.security === 'tls',
    // STARTTLS is required when chosen (never a silent downgrade to plain text).
    doSTARTTLS: server.security === 'starttls' ? true : server.security === 'none' ? false : undefined,
    auth: { user: server.user, pass: password },
    tls: { rejectUnauthorized: !server.allowUntrustedCertificate, ...(named ? { servername: server.host } : {}) },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: timeoutMs,
    greetingTimeout: Math.min(timeoutMs, 16_000),
    socketTimeout: Math.max(timeoutMs, 60_000),
    clientInfo: { name: 'rekindle' },
  };
}

/**
 * Pauses before each new connection after one was lost: long enough for a server restart
 * (Dovecot is back within a second or two), short enough not to hold the job for long.
 */
const RECONNECT_PAUSES_MS = [0, 1_000, 3_000];

export function createImapSession(options: ImapSessionOptions): ImapSession {
  let client: ImapFlow | null = null;
  let where = { host: '?', port: 0 };
  let queue: Promise<unknown> = Promise.resolve();

  async function connected(): Promise<ImapFlow> {
    if (client?.usable) return client;
    client?.close();
    client = null;
    const credentials = await options.credentials();
    where = { host: credentials.server.host, port: credentials.server.port };
    const connectTo = options.network ? (await resolveAllowedAddress(credentials.server.host, options.network)).address : undefined;
    const fresh = new ImapFlow(imapClientOptions(credentials, options.timeoutMs, connectTo));
    // Errors also reach the pending command; this only keeps an unhandled 'error' from crashing.
    fresh.on('error', (err: Error) => options.logger?.debug({ err: err.message }, 'IMAP connection error'));
    try {
      await fresh.connect();
    } catch (error) {
      fresh.close();
      throw error;
    }
    options.logger?.debug('IMAP connected');
    client = fresh;
    return fresh;
  }

  async function attempt<T>(operation: (client: ImapFlow) => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await operation(await connected());
      } catch (error) {
        const lost = isConnectionLost(error) || client?.usable === false;
        if (!lost || retry >= RECONNECT_PAUSES_MS.length) throw mapImapError(error, where);
        options.logger?.info({ err: (error as Error).message, retry: retry + 1 }, 'IMAP connection lost; reconnecting');
        client?.close();
        client = null;
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_PAUSES_MS[retry]));
      }
    }
  }

  return {
    run(operation) {
      const result = queue.then(() => attempt(operation));
      queue = result.catch(() => {});
      return result;
    },
    async close() {
      await queue;
      const current = client;
      client = null;
      if (current?.usable) await current.logout().catch(() => current.close());
      else current?.close();
    },
  };
}
