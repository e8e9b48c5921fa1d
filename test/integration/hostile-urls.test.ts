/**
 * What a signed-in person (or anyone) can type into a URL, over real HTTP: ids that are not
 * UUIDs never reach Postgres (no 500, no SQL error in the log), and names looked up in a map
 * never find what every object has (`constructor`, `__proto__`, `toString`).
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startMailCatcher, type MailCatcher } from '../../fakes/mail-catcher.ts';
import { actionToken } from '../../src/digest/action-links.ts';
import { queueDueDigests } from '../../src/digest/schedule-digests.ts';
import { sendDigest } from '../../src/digest/send-digest.ts';
import { createMailer } from '../../src/mailer/create-mailer.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { buildServer } from '../../src/web/server.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { testLogger } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import { connectThroughConsent, CookieJar, csrfOf, form, LINK_SECRET, webTestConfig } from '../../testkit/web-harness.ts';

const SAM = 'sam@example.com';
const OBJECT_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

describe('hostile ids and names in URLs', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let catcher: MailCatcher;
  let redis: ReturnType<typeof createRedis>;
  let app: ReturnType<typeof buildServer>;
  let base = '';
  const queue = createTestPrefix('hostile-urls');
  const jar = new CookieJar();
  const logged: { level: number; msg: string; err?: unknown }[] = [];
  let sam = { userId: '', digestId: '' };

  const http = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      redirect: 'manual',
      ...init,
      headers: { cookie: jar.header(), ...(init.headers as Record<string, string>) },
    });
  const postForm = (path: string, fields: Record<string, string>) =>
    http(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(fields) });

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator();
    catcher = await startMailCatcher();
    redis = createRedis(redisUrl);
    const { userId } = await seedDigestUser(database, {
      email: SAM,
      people: [{ email: 'ada@example.org', name: 'Ada Lovelace', everyDays: 14, lastDaysAgo: 150, conversations: 12 }],
    });
    google.addMailbox({ email: SAM, messages: [] });
    await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' });
    const [digest] = await database.sql<{ id: string }[]>`select id from digests where user_id = ${userId}`;
    const mailer = createMailer(catcher.url);
    const settings = {
      mailFrom: 'rekindle <r@rekindle.test>',
      inboundDomain: 'rekindle.test',
      publicUrl: 'http://rekindle.test',
      budget: 5,
    };
    expect(await sendDigest({ sql: database.sql, mailer, logger: testLogger(), settings }, digest!.id)).toBe('sent');
    mailer.close();
    sam = { userId, digestId: digest!.id };

    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    app = buildServer({ sql: database.sql, redis, logger, config: webTestConfig(database, queue.prefix, { google }) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const { response } = await connectThroughConsent(app, jar, 'google', `?login_hint=${SAM}`);
    expect(response.statusCode).toBe(303);
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await catcher?.close();
    await google?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('a mailbox id that is not a UUID is "not found", and Postgres never sees it', async () => {
    const csrf = csrfOf(await (await http('/settings')).text());
    for (const id of ['-'.repeat(36), `${'0'.repeat(35)}-`, 'x'.repeat(36), '00000000-0000-0000-0000-00000000000g']) {
      const answer = await postForm(`/accounts/${id}/disconnect`, { csrf });
      expect(answer.status, id).toBe(404);
      expect(await answer.text(), id).toContain('There is no such mailbox.');
    }
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    const [mailboxes] = await database.sql<{ n: number }[]>`select count(*)::int as n from accounts where user_id = ${sam.userId}`;
    expect(mailboxes!.n).toBe(1);
  });

  it('?connected= names only real providers: no notice for an object key, and no function printed', async () => {
    for (const name of OBJECT_KEYS) {
      const page = await http(`/status?connected=${name}`);
      expect(page.status, name).toBe(200);
      const body = await page.text();
      expect(body, name).not.toContain('mailbox is connected');
      expect(body, name).not.toMatch(/function|\[object|native code/);
    }
    expect(await (await http('/status?connected=google')).text()).toContain('Your Google mailbox is connected.');
  });

  it('a digest link snoozing "for" an object key snoozes for the default month', async () => {
    const token = actionToken({ secrets: [LINK_SECRET] }, { digestId: sam.digestId, position: 1 }, new Date(Date.now() + 86_400_000));
    const answer = await postForm(`/d/${token}`, { do: 'snooze', for: 'constructor' });
    expect(answer.status).toBe(200);
    const [mark] = await database.sql<{ status: string; days: number }[]>`
      select status, round(extract(epoch from until - now()) / 86400)::int as days from contact_marks where user_id = ${sam.userId}`;
    expect(mark!.status).toBe('snoozed');
    expect(mark!.days).toBeGreaterThanOrEqual(28);
    expect(mark!.days).toBeLessThanOrEqual(31);
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
  });
});
