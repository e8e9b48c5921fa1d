/**
 * Copies of a genuine reply, over real SMTP into the inbound listener with DKIM checked by
 * mailauth against the test's own DNS. Whoever ever held a copy of the owner's signed reply (a
 * Cc, a relay) must not be able to apply it again: a second Message-ID (or From, Date, Subject,
 * To) holds the message, and a copy whose unsigned Message-ID was changed is known by its DKIM
 * signature and recorded as a copy.
 */
import { randomUUID } from 'node:crypto';
import DKIM from 'nodemailer/lib/dkim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeMail } from '../../src/mailer/create-mailer.ts';
import { sendReply, testMailDns } from '../../testkit/reply-harness.ts';
import { startReplyWorld, type ReplyWorld, type WorldUser } from '../../testkit/reply-world.ts';
import { startWebhookApp, type WebhookApp } from '../../testkit/webhook-app.ts';

describe('a copy of a genuine reply applies nothing', () => {
  let world: ReplyWorld;
  let sam: WorldUser;
  let webhook: WebhookApp;

  beforeAll(async () => {
    world = await startReplyWorld();
    sam = await world.addUser('sam@example.com', 'Sam Rivera');
    webhook = startWebhookApp(world, 'replay');
  });
  afterAll(async () => {
    await webhook?.close();
    await world?.close();
  });

  /** The owner's reply as their provider signs it; `signed` lists the header fields the signature covers. */
  const signedReply = async (
    text: string,
    signed = 'From:To:Subject:Date:Message-ID:In-Reply-To:References',
    headers: Record<string, string> = {},
  ) => {
    const dns = testMailDns();
    const raw = await composeMail({
      from: `Sam Rivera <${sam.email}>`,
      to: sam.replyTo,
      subject: 'Re: Reconnect this week',
      text,
      messageId: `<${randomUUID()}@client.example>`,
      inReplyTo: sam.digest.messageId,
      references: [sam.digest.messageId],
      headers,
    });
    const chunks: Buffer[] = [];
    const key = { domainName: dns.key.domain, keySelector: dns.key.selector, privateKey: dns.key.privateKey, headerFieldNames: signed };
    for await (const chunk of new DKIM(key).sign(raw)) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks);
  };
  const deliver = async (raw: Buffer) => {
    const before = world.results.length;
    await sendReply({ port: world.inbound.port, from: sam.email, to: sam.replyTo, text: '', raw });
    return world.results[before]!;
  };
  const paused = async () =>
    (await world.database.sql<{ at: Date | null }[]>`select digest_paused_at as at from users where id = ${sam.userId}`)[0]!.at !== null;
  const journal = async () =>
    (await world.database.sql<{ n: number }[]>`select count(*)::int as n from verdict_journal where user_id = ${sam.userId}`)[0]!.n;
  const rows = async (outcome: string) =>
    world.database.sql<
      { detail: string | null }[]
    >`select detail from inbound_replies where user_id = ${sam.userId} and outcome = ${outcome} order by created_at`;

  it('a second Message-ID prepended to a signed "pause" does not pause again after the owner resumed', async () => {
    const pause = await signedReply('pause\n');
    expect((await deliver(pause)).outcome).toBe('applied');
    expect(await paused()).toBe(true);
    expect((await deliver(await signedReply('resume\n'))).outcome).toBe('applied');
    expect(await paused()).toBe(false);
    const entries = await journal();

    // DKIM verifies the last Message-ID (the signed one): the copy still passes DMARC.
    const copy = Buffer.concat([Buffer.from(`Message-ID: <${randomUUID()}@copy.example>\r\n`), pause]);
    const result = await deliver(copy);
    expect(result.outcome).toBe('ambiguous');
    expect(result.detail).toBe('more than one Message-ID header');
    expect(await paused()).toBe(false);
    expect(await journal()).toBe(entries);
    expect((await rows('ambiguous')).map((r) => r.detail)).toContain('more than one Message-ID header');
  });

  it('a second From, Date, Subject or To holds the message too', async () => {
    for (const [header, value] of [
      ['From', 'Sam Rivera <sam@example.com>'],
      ['Date', new Date().toUTCString()],
      ['Subject', 'Re: Reconnect this week'],
      ['To', sam.replyTo],
    ] as const) {
      const genuine = await signedReply('never 2\n');
      const copy = Buffer.concat([Buffer.from(`${header}: ${value}\r\n`), genuine]);
      const result = await deliver(copy);
      expect(result.outcome).toBe('ambiguous');
      expect(result.detail).toBe(`more than one ${header} header`);
    }
    expect(await world.marks(sam)).toEqual([]);
  });

  it('a copy whose unsigned Message-ID was changed is known by its signature and recorded as a copy', async () => {
    const genuine = await signedReply('snooze 3 2w\n', 'From:To:Subject:Date:In-Reply-To:References');
    expect((await deliver(genuine)).outcome).toBe('applied');
    expect(await world.marks(sam)).toEqual([`${sam.at[3]}:snoozed`]);
    // The owner takes it back; the copy must not snooze again.
    expect((await deliver(await signedReply('undo\n'))).outcome).toBe('applied');
    expect(await world.marks(sam)).toEqual([]);
    const entries = await journal();

    const copy = Buffer.from(
      genuine.toString('latin1').replace(/^Message-ID: <[^>]+>/im, `Message-ID: <${randomUUID()}@copy.example>`),
      'latin1',
    );
    expect(copy.equals(genuine)).toBe(false);
    const result = await deliver(copy);
    expect(result.outcome).toBe('duplicate');
    expect(result.detail).toBe('a copy of a message already received (the same DKIM signature)');
    expect(await world.marks(sam)).toEqual([]);
    expect(await journal()).toBe(entries);
    expect((await rows('duplicate')).map((r) => r.detail)).toContain('a copy of a message already received (the same DKIM signature)');
  });

  it('over the webhook, judged by a trusted Authentication-Results: a copy with another Message-ID is known by its signature', async () => {
    const trusted = { 'Authentication-Results': 'mx.rekindle.test; dkim=pass header.d=example.com; dmarc=pass header.from=example.com' };
    const post = async (raw: Buffer) => (await webhook.post(raw)).json();
    const genuine = await signedReply('never 1\n', 'From:To:Subject:Date:In-Reply-To:References', trusted);
    expect(await post(genuine)).toEqual({ outcome: 'applied' });
    expect(await post(await signedReply('undo\n', undefined, trusted))).toEqual({ outcome: 'applied' });
    expect(await world.marks(sam)).toEqual([]);
    const copy = Buffer.from(
      genuine.toString('latin1').replace(/^Message-ID: <[^>]+>/im, `Message-ID: <${randomUUID()}@copy.example>`),
      'latin1',
    );
    expect(await post(copy)).toEqual({ outcome: 'duplicate' });
    expect(await world.marks(sam)).toEqual([]);
  });
});
