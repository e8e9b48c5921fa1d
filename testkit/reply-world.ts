/**
 * Two users of example.com with a digest each, sent over real SMTP to a catcher, and the
 * inbound SMTP listener running the real pipeline (mailauth against the test DNS of
 * reply-harness.ts): the stage the reply tests play on.
 */
import { simpleParser } from 'mailparser';
import { queueDueDigests } from '../src/digest/schedule-digests.ts';
import { sendDigest, type DigestSettings } from '../src/digest/send-digest.ts';
import { createMailer, type Mailer } from '../src/mailer/create-mailer.ts';
import { startMailCatcher, type CaughtMail, type MailCatcher } from '../fakes/mail-catcher.ts';
import { handleInboundMessage, type Envelope, type ReplyDeps, type ReplyResult } from '../src/replies/handle-reply.ts';
import { digestTokenExists, startInboundSmtp, type InboundSmtp } from '../src/replies/inbound-smtp-server.ts';
import { seedDigestUser } from './digest-fixtures.ts';
import { testReplySettings } from './reply-harness.ts';
import { testLogger } from './sync-harness.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export const WORLD = {
  mailFrom: 'rekindle <digest@rekindle.test>',
  inboundDomain: 'in.rekindle.test',
  publicUrl: 'https://rekindle.test',
  budget: 5,
  replyWindowDays: 14,
};

const PEOPLE = [
  { email: 'ada@example.org', name: 'Ada Byron', everyDays: 14, lastDaysAgo: 120, conversations: 12 },
  { email: 'bo@example.net', name: 'Bo Chen', everyDays: 30, lastDaysAgo: 200, conversations: 8 },
  { email: 'cy@example.com', name: 'Cy Young', everyDays: 21, lastDaysAgo: 150, conversations: 10 },
];

export interface WorldUser {
  email: string;
  userId: string;
  digest: { id: string; token: string; messageId: string };
  replyTo: string;
  /** Contact key by entry number. */
  at: Record<number, string>;
}

export interface ReplyWorld {
  database: TestDatabase;
  catcher: MailCatcher;
  mailer: Mailer;
  inbound: InboundSmtp;
  deps: ReplyDeps;
  digestSettings: DigestSettings;
  results: ReplyResult[];
  /** Makes the next message fail to process (as with Postgres down); resolves once it has. */
  failNext(): Promise<void>;
  /** Messages that failed that way so far. */
  readonly failures: number;
  addUser(email: string, name: string): Promise<WorldUser>;
  marks(user: WorldUser): Promise<string[]>;
  mailsTo(address: string): CaughtMail[];
  lastTextTo(address: string): Promise<string>;
  handle(raw: Buffer, envelope: Envelope): Promise<ReplyResult>;
  close(): Promise<void>;
}

export async function startReplyWorld(): Promise<ReplyWorld> {
  const database = await createTestDatabase();
  const catcher = await startMailCatcher();
  const mailer = createMailer(catcher.url);
  const digestSettings: DigestSettings = {
    mailFrom: WORLD.mailFrom,
    inboundDomain: WORLD.inboundDomain,
    publicUrl: WORLD.publicUrl,
    budget: WORLD.budget,
  };
  const deps: ReplyDeps = {
    sql: database.sql,
    mailer,
    logger: testLogger(),
    settings: { ...testReplySettings(WORLD), digest: digestSettings },
  };
  const results: ReplyResult[] = [];
  let failing: (() => void) | null = null;
  let failures = 0;
  const handle = async (raw: Buffer, envelope: Envelope) => {
    if (failing) {
      const failed = failing;
      failing = null;
      failures++;
      failed();
      throw new Error('database unavailable');
    }
    const result = await handleInboundMessage(deps, raw, envelope);
    results.push(result);
    return result;
  };
  const inbound = await startInboundSmtp({
    host: '127.0.0.1',
    port: 0,
    domain: WORLD.inboundDomain,
    logger: testLogger(),
    knownToken: digestTokenExists(database.sql),
    handle,
  });
  const world: ReplyWorld = {
    database,
    catcher,
    mailer,
    inbound,
    deps,
    digestSettings,
    results,
    failNext: () =>
      new Promise<void>((resolve) => {
        failing = resolve;
      }),
    get failures() {
      return failures;
    },
    async addUser(email, name) {
      const { userId } = await seedDigestUser(database, { email, name, people: PEOPLE });
      await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' });
      const [digest] = await database.sql<{ id: string; token: string; messageId: string }[]>`
        select id, token, message_id as "messageId" from digests where user_id = ${userId} and kind = 'weekly'`;
      const outcome = await sendDigest({ sql: database.sql, mailer, logger: testLogger(), settings: digestSettings }, digest!.id);
      if (outcome !== 'sent') throw new Error(`digest not sent: ${outcome}`);
      const items = await database.sql<
        { position: number; contact: string }[]
      >`select position, contact from digest_items where digest_id = ${digest!.id}`;
      return {
        email,
        userId,
        digest: digest!,
        replyTo: `reply+${digest!.token}@${WORLD.inboundDomain}`,
        at: Object.fromEntries(items.map((i) => [i.position, i.contact])),
      };
    },
    async marks(user) {
      return (
        await database.sql<
          { contact: string; status: string }[]
        >`select contact, status from contact_marks where user_id = ${user.userId} order by contact`
      ).map((m) => `${m.contact}:${m.status}`);
    },
    mailsTo: (address) => catcher.received.filter((m) => m.envelope.to.includes(address)),
    async lastTextTo(address) {
      const last = catcher.received.filter((m) => m.envelope.to.includes(address)).at(-1);
      return last ? ((await simpleParser(last.raw)).text ?? '') : '';
    },
    handle,
    async close() {
      await inbound.close();
      mailer.close();
      await catcher.close();
      await database.drop();
    },
  };
  return world;
}
