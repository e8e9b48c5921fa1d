/**
 * rekindle's whole loop on one machine, as `rekindle demo` runs it and the e2e test checks
 * it: the Google emulator (or, with `provider: 'microsoft'`, the Microsoft Graph emulator; with
 * `provider: 'imap'`, a real Dovecot and Radicale, imap-demo-servers.ts) serves the sample
 * mailbox, the real workers sync it through googleapis (or the Graph client, or imapflow and
 * tsdav) into Postgres (queues on Redis), the scheduler sends the weekly digest over real
 * SMTP, and replies go over real SMTP to the inbound listener, which applies them and
 * confirms. Outgoing mail goes to SMTP_URL when given (e.g. Mailpit), else to a catcher on
 * loopback started here.
 */
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Logger } from 'pino';
import type { CalendarSourcesInput } from '../../src/accounts/calendar-sources.ts';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { loadConfig, type Config } from '../../src/config/env.ts';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { startGoogleEmulator } from '../google/index.ts';
import { startGraphEmulator } from '../microsoft/index.ts';
import type { ImapServerSettings, ProviderName } from '../../src/db/schema.ts';
import { createMailer, type Mailer, type SentMail } from '../../src/mailer/create-mailer.ts';
import { startMailCatcher, type MailCatcher } from '../mail-catcher.ts';
import { handleInboundMessage, type ReplyResult } from '../../src/replies/handle-reply.ts';
import { digestTokenExists, startInboundSmtp, type InboundSmtp } from '../../src/replies/inbound-smtp-server.ts';
import { replySettingsFrom } from '../../src/replies/reply-settings.ts';
import { tokenCipherFor } from '../../src/security/token-cipher.ts';
import { makeDkimKey, staticResolver } from '../static-dns.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { createWebRedis } from '../../src/queue/connection.ts';
import { replyRoutesFrom } from '../../src/web/reply-routes.ts';
import { buildServer } from '../../src/web/server.ts';
import { buildSampleMailbox, type SampleMailbox } from './sample-mailbox.ts';

export interface DemoLoopOptions {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** Outgoing SMTP; a loopback catcher is started when absent. */
  smtpUrl?: string;
  logger: Logger;
  /** Environment the worker config starts from (the demo passes process.env). */
  env?: Record<string, string | undefined>;
  /** Whose emulator serves the mailbox. Default google. */
  provider?: ProviderName;
  /**
   * Also serve the web app (`rekindle demo --keep-running`) on this loopback port, which the
   * digest's links then lead to: PUBLIC_URL is set to it, and one LINK_SECRETS (the
   * environment's, or one made for this run) signs for both the worker and the web app.
   */
  webPort?: number;
}

export interface DemoDigest {
  id: string;
  token: string;
  messageId: string;
  replyTo: string;
  raw: Buffer;
  mail: ParsedMail;
}

export interface DemoReply {
  result: ReplyResult;
  confirmation: ParsedMail | null;
}

export interface DemoLoop {
  sample: SampleMailbox;
  /** Which emulator (or servers) serve the mailbox (for the demo to say). */
  emulatorName: string;
  /** Events the calendar server holds (none where the IMAP demo has no CalDAV server). */
  eventsServed: number;
  /** What the person should know about this run (a server that is not installed). */
  notes: string[];
  config: Config;
  database: Database;
  userId: string;
  accountId: string;
  /** Everything rekindle sent, in order, as the SMTP server received it. */
  sent: SentMail[];
  catcher: MailCatcher | null;
  inboundPort: number;
  /** The web app's address, when `webPort` was given. */
  webUrl: string | null;
  /** Resolves when both streams finished their first sync and contacts are computed. */
  waitUntilSynced(onProgress?: (line: string, mailShare: number) => void): Promise<void>;
  /** The digest the scheduler sent once the first sync finished. */
  waitForDigest(timeoutMs?: number): Promise<DemoDigest>;
  /** Sends `text` as the owner's reply to the digest, over SMTP, quoting it as Gmail does. */
  reply(digest: DemoDigest, text: string): Promise<DemoReply>;
  close(): Promise<void>;
}

export async function startDemoLoop(options: DemoLoopOptions): Promise<DemoLoop> {
  // On a whole second: Graph keeps no milliseconds, and both emulators then serve the same dates.
  const sample = buildSampleMailbox({ now: new Date(Math.floor(Date.now() / 1000) * 1000) });
  const provider = options.provider ?? 'google';
  const emulator = await startDemoEmulator(provider, sample);
  const catcher = options.smtpUrl ? null : await startMailCatcher();
  const smtpUrl = options.smtpUrl ?? catcher!.url;
  const webUrl = options.webPort ? `http://127.0.0.1:${options.webPort}` : null;
  const config = loadConfig({
    ...(options.env ?? {}),
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: options.queuePrefix,
    ...emulator.env,
    SCHEDULER_TICK_SECONDS: '0.5',
    // The demo's Dovecot and Radicale listen on loopback.
    ALLOW_PRIVATE_SERVERS: 'true',
    SMTP_URL: smtpUrl,
    ...(webUrl
      ? {
          PUBLIC_URL: webUrl,
          HOST: '127.0.0.1',
          PORT: String(options.webPort),
          LINK_SECRETS: options.env?.LINK_SECRETS || randomBytes(32).toString('hex'),
        }
      : {}),
  });
  const sent: SentMail[] = [];
  const smtp = createMailer(config.SMTP_URL);
  const mailer: Mailer = {
    async send(mail) {
      const result = await smtp.send(mail);
      sent.push(result);
      return result;
    },
    close: () => smtp.close(),
  };
  const database = createDatabase(options.databaseUrl, { max: 4 });
  // The owner's mail provider signs their replies, and its DNS vouches for them (DKIM and a
  // DMARC policy), as a real one does: the inbound listener verifies them like any other.
  const ownerDomain = sample.owner.email.split('@')[1]!;
  const ownerDkim = makeDkimKey(ownerDomain, 'demo');
  const resolver = staticResolver({ [ownerDkim.record.name]: [ownerDkim.record.value], [`_dmarc.${ownerDomain}`]: ['v=DMARC1; p=reject'] });
  const settings = replySettingsFrom(config);
  const replyDeps = {
    sql: database.sql,
    mailer,
    logger: options.logger,
    settings: { ...settings, authentication: { ...settings.authentication, resolver } },
  };
  const results: ReplyResult[] = [];
  let inbound: InboundSmtp | null = null;
  let worker: WorkerHandle | null = null;
  let web: { app: FastifyInstance; redis: Redis; close(): void } | null = null;
  const closeWeb = async () => {
    await web?.app.close();
    web?.close();
    web?.redis.disconnect();
  };
  try {
    inbound = await startInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      domain: config.INBOUND_DOMAIN,
      logger: options.logger,
      handle: async (raw, envelope) => results.push(await handleInboundMessage(replyDeps, raw, envelope)),
      knownToken: digestTokenExists(database.sql),
    });
    worker = await startWorker({ config, logger: options.logger, mailer });
    const { userId, accountId } = await connectAccount(
      database.sql,
      {
        userEmail: sample.owner.email,
        provider,
        accountEmail: sample.owner.email,
        refreshToken: emulator.refreshToken,
        imapServer: emulator.imapServer ?? null,
        ...(emulator.calendarSources ? { calendarSources: emulator.calendarSources } : {}),
      },
      tokenCipherFor(config),
    );
    await database.sql`update users set name = ${sample.owner.name} where id = ${userId}`;
    if (webUrl) {
      // As `rekindle serve` builds it (src/cli/run-commands.ts), on the demo's config.
      const redis = createWebRedis(config.REDIS_URL);
      redis.on('error', () => undefined);
      const replies = replyRoutesFrom(config, database.sql, options.logger);
      const app = buildServer({ sql: database.sql, redis, config, logger: options.logger, replies: replies.deps });
      web = { app, redis, close: replies.close };
      await app.listen({ host: '127.0.0.1', port: options.webPort! });
    }
    const inboundPort = inbound.port;
    const loop: DemoLoop = {
      sample,
      emulatorName: emulator.name,
      eventsServed: emulator.eventsServed,
      notes: emulator.notes,
      config,
      database,
      userId,
      accountId,
      sent,
      catcher,
      inboundPort,
      webUrl,
      async waitUntilSynced(onProgress) {
        let last = '';
        for (;;) {
          const streams = await database.sql<{ stream: string; items: number; done: boolean }[]>`
            select stream, items_synced::int as items, backfill_completed_at is not null and lease_owner is null as done
              from sync_streams where account_id = ${accountId} order by stream`;
          const [user] = await database.sql<{ fresh: boolean }[]>`
            select contacts_computed_at is not null and contacts_computed_at >= coalesce(contacts_dirty_at, '-infinity') as fresh
              from users where id = ${userId}`;
          const mail = streams.find((s) => s.stream === 'mail');
          const calendar = streams.find((s) => s.stream === 'calendar');
          const line = `Syncing: mail ${mail?.items ?? 0}/${sample.seed.messages.length} messages, calendar ${calendar?.items ?? 0} events`;
          if (line !== last) onProgress?.(line, Math.min(1, (mail?.items ?? 0) / Math.max(1, sample.seed.messages.length)));
          last = line;
          if (streams.length === 2 && streams.every((s) => s.done) && user?.fresh) return;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
      async waitForDigest(timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const [row] = await database.sql<{ id: string; token: string; messageId: string; status: string }[]>`
            select id, token, message_id as "messageId", status from digests where user_id = ${userId} order by created_at desc limit 1`;
          if (row && !['queued', 'preparing', 'sending'].includes(row.status)) {
            if (row.status !== 'sent') throw new Error(`the digest was not sent (${row.status})`);
            const raw = sent.find((m) => m.messageId === row.messageId)?.raw;
            if (!raw) throw new Error('the digest was sent by another process');
            return {
              id: row.id,
              token: row.token,
              messageId: row.messageId,
              replyTo: `reply+${row.token}@${config.INBOUND_DOMAIN}`,
              raw,
              mail: await simpleParser(raw),
            };
          }
          if (Date.now() > deadline) throw new Error('timed out waiting for the digest');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
      async reply(digest, text) {
        const before = sent.length;
        const count = results.length;
        const quoted = (digest.mail.text ?? '')
          .trimEnd()
          .split('\n')
          .map((l) => (l ? `> ${l}` : '>'));
        const date = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(
          digest.mail.date ?? new Date(),
        );
        const transport = nodemailer.createTransport({
          host: '127.0.0.1',
          port: inboundPort,
          secure: false,
          ignoreTLS: true,
          dkim: { domainName: ownerDkim.domain, keySelector: ownerDkim.selector, privateKey: ownerDkim.privateKey },
        });
        try {
          await transport.sendMail({
            from: `${sample.owner.name} <${sample.owner.email}>`,
            to: digest.replyTo,
            subject: `Re: ${digest.mail.subject ?? ''}`,
            inReplyTo: digest.messageId,
            references: [digest.messageId],
            text: `${text}\n\nOn ${date}, ${config.MAIL_FROM} wrote:\n\n${quoted.join('\n')}\n`,
          });
        } finally {
          transport.close();
        }
        // The listener answers 250 only after the reply is applied and the confirmation sent.
        const result = results[count]!;
        const confirmation = sent.length > before ? await simpleParser(sent.at(-1)!.raw) : null;
        return { result, confirmation };
      },
      async close() {
        await closeWeb();
        await worker?.close();
        await inbound?.close();
        mailer.close();
        await catcher?.close();
        await emulator.close();
        await database.close();
      },
    };
    return loop;
  } catch (error) {
    await closeWeb();
    await worker?.close();
    await inbound?.close();
    mailer.close();
    await catcher?.close();
    await emulator.close();
    await database.close();
    throw error;
  }
}

interface DemoEmulator {
  /** What the demo says it runs. */
  name: string;
  /** Worker settings that point rekindle at it. */
  env: Record<string, string>;
  /** The grant the demo account is connected with (IMAP: the app password). */
  refreshToken: string;
  /** IMAP: where the mailbox is. */
  imapServer?: ImapServerSettings;
  /** IMAP: where its meetings are. */
  calendarSources?: CalendarSourcesInput | null;
  eventsServed: number;
  notes: string[];
  close(): Promise<void>;
}

/** The emulator serving the sample mailbox, with the settings that point rekindle at it. */
async function startDemoEmulator(provider: ProviderName, sample: SampleMailbox): Promise<DemoEmulator> {
  if (provider === 'imap') {
    // Loaded only for this provider: it brings the test kit's server starters.
    const servers = await (await import('./imap-demo-servers.ts')).startImapDemoServers(sample);
    return {
      name: servers.name,
      env: {},
      refreshToken: servers.password,
      imapServer: servers.imapServer,
      calendarSources: servers.calendarSources,
      eventsServed: servers.eventsServed,
      notes: servers.notes,
      close: servers.close,
    };
  }
  if (provider === 'microsoft') {
    // Outlook's own limits (10,000 requests per 10 minutes, 4 at a time) leave the demo fast.
    const graph = await startGraphEmulator();
    graph.addMailbox(sample.seed, { displayName: sample.owner.name });
    return {
      name: 'Microsoft Graph emulator',
      env: {
        MICROSOFT_CLIENT_ID: graph.clientId,
        MICROSOFT_CLIENT_SECRET: graph.clientSecret,
        MICROSOFT_GRAPH_URL: graph.graphUrl,
        MICROSOFT_LOGIN_URL: graph.loginUrl,
      },
      refreshToken: graph.issueRefreshToken(sample.owner.email),
      eventsServed: sample.seed.events?.length ?? 0,
      notes: [],
      close: () => graph.close(),
    };
  }
  // Ten times Gmail's real quota, so the demo takes seconds; pacing works the same way.
  const google = await startGoogleEmulator({ quotaUnitsPerMinute: 60_000 });
  google.addMailbox(sample.seed);
  return {
    name: 'Gmail emulator',
    env: {
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      GOOGLE_API_URL: google.url,
      GOOGLE_TOKEN_URL: google.tokenUrl,
      // Its consent screen consents at once: "Connect Google" in the web app signs the owner in.
      GOOGLE_AUTH_URL: google.authUrl,
      GMAIL_QUOTA_UNITS_PER_MINUTE: '60000',
    },
    refreshToken: google.issueRefreshToken(sample.owner.email),
    eventsServed: sample.seed.events?.length ?? 0,
    notes: [],
    close: () => google.close(),
  };
}
