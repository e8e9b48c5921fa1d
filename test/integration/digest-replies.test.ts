/**
 * Replies to a digest over real SMTP into the inbound listener: the person's commands — signed
 * by their provider (DKIM, DMARC p=reject), checked by mailauth against the test's own DNS —
 * change their marks once; everything else — another sender, a forward, an auto-reply, a
 * bounce, a reply to an old digest, a replayed message — changes nothing and crashes nothing.
 * (Forgeries in depth: reply-forgery.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chooseEntries } from '../../src/digest/choose-entries.ts';
import { queueDueDigests } from '../../src/digest/schedule-digests.ts';
import { sendDigest } from '../../src/digest/send-digest.ts';
import { createMailer, type Mailer } from '../../src/mailer/create-mailer.ts';
import { startMailCatcher, type MailCatcher } from '../../fakes/mail-catcher.ts';
import { handleInboundMessage, type ReplyResult } from '../../src/replies/handle-reply.ts';
import { digestTokenExists, startInboundSmtp, type InboundSmtp } from '../../src/replies/inbound-smtp-server.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { sendReply, testMailDns, testReplySettings } from '../../testkit/reply-harness.ts';
import { testLogger } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';

const people = [
  { email: 'ada@example.org', name: 'Ada Byron', everyDays: 14, lastDaysAgo: 120, conversations: 12 },
  { email: 'bo@example.net', name: 'Bo Chen', everyDays: 30, lastDaysAgo: 200, conversations: 8 },
  { email: 'cy@example.com', name: 'Cy Young', everyDays: 21, lastDaysAgo: 150, conversations: 10 },
];
const settings = {
  mailFrom: 'rekindle <digest@rekindle.test>',
  inboundDomain: 'in.rekindle.test',
  publicUrl: 'https://rekindle.test',
  budget: 5,
  replyWindowDays: 14,
};
const replySettings = testReplySettings({ ...settings, digest: settings });

describe('replies to a digest', () => {
  let database: TestDatabase;
  let catcher: MailCatcher;
  let mailer: Mailer;
  let inbound: InboundSmtp;
  const results: ReplyResult[] = [];
  let failNext = false;
  let counter = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    catcher = await startMailCatcher();
    mailer = createMailer(catcher.url);
    const deps = { sql: database.sql, mailer, logger: testLogger(), settings: replySettings };
    inbound = await startInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      domain: settings.inboundDomain,
      logger: testLogger(),
      knownToken: digestTokenExists(database.sql),
      handle: async (raw, envelope) => {
        if (failNext) {
          failNext = false;
          throw new Error('database unavailable');
        }
        results.push(await handleInboundMessage(deps, raw, envelope));
      },
    });
  });

  afterAll(async () => {
    await inbound?.close();
    mailer?.close();
    await catcher?.close();
    await database?.drop();
  });

  let owner: string;
  let userId: string;
  let digest: { id: string; token: string; messageId: string };
  let replyTo: string;
  beforeEach(async () => {
    owner = `sam${++counter}@example.com`;
    ({ userId } = await seedDigestUser(database, { email: owner, name: 'Sam Rivera', people }));
    await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' });
    const [row] = await database.sql<{ id: string; token: string; messageId: string }[]>`
      select id, token, message_id as "messageId" from digests where user_id = ${userId}`;
    digest = row!;
    expect(await sendDigest({ sql: database.sql, mailer, logger: testLogger(), settings }, digest.id)).toBe('sent');
    replyTo = `reply+${digest.token}@${settings.inboundDomain}`;
    const items = await database.sql<
      { position: number; contact: string }[]
    >`select position, contact from digest_items where digest_id = ${digest.id}`;
    at = Object.fromEntries(items.map((i) => [i.position, i.contact]));
    expect(Object.keys(at)).toHaveLength(3);
  });
  const marked = (...entries: [number, string][]) => entries.map(([n, status]) => `${at[n]}:${status}`).sort();

  let at: Record<number, string>;
  const nameAt = (n: number) => people.find((p) => p.email === at[n])!.name;
  const marks = async () =>
    (
      await database.sql<
        { contact: string; status: string }[]
      >`select contact, status from contact_marks where user_id = ${userId} order by contact`
    ).map((m) => `${m.contact}:${m.status}`);
  const mailsTo = (address: string) => catcher.received.filter((m) => m.envelope.to.includes(address));
  const reply = async (text: string, overrides: Partial<Parameters<typeof sendReply>[0]> = {}) => {
    const before = results.length;
    await sendReply({
      port: inbound.port,
      from: `Sam Rivera <${owner}>`,
      to: replyTo,
      text,
      messageId: `<${randomUUID()}@client.example>`,
      references: [digest.messageId],
      inReplyTo: digest.messageId,
      dkim: testMailDns().key,
      ...overrides,
    });
    return results.slice(before);
  };
  const lastConfirmation = async () => (await simpleParser(mailsTo(owner).at(-1)!.raw)).text ?? '';

  it('applies done, snooze and never to that digest’s own numbers and confirms each', async () => {
    const [result] = await reply('done 1\nsnooze 2 2w\nnever 3\nthanks!\n\nOn Mon, rekindle wrote:\n> done 2');
    expect(result!.outcome).toBe('applied');
    expect(await marks()).toEqual(marked([1, 'done'], [2, 'snoozed'], [3, 'never']));
    expect(mailsTo(owner)).toHaveLength(2);
    const text = await lastConfirmation();
    expect(text).toMatch(new RegExp(`Marked as written to[^\\n]*\\n {2}1\\. ${nameAt(1)}`));
    expect(text).toMatch(new RegExp(`Snoozed until [^\\n]+:\\n {2}2\\. ${nameAt(2)}`));
    expect(text).toMatch(new RegExp(`Not suggested again:\\n {2}3\\. ${nameAt(3)}`));
    expect(text).toContain('“thanks!”');
    expect((await chooseEntries(database.sql, userId, new Date(), 5)).entries).toEqual([]);
  });

  it('undo takes back the last reply, then the one before', async () => {
    await reply('done 1');
    await reply('never 2');
    await reply('undo');
    expect(await marks()).toEqual(marked([1, 'done']));
    expect(await lastConfirmation()).toMatch(new RegExp(`Taken back[^\\n]*\\n {2}2\\. ${nameAt(2)}`));
    await reply('undo');
    expect(await marks()).toEqual([]);
    await reply('undo');
    expect(await lastConfirmation()).toContain('There was nothing to take back.');
  });

  it('processes a reply once, even when it is delivered again', async () => {
    const messageId = `<${randomUUID()}@client.example>`;
    await reply('done 1', { messageId });
    await reply('undo', { messageId });
    expect(results.at(-1)!.outcome).toBe('duplicate');
    expect(await marks()).toEqual(marked([1, 'done']));
    expect(mailsTo(owner)).toHaveLength(2);
  });

  it('reports numbers that are not in that digest', async () => {
    await reply('done 2, 9');
    expect(await marks()).toEqual(marked([2, 'done']));
    expect(await lastConfirmation()).toContain('“done 9: there is no 9 in that list”');
  });

  it('finds the digest through References when the address lost its token', async () => {
    const [result] = await reply('never 1', { to: `reply@${settings.inboundDomain}` });
    expect(result!.outcome).toBe('applied');
    expect(await marks()).toEqual(marked([1, 'never']));
  });

  it('unsubscribes through the mailto link', async () => {
    await reply('', { subject: 'unsubscribe', references: undefined, inReplyTo: undefined });
    const [user] = await database.sql`select digest_stopped_at from users where id = ${userId}`;
    expect(user!.digest_stopped_at).toBeInstanceOf(Date);
    expect(await lastConfirmation()).toContain('You will get no more weekly lists.');
  });

  describe('changes nothing and answers nobody', () => {
    const expectNothing = async (result: ReplyResult | undefined, outcome: string) => {
      expect(result?.outcome).toBe(outcome);
      expect(await marks()).toEqual([]);
      expect(mailsTo(owner)).toHaveLength(1);
    };

    it('for a reply from another address (its owner is only told, with a link to confirm it)', async () => {
      const [result] = await reply('done 1 2 3', { from: 'Mallory <mallory@evil.example>', dkim: testMailDns().forgerKey });
      expect(result?.outcome).toBe('wrong_sender');
      expect(await marks()).toEqual([]);
      expect(mailsTo('mallory@evil.example')).toHaveLength(0);
      expect(mailsTo(owner)).toHaveLength(2);
      expect(await lastConfirmation()).toContain('It came from mallory@evil.example');
    });

    it('for a forwarded digest answered by whoever it was forwarded to', async () => {
      const [result] = await reply(
        'never 1\n\n---------- Forwarded message ---------\nFrom: rekindle <digest@rekindle.test>\n\nrekindle · your list',
        {
          from: 'Friend <friend@example.net>',
          subject: 'Re: Fwd: Reconnect this week',
          dkim: null,
        },
      );
      expect(result?.outcome).toBe('wrong_sender');
      expect(await marks()).toEqual([]);
      expect(mailsTo('friend@example.net')).toHaveLength(0);
    });

    it('for an auto-reply from the owner’s own address', async () => {
      const [result] = await reply('I am away until Monday. done 1', {
        subject: 'Automatic reply: Reconnect this week',
        headers: { 'Auto-Submitted': 'auto-replied', 'X-Autoreply': 'yes' },
      });
      await expectNothing(result, 'automated');
    });

    it('for a bounce', async () => {
      const [result] = await reply('This is the mail system at host mx.example.com.\n\ndone 1\n\nI’m sorry to have to inform you…', {
        from: 'Mail Delivery System <MAILER-DAEMON@mx.example.com>',
        subject: 'Undelivered Mail Returned to Sender',
        envelopeFrom: '',
      });
      await expectNothing(result, 'automated');
    });

    it('for a reply to a digest older than the reply window', async () => {
      await database.sql`update digests set sent_at = now() - interval '30 days' where id = ${digest.id}`;
      const [result] = await reply('done 1');
      expect(result!.outcome).toBe('stale_digest');
      expect(await marks()).toEqual([]);
      // The owner learns why nothing happened.
      expect(await lastConfirmation()).toContain('nothing was changed');
    });

    it('for a token that names no digest: refused at RCPT', async () => {
      await expect(
        reply('done 1', { to: `reply+${'0'.repeat(32)}@${settings.inboundDomain}`, references: undefined, inReplyTo: undefined }),
      ).rejects.toMatchObject({
        responseCode: 550,
      });
      expect(await marks()).toEqual([]);
      expect(mailsTo(owner)).toHaveLength(1);
    });
  });

  it('reads no command from a digest the owner forwards to the reply address, unquoted', async () => {
    const [sentDigest] = catcher.received.filter((m) => m.envelope.to.includes(owner));
    const digestText = (await simpleParser(sentDigest!.raw)).text!;
    const [result] = await reply(
      `FYI\n\n---------- Forwarded message ---------\nFrom: rekindle <digest@rekindle.test>\nDate: Mon\nSubject: Reconnect this week\n\n${digestText}`,
      {
        subject: 'Fwd: Reconnect this week',
      },
    );
    expect(result!.outcome).toBe('no_commands');
    expect(result!.commands).toEqual([]);
    expect(await marks()).toEqual([]);
    // Pasted without any forward marker, the digest still reads as no command.
    const [pasted] = await reply(digestText);
    expect(pasted!.commands).toEqual([]);
    expect(await marks()).toEqual([]);
    expect(await lastConfirmation()).toContain('Nothing was changed');
  });

  it('resolves names against that digest’s entries, refuses what fits nobody, and snoozes until a month', async () => {
    const first = (n: number) => nameAt(n).split(' ')[0]!;
    const [result] = await reply(`done ${first(1)}\nsnooze ${nameAt(2)} until March\nnever Zed`);
    expect(result!.outcome).toBe('applied');
    expect(await marks()).toEqual(marked([1, 'done'], [2, 'snoozed']));
    const [snoozed] = await database.sql<
      { until: Date }[]
    >`select until from contact_marks where user_id = ${userId} and contact = ${at[2]!}`;
    expect(snoozed!.until.getUTCMonth()).toBe(2);
    expect(snoozed!.until.getUTCDate()).toBe(1);
    const text = await lastConfirmation();
    expect(text).toContain('“never zed: there is no one called “zed” in that list”');
    expect(text).toMatch(/Snoozed until 1 March \d{4}:/);
  });

  it('pause, resume and stop change the weekly list, and undo takes them back too', async () => {
    const state = async () =>
      (
        await database.sql<{ paused: string | null; stopped: boolean }[]>`
        select digest_paused_reason as paused, digest_stopped_at is not null as stopped from users where id = ${userId}`
      )[0];
    await reply('pause');
    expect(await state()).toEqual({ paused: 'user', stopped: false });
    expect(await lastConfirmation()).toContain('Your weekly list is paused.');
    await reply('undo');
    expect(await state()).toEqual({ paused: null, stopped: false });
    await reply('Stop');
    expect(await state()).toEqual({ paused: null, stopped: true });
    await reply('resume');
    expect(await state()).toEqual({ paused: null, stopped: false });
    expect(await lastConfirmation()).toContain('Your weekly list is on again');
  });

  it('"more" sends the next people now, as a list of their own that replies then refer to', async () => {
    const extra = [
      { email: 'dee@example.org', name: 'Dee Park', everyDays: 14, lastDaysAgo: 130, conversations: 12 },
      { email: 'eli@example.net', name: 'Eli Stone', everyDays: 21, lastDaysAgo: 160, conversations: 9 },
    ];
    // More history for the same user: people the weekly list had no room for.
    const [account] = await database.sql<{ id: string }[]>`select id from accounts where user_id = ${userId}`;
    const rows = extra.flatMap((p) =>
      Array.from({ length: p.conversations }, (_, i) =>
        ['received', 'sent'].map((kind) => ({
          user_id: userId,
          source_key: `mid:<more-${kind}-${i}-${p.email}>`,
          contact: p.email,
          address: p.email,
          kind,
          account_id: account!.id,
          occurred_at: new Date(Date.now() - (p.lastDaysAgo + i * p.everyDays) * 86_400_000),
          weight: 1,
          contact_name: p.name,
          participants: 1,
          thread_key: `t-${p.email}-${i}`,
          subject: 'Catching up',
        })),
      ).flat(),
    );
    await database.sql`insert into interactions ${database.sql(rows)}`;
    const [result] = await reply('more');
    expect(result!.outcome).toBe('applied');
    const [more] = await database.sql<{ id: string; token: string; status: string; kind: string }[]>`
      select id, token, status, kind from digests where user_id = ${userId} and kind = 'more'`;
    expect(more).toMatchObject({ status: 'sent', kind: 'more' });
    const items = await database.sql<
      { contact: string }[]
    >`select contact from digest_items where digest_id = ${more!.id} order by position`;
    expect(items.map((i) => i.contact).sort()).toEqual(['dee@example.org', 'eli@example.net']);
    const list = mailsTo(owner).find(
      (m) => m.raw.toString().includes(`reply+${more!.token}@`) && /^Subject: More:/m.test(m.raw.toString()),
    );
    expect(list).toBeDefined();
    expect(await lastConfirmation()).toContain('A list of 2 more people is on its way in a separate email.');
    // Its numbers are its own: "done 1" to it marks its first person.
    await reply('done 1', { to: `reply+${more!.token}@${settings.inboundDomain}`, references: undefined, inReplyTo: undefined });
    const [mark] = await database.sql`select status from contact_marks where user_id = ${userId} and contact = ${items[0]!.contact}`;
    expect(mark).toEqual({ status: 'done' });
  });

  it('answers 451 when it cannot process a reply, so the sender tries again, and then applies it once', async () => {
    failNext = true;
    const messageId = `<${randomUUID()}@client.example>`;
    await expect(reply('done 3', { messageId })).rejects.toMatchObject({ responseCode: 451 });
    expect(await marks()).toEqual([]);
    await reply('done 3', { messageId });
    expect(await marks()).toEqual(marked([3, 'done']));
  });

  it('refuses mail for other domains', async () => {
    await expect(reply('done 1', { to: 'someone@elsewhere.example' })).rejects.toMatchObject({ responseCode: 550 });
  });
});
