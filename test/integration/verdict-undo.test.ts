/**
 * One journal, whatever the channel: a click on a digest link is taken back by a reply's
 * "undo" sent over real SMTP to the inbound listener; a reply's changes are taken back from
 * the web, through the undo link its confirmation carries; the one-click unsubscribe is taken
 * back by a reply too; nothing is restored over a change made since, and rekindle's own pause
 * after a bounce is not the user's to undo. The new verbs `met` and `every` change what the
 * digest selects, and undo takes them back as well.
 */
import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionToken } from '../../src/digest/action-links.ts';
import { chooseEntries } from '../../src/digest/choose-entries.ts';
import { queueDueDigests } from '../../src/digest/schedule-digests.ts';
import { sendDigest } from '../../src/digest/send-digest.ts';
import { createMailer, type Mailer } from '../../src/mailer/create-mailer.ts';
import { startMailCatcher, type MailCatcher } from '../../fakes/mail-catcher.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { handleInboundMessage, type ReplyResult } from '../../src/replies/handle-reply.ts';
import { digestTokenExists, startInboundSmtp, type InboundSmtp } from '../../src/replies/inbound-smtp-server.ts';
import { signCompact, uuidBytes, uuidOf } from '../../src/security/compact-token.ts';
import { signToken } from '../../src/security/signed-token.ts';
import { applyVerdicts } from '../../src/verdicts/apply-verdicts.ts';
import { buildServer } from '../../src/web/server.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { sendReply, testMailDns, testReplySettings } from '../../testkit/reply-harness.ts';
import { testLogger } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import { form, LINK_SECRET, webTestConfig } from '../../testkit/web-harness.ts';

const DAY = 86_400_000;
const people = [
  { email: 'ada@example.org', name: 'Ada Byron', everyDays: 14, lastDaysAgo: 120, conversations: 12 },
  { email: 'bo@example.net', name: 'Bo Chen', everyDays: 30, lastDaysAgo: 200, conversations: 8 },
  { email: 'cy@example.com', name: 'Cy Young', everyDays: 21, lastDaysAgo: 150, conversations: 10 },
];
const PUBLIC_URL = 'https://rekindle.test';
const keys = { secrets: [LINK_SECRET] };
const settings = {
  mailFrom: 'rekindle <digest@rekindle.test>',
  inboundDomain: 'in.rekindle.test',
  publicUrl: PUBLIC_URL,
  budget: 5,
  replyWindowDays: 14,
};
const digestSettings = { ...settings, actionLinks: { keys, publicUrl: PUBLIC_URL, days: 30 } };
const replySettings = testReplySettings({ ...settings, linkKeys: keys, digest: digestSettings });

describe('undo from either channel, over one journal', () => {
  let database: TestDatabase;
  let catcher: MailCatcher;
  let mailer: Mailer;
  let inbound: InboundSmtp;
  let google: GoogleEmulator;
  let redis: ReturnType<typeof createRedis>;
  let app: ReturnType<typeof buildServer>;
  const queue = createTestPrefix('verdicts');
  const results: ReplyResult[] = [];
  let counter = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    catcher = await startMailCatcher();
    mailer = createMailer(catcher.url);
    google = await startGoogleEmulator();
    redis = createRedis(redisUrl);
    app = buildServer({
      sql: database.sql,
      redis,
      config: webTestConfig(database, queue.prefix, { google }, { PUBLIC_URL }),
      replies: {
        confirm: { sql: database.sql, keys, logger: testLogger(), mailFrom: settings.mailFrom, replyWindowDays: settings.replyWindowDays },
      },
    });
    const deps = { sql: database.sql, mailer, logger: testLogger(), settings: replySettings };
    inbound = await startInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      domain: settings.inboundDomain,
      logger: testLogger(),
      knownToken: digestTokenExists(database.sql),
      handle: async (raw, envelope) => {
        results.push(await handleInboundMessage(deps, raw, envelope));
      },
    });
  });
  afterAll(async () => {
    await inbound?.close();
    await app?.close();
    redis?.disconnect();
    mailer?.close();
    await catcher?.close();
    await google?.close();
    await database?.drop();
    await queue.cleanup();
  });

  let owner: string;
  let userId: string;
  let digest: { id: string; token: string; messageId: string };
  let at: Record<number, string>;
  beforeEach(async () => {
    owner = `sam${++counter}@example.com`;
    ({ userId } = await seedDigestUser(database, { email: owner, name: 'Sam Rivera', people }));
    await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' });
    const [row] = await database.sql<{ id: string; token: string; messageId: string }[]>`
      select id, token, message_id as "messageId" from digests where user_id = ${userId}`;
    digest = row!;
    expect(await sendDigest({ sql: database.sql, mailer, logger: testLogger(), settings: digestSettings }, digest.id)).toBe('sent');
    const items = await database.sql<
      { position: number; contact: string }[]
    >`select position, contact from digest_items where digest_id = ${digest.id}`;
    at = Object.fromEntries(items.map((i) => [i.position, i.contact]));
  });

  const reply = async (text: string, from = `Sam Rivera <${owner}>`) => {
    const before = results.length;
    await sendReply({
      port: inbound.port,
      from,
      to: `reply+${digest.token}@${settings.inboundDomain}`,
      text,
      messageId: `<${randomUUID()}@client.example>`,
      references: [digest.messageId],
      inReplyTo: digest.messageId,
      dkim: testMailDns().key,
    });
    expect(results.length).toBe(before + 1);
    return results.at(-1)!;
  };
  const lastConfirmation = async () =>
    (await simpleParser(catcher.received.filter((m) => m.envelope.to.includes(owner)).at(-1)!.raw)).text ?? '';
  const mark = async (contact: string) =>
    (
      await database.sql<{ status: string | null }[]>`select status from contact_marks where user_id = ${userId} and contact = ${contact}`
    )[0]?.status ?? null;
  const linkPath = (position: number) => `/d/${actionToken(keys, { digestId: digest.id, position }, new Date(Date.now() + DAY))}`;
  const post = (path: string, fields: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) });
  const listState = async () =>
    (
      await database.sql<{ paused: string | null; stopped: boolean }[]>`
      select digest_paused_reason as paused, digest_stopped_at is not null as stopped from users where id = ${userId}`
    )[0]!;

  it('a reply’s "undo" over SMTP takes back a click on a digest link', async () => {
    const clicked = await post(linkPath(2), { do: 'never' });
    expect(clicked.statusCode).toBe(200);
    expect(clicked.body).toContain('reply “undo” to the digest');
    expect(await mark(at[2]!)).toBe('never');

    const result = await reply('undo');
    expect(result.outcome).toBe('applied');
    expect(await mark(at[2]!)).toBeNull();
    const text = await lastConfirmation();
    expect(text).toMatch(/Taken back, as before your last click on a digest link:\n {2}2\. /);
    // The link knows it was taken back: its own undo finds nothing left to do.
    expect((await post(linkPath(2), { do: 'undo' })).body).toContain('Nothing to undo');
  });

  it('a reply’s changes are taken back on the web, through the undo link its confirmation carries', async () => {
    await reply('done 1\nnever 3');
    expect([await mark(at[1]!), await mark(at[3]!)]).toEqual(['done', 'never']);
    const text = await lastConfirmation();
    const url = /Or take this reply back on the web: (\S+)/.exec(text)?.[1];
    expect(url).toMatch(new RegExp(`^${PUBLIC_URL}/undo/`));
    // Short enough to read and copy: the address, /undo/ and a 44-character token.
    expect(url!.length).toBe(`${PUBLIC_URL}/undo/`.length + 44);
    const path = new URL(url!).pathname;

    const page = await app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('marked done');
    expect(page.body).toContain('never suggested again');
    expect([await mark(at[1]!), await mark(at[3]!)]).toEqual(['done', 'never']);

    const undone = await post(path);
    expect(undone.statusCode).toBe(200);
    expect(undone.body).toContain('Back to how it was before your reply');
    expect([await mark(at[1]!), await mark(at[3]!)]).toEqual([null, null]);
    expect((await post(path)).body).toContain('Already taken back');

    // The journal is one: a reply's "undo" now finds nothing left to take back.
    await reply('undo');
    expect(await lastConfirmation()).toContain('There was nothing to take back.');
    // A forged or altered token changes nothing.
    expect((await post(`${path.slice(0, -3)}abc`)).statusCode).toBe(404);
    const future = new Date(Date.now() + DAY);
    expect(
      (await post(`/undo/${signCompact({ secrets: ['f'.repeat(64)] }, 'verdict-undo', uuidBytes(randomUUID()), future)}`)).statusCode,
    ).toBe(404);
    // A genuine signature over an entry that does not exist, and an expired one.
    expect((await post(`/undo/${signCompact(keys, 'verdict-undo', uuidBytes(randomUUID()), future)}`)).statusCode).toBe(404);
    const token = path.slice('/undo/'.length);
    const entryId = uuidOf(Buffer.from(token.split('.')[0]!, 'base64url'));
    expect((await post(`/undo/${signCompact(keys, 'verdict-undo', uuidBytes(entryId), new Date(Date.now() - 1000))}`)).statusCode).toBe(
      410,
    );
    // A link of the first format (signed JSON naming the user) still works, for that user only.
    const firstFormat = (u: string) => signToken(keys, 'verdict-undo', { u, j: entryId }, future);
    expect((await app.inject({ method: 'GET', url: `/undo/${firstFormat(userId)}` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/undo/${firstFormat(randomUUID())}` })).statusCode).toBe(404);
  });

  it('a held reply confirmed on the web can be taken back from the same page', async () => {
    // From another address: held, and the owner is sent a link that applies it.
    expect((await reply('done 2', 'Sam at home <sam.home@example.net>')).outcome).toBe('wrong_sender');
    const confirm = new URL(/(https:\/\/\S+\/replies\/confirm\/\S+)/.exec(await lastConfirmation())![1]!).pathname;
    const applied = await post(confirm);
    expect(applied.statusCode).toBe(200);
    expect(await mark(at[2]!)).toBe('done');
    const undo = /<form method="post" action="(\/undo\/[^"]+)">/.exec(applied.body)?.[1];
    expect(undo).toBeDefined();
    expect((await post(undo!.replace(/&amp;/g, '&'))).body).toContain('Back to how it was before your reply');
    expect(await mark(at[2]!)).toBeNull();
  });

  it('never restores over a change made since: the later click stays', async () => {
    await reply('done 1');
    const url = new URL(/Or take this reply back on the web: (\S+)/.exec(await lastConfirmation())![1]!).pathname;
    await post(linkPath(1), { do: 'snooze', for: '3m' });
    const undone = await post(url);
    expect(undone.body).toContain('Left as it is, because it changed again since');
    expect(await mark(at[1]!)).toBe('snoozed');
    // The click is still the newest change standing, so a reply's "undo" takes it back.
    await reply('undo');
    expect(await mark(at[1]!)).toBe('done');
  });

  it('a reply’s "undo" takes back the one-click unsubscribe, never the pause after a bounce', async () => {
    const unsubscribed = await app.inject({
      method: 'POST',
      url: `/digest/unsubscribe/${digest.token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.statusCode).toBe(200);
    expect(await listState()).toEqual({ paused: null, stopped: true });
    await reply('undo');
    expect(await listState()).toEqual({ paused: null, stopped: false });
    expect(await lastConfirmation()).toContain('Your weekly list is back to how it was before you unsubscribed.');

    // rekindle's own pause after a bounce is journaled, but it is not the user's to undo.
    await database.sql.begin((tx) =>
      applyVerdicts(tx, userId, [{ verb: 'bounce', reason: 'bounced' }], { source: 'bounce', replyId: randomUUID() }),
    );
    expect(await listState()).toEqual({ paused: 'bounced', stopped: false });
    await reply('undo');
    expect(await listState()).toEqual({ paused: 'bounced', stopped: false });
    expect(await lastConfirmation()).toContain('There was nothing to take back.');
  });

  it('"met" and "every" change what the digest selects, and "undo" takes them back', async () => {
    const inAMonth = new Date(Date.now() + 29 * DAY);
    const listed = async () => (await chooseEntries(database.sql, userId, inAMonth, 5)).entries.map((e) => e.contact).sort();
    expect(await listed()).toEqual([...people.map((p) => p.email)].sort());
    const ada = Number(Object.entries(at).find(([, c]) => c === 'ada@example.org')![0]);
    const bo = Number(Object.entries(at).find(([, c]) => c === 'bo@example.net')![0]);

    const result = await reply(`met ${bo}\nevery 1y ${ada}`);
    expect(result.outcome).toBe('applied');
    // Bo counts as seen today, so a month on he is not due; Ada is expected once a year, and it has been five months.
    expect(await listed()).toEqual(['cy@example.com']);
    const text = await lastConfirmation();
    expect(text).toMatch(new RegExp(`Counted as in touch on [^\\n]+:\\n {2}${bo}\\. Bo Chen`));
    expect(text).toMatch(new RegExp(`Expected to be in touch every year:\\n {2}${ada}\\. Ada Byron`));
    const [row] = await database.sql<{ metAt: Date; status: string | null }[]>`
      select met_at as "metAt", status from contact_marks where user_id = ${userId} and contact = 'bo@example.net'`;
    expect(row!.status).toBeNull();
    expect(Math.abs(row!.metAt.getTime() - Date.now())).toBeLessThan(DAY);

    await reply('undo');
    expect(await listed()).toEqual([...people.map((p) => p.email)].sort());
    expect(await database.sql`select 1 from contact_marks where user_id = ${userId}`).toHaveLength(0);
  });
});
