/**
 * What makes the digest land in the inbox, and what happens when it cannot: a DKIM signature
 * (checked by mailauth against the test's own DNS) that covers List-Unsubscribe and
 * List-Unsubscribe-Post, a List-Id, a plain-text part, nothing remote in the HTML, and a return
 * path of its own — so a hard bounce (a real DSN from sisimai's set), or a spam complaint,
 * comes back to the inbound listener and pauses that user's digests, while a soft bounce
 * pauses nothing; "resume" brings the digests back.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dkimVerify } from 'mailauth';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueDueDigests } from '../../src/digest/schedule-digests.ts';
import { sendDigest } from '../../src/digest/send-digest.ts';
import { HeaderMap, headerBlockOf, parseHeaderBlock } from '../../src/mail/header-block.ts';
import { createMailer } from '../../src/mailer/create-mailer.ts';
import { makeDkimKey, staticResolver } from '../../fakes/static-dns.ts';
import { arfComplaint } from '../../testkit/arf-complaint.ts';
import { corpus } from '../../testkit/corpora.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { sendReply, testMailDns } from '../../testkit/reply-harness.ts';
import { startReplyWorld, WORLD, type ReplyWorld, type WorldUser } from '../../testkit/reply-world.ts';
import { testLogger } from '../../testkit/sync-harness.ts';

const DAY = 86_400_000;

describe('digest deliverability', () => {
  let world: ReplyWorld;
  const signing = makeDkimKey('rekindle.test', 'rk2026');
  const resolver = staticResolver({ [signing.record.name]: [signing.record.value] });

  beforeAll(async () => {
    world = await startReplyWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  /** A user whose digest went out through a DKIM-signing mailer. */
  const userWithSignedDigest = async (
    email: string,
    returnPath?: 'inbound' | 'mail-from',
  ): Promise<WorldUser & { raw: Buffer; envelopeFrom: string | null }> => {
    const { userId } = await seedDigestUser(world.database, {
      email,
      name: 'Sam Rivera',
      people: [
        { email: 'ada@example.org', name: 'Ada Byron', everyDays: 14, lastDaysAgo: 120, conversations: 12 },
        { email: 'bo@example.net', name: 'Bo Chen', everyDays: 30, lastDaysAgo: 200, conversations: 8 },
      ],
    });
    await queueDueDigests(world.database.sql, { messageIdDomain: 'rekindle.test' });
    const [digest] = await world.database.sql<{ id: string; token: string; messageId: string }[]>`
      select id, token, message_id as "messageId" from digests where user_id = ${userId}`;
    const mailer = createMailer(world.catcher.url, {
      dkim: { domainName: signing.domain, keySelector: signing.selector, privateKey: signing.privateKey },
    });
    try {
      expect(
        await sendDigest(
          { sql: world.database.sql, mailer, logger: testLogger(), settings: { ...world.digestSettings, returnPath } },
          digest!.id,
        ),
      ).toBe('sent');
    } finally {
      mailer.close();
    }
    const caught = world.mailsTo(email).at(-1)!;
    const items = await world.database.sql<
      { position: number; contact: string }[]
    >`select position, contact from digest_items where digest_id = ${digest!.id}`;
    return {
      email,
      userId,
      digest: digest!,
      replyTo: `reply+${digest!.token}@${WORLD.inboundDomain}`,
      at: Object.fromEntries(items.map((i) => [i.position, i.contact])),
      raw: caught.raw,
      envelopeFrom: caught.envelope.from,
    };
  };
  const pausedState = async (userId: string) =>
    (
      await world.database.sql<
        { at: Date | null; reason: string | null }[]
      >`select digest_paused_at as at, digest_paused_reason as reason from users where id = ${userId}`
    )[0]!;

  it('is DKIM-signed over List-Unsubscribe and List-Unsubscribe-Post, with a List-Id, a text part, no remote content, and its own return path', async () => {
    const sam = await userWithSignedDigest('sam@example.com');
    const verified = await dkimVerify(sam.raw, { resolver });
    expect(verified.results).toHaveLength(1);
    const [signature] = verified.results;
    expect(signature!.status.result).toBe('pass');
    expect(signature!.signingDomain).toBe('rekindle.test');
    const signedFields = (signature as unknown as { signingHeaders: { keys: string } }).signingHeaders.keys
      .toLowerCase()
      .split(': ')
      .join(':')
      .split(':');
    expect(signedFields).toEqual(
      expect.arrayContaining([
        'from',
        'to',
        'subject',
        'message-id',
        'list-id',
        'list-unsubscribe',
        'list-unsubscribe-post',
        'auto-submitted',
      ]),
    );

    const headers = new HeaderMap(parseHeaderBlock(headerBlockOf(sam.raw.toString('latin1'))));
    expect(headers.get('List-Id')?.trim()).toBe('rekindle weekly list <weekly-list.rekindle.test>');
    expect(headers.get('List-Unsubscribe-Post')?.trim()).toBe('List-Unsubscribe=One-Click');
    expect(sam.envelopeFrom).toBe(`bounce+${sam.digest.token}@${WORLD.inboundDomain}`);
    const mail = await simpleParser(sam.raw);
    expect(mail.text).toContain('1. ');
    expect(mail.html).toBeTruthy();
    expect(mail.html as string).not.toMatch(/<img|<script|<link|<iframe|url\(|src=/i);
    // Altered after signing, the signature fails.
    const altered = Buffer.from(
      sam.raw.toString('latin1').replace('List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'List-Unsubscribe-Post: X'),
      'latin1',
    );
    expect((await dkimVerify(altered, { resolver })).results[0]!.status.result).toBe('fail');
  });

  it('can keep MAIL_FROM as its return path, for relays that insist on their own', async () => {
    const kim = await userWithSignedDigest('kim@example.com', 'mail-from');
    expect(kim.envelopeFrom).toBe('digest@rekindle.test');
  });

  /** A real bounce from the corpus, sent back as its MTA would: from <>, to the digest's return path. */
  const bounceBack = async (file: string, to: string, rewrite: (raw: string) => string = (r) => r) => {
    const raw = rewrite(readFileSync(path.join(corpus('bounces/bsd'), file), 'latin1'));
    const before = world.results.length;
    await sendReply({
      port: world.inbound.port,
      from: 'MAILER-DAEMON@mx.example.net',
      to,
      text: '',
      raw: Buffer.from(raw, 'latin1'),
      envelopeFrom: '',
      dkim: null,
    });
    return world.results[before]!;
  };

  it('pauses a user’s digests on a hard bounce to the return path, and the scheduler sends them none', async () => {
    const lee = await userWithSignedDigest('lee@example.com');
    const result = await bounceBack('lhost-postfix-01.eml', `bounce+${lee.digest.token}@${WORLD.inboundDomain}`);
    expect(result).toMatchObject({ outcome: 'bounced', detail: 'bounce:hard 5.1.1', digestId: lee.digest.id });
    const paused = await pausedState(lee.userId);
    expect(paused.reason).toBe('bounced');
    expect(paused.at).toBeInstanceOf(Date);
    const due = await queueDueDigests(world.database.sql, { messageIdDomain: 'rekindle.test', now: new Date(Date.now() + 8 * DAY) });
    const [queued] = await world.database.sql`select 1 from digests where user_id = ${lee.userId} and id = any(${due}::uuid[])`;
    expect(queued).toBeUndefined();
    // Nobody was answered.
    expect(world.mailsTo('MAILER-DAEMON@mx.example.net')).toHaveLength(0);
  });

  it('pauses nothing on a soft bounce (a full mailbox, a delay)', async () => {
    const max = await userWithSignedDigest('max@example.com');
    const result = await bounceBack('lhost-postfix-05.eml', `bounce+${max.digest.token}@${WORLD.inboundDomain}`);
    expect(result).toMatchObject({ outcome: 'automated', detail: 'bounce:soft 4.1.1' });
    expect(await pausedState(max.userId)).toEqual({ at: null, reason: null });
  });

  it('recognises its digest by the Message-ID a bounce quotes, when it comes to another address', async () => {
    const ana = await userWithSignedDigest('ana@example.com');
    const result = await bounceBack('rfc3464-01.eml', `postmaster@${WORLD.inboundDomain}`, (raw) =>
      raw.replace(/<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example\.org>/g, ana.digest.messageId),
    );
    expect(result).toMatchObject({ outcome: 'bounced', digestId: ana.digest.id });
    expect((await pausedState(ana.userId)).reason).toBe('bounced');
  });

  it('pauses on a spam complaint (ARF) about a digest, and a verified "resume" brings the digests back', async () => {
    const zoe = await userWithSignedDigest('zoe@example.com');
    const arf = arfComplaint({
      inboundDomain: WORLD.inboundDomain,
      digestFrom: WORLD.mailFrom,
      digestTo: zoe.email,
      digestMessageId: zoe.digest.messageId,
    });
    const before = world.results.length;
    await sendReply({
      port: world.inbound.port,
      from: 'fbl@isp.example',
      to: `postmaster@${WORLD.inboundDomain}`,
      text: '',
      raw: arf,
      envelopeFrom: '',
      dkim: null,
    });
    expect(world.results[before]).toMatchObject({ outcome: 'bounced', detail: 'complaint:abuse' });
    expect((await pausedState(zoe.userId)).reason).toBe('complaint');

    await sendReply({
      port: world.inbound.port,
      from: `Zoe <${zoe.email}>`,
      to: zoe.replyTo,
      text: 'resume',
      messageId: `<${randomUUID()}@client.example>`,
      references: [zoe.digest.messageId],
      dkim: testMailDns().key,
    });
    expect(world.results.at(-1)).toMatchObject({ outcome: 'applied' });
    expect(await pausedState(zoe.userId)).toEqual({ at: null, reason: null });
    expect(await world.lastTextTo(zoe.email)).toContain('Your weekly list is on again');
  });
});
