/**
 * The IMAP inbound channel: a dedicated mailbox (say replies@example.com, the MX of
 * INBOUND_DOMAIN delivering there) that `rekindle inbound` watches. New mail is noticed at
 * once through IDLE, and a poll every INBOUND_IMAP_POLL_SECONDS catches what IDLE missed.
 * Each message's raw bytes go to the same pipeline as the SMTP listener's, then the message is
 * marked done — moved to INBOUND_IMAP_PROCESSED_MAILBOX, or flagged `$RekindleProcessed`
 * (and \Seen) where it lies. A message the pipeline could not process (Postgres down) stays
 * unmarked and is tried again at the next pass; one processed twice (marking failed after
 * processing) changes nothing, because the pipeline keys every message by its Message-ID.
 *
 * The connection is kept up: when it drops — the server restarted, the network went away — it
 * reconnects with a growing pause (up to a minute) and carries on where it stopped.
 *
 * Mail that arrives while a pass is running (the server announces it with the answer to a
 * FETCH or STORE of the pass, not during IDLE) wakes the next pass: a wake-up that finds the
 * watcher busy is kept, not dropped, or that mail would wait for the poll.
 */
import { EventEmitter } from 'node:events';
import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { Envelope } from './handle-reply.ts';
import { MAX_INBOUND_BYTES } from './inbound-smtp-server.ts';

export const PROCESSED_KEYWORD = '$RekindleProcessed';

export interface ImapInboundOptions {
  /** `imaps://user:password@host:993/INBOX`; `imap://` for plain or STARTTLS (when offered). */
  url: string;
  processedMailbox?: string | null;
  pollSeconds: number;
  logger: Logger;
  handle: (raw: Buffer, envelope: Envelope) => Promise<unknown>;
  maxBytes?: number;
  /** Pauses between reconnects, growing from `minMs` to `maxMs`. */
  reconnect?: { minMs: number; maxMs: number };
  /** Accept a self-signed certificate (tests). */
  allowUnauthorized?: boolean;
}

export interface ImapInboundEvents {
  /** A connection was made and the mailbox is about to be read; the count so far. */
  connected: [connections: number];
  /** A message was handed to the pipeline and marked; the count so far. */
  processed: [processed: number];
}

export interface ImapInbound extends EventEmitter<ImapInboundEvents> {
  /** Messages handed to the pipeline and marked, since start. */
  readonly processed: number;
  /** Times a connection was made (1 at first, more after reconnects). */
  readonly connections: number;
  close(): Promise<void>;
}

interface Target {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
}

export function parseImapUrl(url: string): Target {
  const u = new URL(url);
  const secure = u.protocol === 'imaps:';
  return {
    host: u.hostname,
    port: Number(u.port || (secure ? 993 : 143)),
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    mailbox: decodeURIComponent(u.pathname.replace(/^\/+/, '')) || 'INBOX',
  };
}

export function startImapInbound(options: ImapInboundOptions): ImapInbound {
  const target = parseImapUrl(options.url);
  const logger = options.logger.child({ channel: 'imap', host: target.host, mailbox: target.mailbox });
  const maxBytes = options.maxBytes ?? MAX_INBOUND_BYTES;
  const backoff = options.reconnect ?? { minMs: 1_000, maxMs: 60_000 };
  let stopped = false;
  let client: ImapFlow | null = null;
  const wakeup = createWakeup();
  const nudge = wakeup.nudge;
  const watcher = Object.assign(new EventEmitter<ImapInboundEvents>(), { processed: 0, connections: 0, close });

  const run = async () => {
    let pause = backoff.minMs;
    while (!stopped) {
      const current = new ImapFlow({
        host: target.host,
        port: target.port,
        secure: target.secure,
        auth: { user: target.user, pass: target.pass },
        logger: false,
        autoIdleDelay: 500,
        maxIdleTime: Math.max(5_000, options.pollSeconds * 1000),
        ...(options.allowUnauthorized ? { tls: { rejectUnauthorized: false } } : {}),
      });
      client = current;
      current.on('error', (err: Error) => logger.warn({ err: err.message }, 'IMAP connection error'));
      current.on('close', nudge);
      current.on('exists', nudge);
      try {
        logger.debug('IMAP inbound connecting');
        await current.connect();
        watcher.connections++;
        pause = backoff.minMs;
        logger.info({ connections: watcher.connections }, 'IMAP inbound connected');
        watcher.emit('connected', watcher.connections);
        // The connection is this watcher's alone: the mailbox stays selected without a lock,
        // because imapflow starts IDLE by itself only while no lock is held.
        const moveTo = options.processedMailbox ?? null;
        if (moveTo) await ensureMailbox(current, moveTo);
        const mailbox = await current.mailboxOpen(target.mailbox);
        const keywords = mailbox.permanentFlags?.has('\\*') ?? true;
        while (!stopped && current.usable) {
          // The pass's SEARCH sees everything announced until now; what is announced while it
          // runs wakes the next one.
          wakeup.clear();
          await processPending(current, { moveTo, keywords });
          if (stopped || !current.usable) break;
          // IDLE starts on its own while nothing runs; `exists`, the poll timer or a close wakes us.
          await wakeup.wait(options.pollSeconds * 1000);
        }
      } catch (error) {
        if (!stopped) logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'IMAP inbound disconnected');
      } finally {
        current.removeAllListeners('exists');
        current.removeAllListeners('close');
        if (current.usable) await current.logout().catch(() => current.close());
        else current.close();
      }
      if (stopped) break;
      // Only close() cuts the pause short; the next connection's SEARCH finds what came meanwhile.
      wakeup.clear();
      await wakeup.wait(pause);
      pause = Math.min(backoff.maxMs, pause * 2);
    }
  };

  const processPending = async (c: ImapFlow, how: { moveTo: string | null; keywords: boolean }) => {
    // Never-processed mail only (mail flagged before a folder was configured stays where it is).
    const query = how.keywords ? { unKeyword: PROCESSED_KEYWORD } : { seen: false };
    const uids = (await c.search(query, { uid: true })) || [];
    for (const uid of uids) {
      if (stopped || !c.usable) return;
      const message = await c.fetchOne(String(uid), { source: { maxLength: maxBytes + 1 }, size: true, envelope: true }, { uid: true });
      if (!message) continue;
      if ((message.size ?? 0) > maxBytes || !message.source || message.source.length > maxBytes) {
        logger.warn({ uid, size: message.size }, 'message too big for a reply; marked without reading');
      } else {
        try {
          await options.handle(message.source, { channel: 'imap', mailFrom: null, rcptTo: [] });
        } catch (error) {
          // Left unmarked: tried again at the next pass.
          logger.error({ uid, err: error instanceof Error ? error.message : String(error) }, 'reply not processed; will retry');
          return;
        }
      }
      if (how.moveTo) await c.messageMove(String(uid), how.moveTo, { uid: true });
      else await c.messageFlagsAdd(String(uid), how.keywords ? [PROCESSED_KEYWORD, '\\Seen'] : ['\\Seen'], { uid: true });
      watcher.processed++;
      watcher.emit('processed', watcher.processed);
    }
  };

  const done = run().catch((error: unknown) =>
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'IMAP inbound stopped'),
  );

  async function close(): Promise<void> {
    stopped = true;
    nudge();
    const c = client;
    if (c?.usable) await c.logout().catch(() => c.close());
    else c?.close();
    await done;
  }

  return watcher;
}

/**
 * What wakes the watcher's loop: `wait(ms)` ends at the first nudge or after `ms`. A nudge that
 * comes while nobody waits is kept for the next wait (until `clear()`), so it is never lost.
 */
function createWakeup() {
  let pending = false;
  let waiting: { resolve: () => void; timer: NodeJS.Timeout } | null = null;
  const nudge = () => {
    if (!waiting) {
      pending = true;
      return;
    }
    const { resolve, timer } = waiting;
    waiting = null;
    clearTimeout(timer);
    resolve();
  };
  return {
    nudge,
    clear() {
      pending = false;
    },
    wait(ms: number): Promise<void> {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        waiting = { resolve, timer: setTimeout(nudge, ms) };
        // The poll alone keeps no process alive (the connection does while it is up).
        waiting.timer.unref();
      });
    },
  };
}

async function ensureMailbox(client: ImapFlow, path: string): Promise<void> {
  const existing = await client.list();
  if (existing.some((m) => m.path === path)) return;
  await client.mailboxCreate(path);
}
