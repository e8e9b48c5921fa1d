/**
 * A display name carrying bidi controls (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) must not
 * reach the digest or the pages: there it would reorder what follows and disguise an address
 * (`Ada\u202Egro.elpmaxe@dab` shows as "Ada bad@example.org"). Through the real path: names in
 * synced interactions, the digest over SMTP, its link's page over HTTP.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueDueDigests } from '../../src/digest/schedule-digests.ts';
import { sendDigest } from '../../src/digest/send-digest.ts';
import { createMailer } from '../../src/mailer/create-mailer.ts';
import { startMailCatcher, type MailCatcher } from '../../fakes/mail-catcher.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { buildServer } from '../../src/web/server.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { testLogger } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import { LINK_SECRET, webTestConfig } from '../../testkit/web-harness.ts';

const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const PEOPLE = [
  { email: 'ada@example.org', name: 'Ada \u202Enoryb\u202C Lovelace', everyDays: 14, lastDaysAgo: 150, conversations: 12 },
  { email: 'bo@example.net', name: '\u2067Bo\u2069 \u200FChan\u061C', everyDays: 21, lastDaysAgo: 200, conversations: 10 },
];

describe('bidi controls in display names', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let catcher: MailCatcher;
  let redis: ReturnType<typeof createRedis>;
  let app: ReturnType<typeof buildServer>;
  const queue = createTestPrefix('bidi');
  let mail: { subject: string; text: string; html: string; links: string[]; digestId: string };

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator();
    catcher = await startMailCatcher();
    redis = createRedis(redisUrl);
    app = buildServer({ sql: database.sql, redis, config: webTestConfig(database, queue.prefix, { google }) });
    const { userId } = await seedDigestUser(database, { email: 'sam@example.com', people: PEOPLE });
    await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' });
    const [digest] = await database.sql<{ id: string }[]>`select id from digests where user_id = ${userId}`;
    const mailer = createMailer(catcher.url);
    const settings = {
      mailFrom: 'rekindle <r@rekindle.test>',
      inboundDomain: 'rekindle.test',
      publicUrl: 'http://rekindle.test',
      budget: 5,
      actionLinks: { keys: { secrets: [LINK_SECRET] }, publicUrl: 'http://rekindle.test', days: 30 },
    };
    expect(await sendDigest({ sql: database.sql, mailer, logger: testLogger(), settings }, digest!.id)).toBe('sent');
    mailer.close();
    const parsed = await simpleParser(catcher.accepted.at(-1)!.raw);
    const text = parsed.text ?? '';
    mail = {
      subject: parsed.subject ?? '',
      text,
      html: typeof parsed.html === 'string' ? parsed.html : '',
      links: [...text.matchAll(/never: http:\/\/rekindle\.test(\/d\/\S+)$/gm)].map((m) => m[1]!),
      digestId: digest!.id,
    };
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await catcher?.close();
    await google?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('the digest shows the names without them, in the subject, the text and the HTML', () => {
    for (const part of [mail.subject, mail.text, mail.html]) expect(part).not.toMatch(BIDI);
    expect(mail.text).toContain('Ada noryb Lovelace <ada@example.org>');
    expect(mail.text).toContain('Bo Chan <bo@example.net>');
  });

  it('the link page shows the name without them', async () => {
    expect(mail.links).toHaveLength(2);
    for (const link of mail.links) {
      const page = await app.inject({ method: 'GET', url: link });
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toMatch(BIDI);
    }
  });

  it('a name stored with them before this was fixed is shown without them too', async () => {
    await database.sql`update digest_items set name = ${'Ada\u202Egro.elpmaxe@dab\u202C Byron'} where digest_id = ${mail.digestId}`;
    const page = await app.inject({ method: 'GET', url: mail.links[0]! });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Adagro.elpmaxe@dab Byron');
    expect(page.body).not.toMatch(BIDI);
  });
});
