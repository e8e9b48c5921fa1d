/**
 * Forged and misdirected replies, over real SMTP into the inbound listener, with DKIM, SPF and
 * DMARC checked by mailauth against the test's own DNS (example.com publishes p=reject): none
 * applies anything. The owner — and only the owner — hears of a reply that asked for
 * something, at most once a day per sender and a few a day in all, with a one-click link that
 * applies it once, until it expires; the link works for nobody else and for nothing else.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeMail } from '../../src/mailer/create-mailer.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { CONFIRM_PURPOSE } from '../../src/replies/handle-reply.ts';
import { signToken } from '../../src/security/signed-token.ts';
import { buildServer } from '../../src/web/server.ts';
import { sendReply, testMailDns } from '../../testkit/reply-harness.ts';
import { startReplyWorld, WORLD, type ReplyWorld, type WorldUser } from '../../testkit/reply-world.ts';
import { testLogger } from '../../testkit/sync-harness.ts';
import { redisUrl } from '../../testkit/test-redis.ts';

describe('forged replies apply nothing', () => {
  let world: ReplyWorld;
  let sam: WorldUser;
  let kim: WorldUser;
  let redis: ReturnType<typeof createRedis>;
  let app: ReturnType<typeof buildServer>;
  const keys = { secrets: ['test-link-secret-0123456789abcdef0123456789'] };

  beforeAll(async () => {
    world = await startReplyWorld();
    sam = await world.addUser('sam@example.com', 'Sam Rivera');
    kim = await world.addUser('kim@example.com', 'Kim Lee');
    redis = createRedis(redisUrl);
    app = buildServer({
      sql: world.database.sql,
      redis,
      replies: {
        confirm: { sql: world.database.sql, keys, logger: testLogger(), mailFrom: WORLD.mailFrom, replyWindowDays: WORLD.replyWindowDays },
      },
    });
  });
  // Notices are capped per day (src/replies/reply-limits.ts): each test here starts a day after the last one's.
  beforeEach(async () => {
    await world.database
      .sql`update inbound_replies set notice_sent_at = notice_sent_at - interval '1 day' where notice_sent_at is not null`;
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await world?.close();
  });

  const reply = async (user: WorldUser, text: string, overrides: Partial<Parameters<typeof sendReply>[0]> = {}) => {
    const before = world.results.length;
    await sendReply({
      port: world.inbound.port,
      from: `Sam Rivera <${user.email}>`,
      to: user.replyTo,
      text,
      messageId: `<${randomUUID()}@client.example>`,
      references: [user.digest.messageId],
      inReplyTo: user.digest.messageId,
      dkim: testMailDns().key,
      ...overrides,
    });
    return world.results[before]!;
  };
  const noticeLink = async (to: string) => /https:\/\/rekindle\.test\/replies\/confirm\/(\S+)/.exec(await world.lastTextTo(to))?.[1];
  const heldRow = async (messageId: string) =>
    (
      await world.database.sql<{ outcome: string; auth: string | null; sender: string | null; noticeSentAt: Date | null }[]>`
      select outcome, auth, sender, notice_sent_at as "noticeSentAt" from inbound_replies where dedupe_key = ${messageId}`
    )[0];

  it('from another sender: held, nothing applied, only the owner hears of it — with a link', async () => {
    const messageId = `<${randomUUID()}@evil.example>`;
    const result = await reply(sam, 'done 1 2 3', { from: 'Mallory <mallory@evil.example>', dkim: testMailDns().forgerKey, messageId });
    expect(result.outcome).toBe('wrong_sender');
    expect(await world.marks(sam)).toEqual([]);
    expect(world.mailsTo('mallory@evil.example')).toHaveLength(0);
    const notice = await world.lastTextTo(sam.email);
    expect(notice).toMatch(/^rekindle · a reply to check/);
    expect(notice).toContain('It came from mallory@evil.example');
    expect(notice).toContain('“done 1, 2, 3” (1. ');
    // The notice never quotes what the forger wrote.
    expect(notice).not.toContain('done 1 2 3');
    expect(await noticeLink(sam.email)).toBeDefined();
    expect(await heldRow(messageId)).toMatchObject({ outcome: 'wrong_sender', sender: 'mallory@evil.example' });
  });

  it('a forwarded digest answered by whoever it was forwarded to', async () => {
    const result = await reply(
      sam,
      'never 1\n\n---------- Forwarded message ---------\nFrom: rekindle <digest@rekindle.test>\n\nrekindle · your list',
      {
        from: 'Friend <friend@example.net>',
        subject: 'Re: Fwd: Reconnect this week',
        dkim: null,
      },
    );
    expect(result.outcome).toBe('wrong_sender');
    expect(result.commands).toEqual([{ verb: 'never', items: [1] }]);
    expect(await world.marks(sam)).toEqual([]);
    expect(world.mailsTo('friend@example.net')).toHaveLength(0);
  });

  it('a spoofed From: the owner’s address, unsigned, from a server example.com’s SPF does not allow — DMARC fails', async () => {
    const messageId = `<${randomUUID()}@spoof.example>`;
    const result = await reply(sam, 'never 1 2 3', { dkim: null, messageId });
    expect(result.outcome).toBe('unverified');
    expect(await world.marks(sam)).toEqual([]);
    expect((await heldRow(messageId))!.auth).toMatch(/^dmarc=fail/);
    expect(await world.lastTextTo(sam.email)).toContain("your mail provider's signature on it could not be checked");
  });

  it('a spoofed From signed by the forger’s own domain, or with a forged Authentication-Results: DMARC still fails', async () => {
    const signedElsewhere = await reply(sam, 'never 2', { dkim: testMailDns().forgerKey });
    expect(signedElsewhere.outcome).toBe('unverified');
    const forgedVerdict = await reply(sam, 'never 2', {
      dkim: null,
      headers: { 'Authentication-Results': 'mx.rekindle.test; dkim=pass header.d=example.com; dmarc=pass header.from=example.com' },
    });
    expect(forgedVerdict.outcome).toBe('unverified');
    expect(await world.marks(sam)).toEqual([]);
  });

  it('a genuine signature over a message altered afterwards (a replayed reply with new commands)', async () => {
    const dns = testMailDns();
    const raw = await composeMail(
      {
        from: `Sam Rivera <${sam.email}>`,
        to: sam.replyTo,
        subject: 'Re: x',
        text: 'snooze 1 2w\n',
        messageId: `<${randomUUID()}@client.example>`,
        references: [sam.digest.messageId],
      },
      { domainName: dns.key.domain, keySelector: dns.key.selector, privateKey: dns.key.privateKey },
    );
    const altered = Buffer.from(raw.toString().replace('snooze 1 2w', 'never 1 2 3'));
    const before = world.results.length;
    await sendReply({ port: world.inbound.port, from: sam.email, to: sam.replyTo, text: '', raw: altered });
    expect(world.results[before]!.outcome).toBe('unverified');
    expect(await world.marks(sam)).toEqual([]);
  });

  it('a token of another user: the owner of that digest is asked, the writer gets nothing, and nothing changes for either', async () => {
    const kimMails = world.mailsTo(kim.email).length;
    const samMails = world.mailsTo(sam.email).length;
    const result = await reply(kim, 'never 1', { from: `Sam Rivera <${sam.email}>` });
    expect(result.outcome).toBe('wrong_sender');
    expect(await world.marks(kim)).toEqual([]);
    expect(await world.marks(sam)).toEqual([]);
    expect(world.mailsTo(sam.email)).toHaveLength(samMails);
    expect(world.mailsTo(kim.email)).toHaveLength(kimMails + 1);
    expect(await world.lastTextTo(kim.email)).toContain(`It came from ${sam.email}`);
  });

  it('a reused reply: delivered again, it changes nothing the second time', async () => {
    const messageId = `<${randomUUID()}@client.example>`;
    expect((await reply(sam, 'done 3', { messageId })).outcome).toBe('applied');
    expect((await reply(sam, 'undo', { messageId })).outcome).toBe('duplicate');
    expect(await world.marks(sam)).toEqual([`${sam.at[3]}:done`]);
    await reply(sam, 'undo');
    expect(await world.marks(sam)).toEqual([]);
  });

  it('an expired reply token: a digest past its reply window takes no reply, and tells only its verified owner', async () => {
    await world.database.sql`update digests set sent_at = now() - interval '30 days' where id = ${sam.digest.id}`;
    try {
      const mails = world.mailsTo(sam.email).length;
      expect((await reply(sam, 'done 1')).outcome).toBe('stale_digest');
      expect(world.mailsTo(sam.email)).toHaveLength(mails + 1);
      expect(await world.lastTextTo(sam.email)).toContain('nothing was changed');
      expect((await reply(sam, 'done 1', { dkim: null })).outcome).toBe('stale_digest');
      expect(world.mailsTo(sam.email)).toHaveLength(mails + 1);
      expect(await world.marks(sam)).toEqual([]);
    } finally {
      await world.database.sql`update digests set sent_at = now() where id = ${sam.digest.id}`;
    }
  });

  describe('the owner’s confirmation link', () => {
    it('a GET shows what the reply asks and changes nothing; the POST applies it once; a second POST changes nothing', async () => {
      const messageId = `<${randomUUID()}@spoof.example>`;
      const position = (email: string) => Number(Object.entries(sam.at).find(([, contact]) => contact === email)![0]);
      const ada = position('ada@example.org');
      const cy = position('cy@example.com');
      // From a stranger (a new sender, so a notice is due today).
      await reply(sam, `snooze ${ada} 2w\nnever Cy`, { from: 'Sam at work <sam.rivera@work.example>', dkim: null, messageId });
      const token = await noticeLink(sam.email);
      expect(token).toBeDefined();
      const page = await app.inject({ method: 'GET', url: `/replies/confirm/${token}` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('sam.rivera@work.example');
      expect(page.body).toContain(`<code>snooze ${ada} 2w</code> — ${ada}. Ada Byron`);
      expect(page.body).toContain(`<code>never cy</code> — ${cy}. Cy Young`);
      expect(page.body).toContain(`<form method="post" action="/replies/confirm/${token}">`);
      expect(await world.marks(sam)).toEqual([]);

      const applied = await app.inject({
        method: 'POST',
        url: `/replies/confirm/${token}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: '',
      });
      expect(applied.statusCode).toBe(200);
      expect(applied.body).toContain('Snoozed until');
      expect(await world.marks(sam)).toEqual(['ada@example.org:snoozed', 'cy@example.com:never']);
      expect((await heldRow(messageId))!.outcome).toBe('applied');

      const again = await app.inject({
        method: 'POST',
        url: `/replies/confirm/${token}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: '',
      });
      expect(again.body).toContain('Already applied');
      expect(await world.marks(sam)).toEqual(['ada@example.org:snoozed', 'cy@example.com:never']);
      // A confirmed reply is the owner's last reply: undo takes it back.
      await reply(sam, 'undo');
      expect(await world.marks(sam)).toEqual([]);
    });

    it('refuses an expired link, an altered one, one signed with another key, and a link made for another purpose', async () => {
      const messageId = `<${randomUUID()}@x.example>`;
      await reply(sam, 'never 1', { from: 'Someone <someone@elsewhere.example>', dkim: null, messageId });
      const [row] = await world.database.sql<{ id: string }[]>`select id from inbound_replies where dedupe_key = ${messageId}`;
      const payload = { r: row!.id, u: sam.userId };
      const expired = signToken(keys, CONFIRM_PURPOSE, payload, new Date(Date.now() - 1000));
      const otherKey = signToken(
        { secrets: ['another-secret-0123456789abcdef0123456789ab'] },
        CONFIRM_PURPOSE,
        payload,
        new Date(Date.now() + 86_400_000),
      );
      const otherPurpose = signToken(keys, 'digest-action', payload, new Date(Date.now() + 86_400_000));
      const otherUser = signToken(keys, CONFIRM_PURPOSE, { r: row!.id, u: kim.userId }, new Date(Date.now() + 86_400_000));
      const good = signToken(keys, CONFIRM_PURPOSE, payload, new Date(Date.now() + 86_400_000));
      const altered = `${good.slice(0, 10)}${good[10] === 'A' ? 'B' : 'A'}${good.slice(11)}`;
      for (const [token, status] of [
        [expired, 410],
        [otherKey, 404],
        [otherPurpose, 404],
        [otherUser, 404],
        [altered, 404],
      ] as const) {
        const response = await app.inject({
          method: 'POST',
          url: `/replies/confirm/${token}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: '',
        });
        expect(response.statusCode, token).toBe(status);
      }
      expect(await world.marks(sam)).toEqual([]);
      expect(await world.marks(kim)).toEqual([]);
    });
  });

  it('sends at most one notice a day per sender, two a day about one list whoever writes, and none for a reply that asked for nothing', async () => {
    const mails = () => world.mailsTo(sam.email).length;
    const before = mails();
    for (let i = 0; i < 3; i++) await reply(sam, `never ${i + 1}`, { from: 'Spammer <spam@bulk.example>', dkim: null });
    expect(mails()).toBe(before + 1);
    await reply(sam, 'never 1', { from: 'Other <other@bulk.example>', dkim: null });
    expect(mails()).toBe(before + 2);
    await reply(sam, 'thanks, lovely list!', { from: 'Nice person <nice@friends.example>', dkim: null });
    expect(mails()).toBe(before + 2);
    // A third sender, the spoofed owner's address, on the same day: the list has had its notices.
    await reply(sam, 'never 1', { dkim: null });
    await reply(sam, 'never 2', { dkim: null });
    expect(mails()).toBe(before + 2);
    expect(await world.marks(sam)).toEqual([]);
  });
});
