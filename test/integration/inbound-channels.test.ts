/**
 * The inbound channels' own behaviour. The SMTP listener refuses unknown recipients at RCPT,
 * refuses oversized mail, and offers STARTTLS when given a certificate. The webhook takes raw
 * MIME only with the shared secret, judges the sender by trusted Authentication-Results only,
 * and answers 503 when it could not process a message, so the sender retries. Both feed the
 * same idempotent pipeline.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeMail } from '../../src/mailer/create-mailer.ts';
import { digestTokenExists, startInboundSmtp, type InboundSmtp } from '../../src/replies/inbound-smtp-server.ts';
import { sendReply, testMailDns } from '../../testkit/reply-harness.ts';
import { selfSignedCertificate } from '../../testkit/self-signed-certificate.ts';
import { startReplyWorld, WORLD, type ReplyWorld, type WorldUser } from '../../testkit/reply-world.ts';
import { testLogger } from '../../testkit/sync-harness.ts';
import { startWebhookApp, WEBHOOK_SECRET as SECRET, type WebhookApp } from '../../testkit/webhook-app.ts';

describe('inbound channels', () => {
  let world: ReplyWorld;
  let sam: WorldUser;
  // The webhook's rate limits count in Redis: this file's own keys.
  let webhook: WebhookApp;

  beforeAll(async () => {
    world = await startReplyWorld();
    sam = await world.addUser('sam@example.com', 'Sam Rivera');
    webhook = startWebhookApp(world, 'inbound');
  });
  afterAll(async () => {
    await webhook?.close();
    await world?.close();
  });

  const message = (text: string, options: { authenticationResults?: string; messageId?: string; size?: number } = {}) =>
    composeMail({
      from: `Sam Rivera <${sam.email}>`,
      to: sam.replyTo,
      subject: 'Re: Reconnect this week',
      text: options.size ? `${text}\n${'x'.repeat(options.size)}` : text,
      messageId: options.messageId ?? `<${randomUUID()}@client.example>`,
      references: [sam.digest.messageId],
      headers: options.authenticationResults ? { 'Authentication-Results': options.authenticationResults } : {},
    });
  const TRUSTED_PASS = 'mx.rekindle.test; dkim=pass (good signature) header.d=example.com; dmarc=pass (p=reject) header.from=example.com';
  const post = (body: Buffer, headers?: Record<string, string>) => webhook.post(body, headers);

  describe('the webhook', () => {
    it('applies a reply the trusted server vouched for, once', async () => {
      const raw = await message('done 1', { authenticationResults: TRUSTED_PASS });
      const first = await post(raw);
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({ outcome: 'applied' });
      expect((await post(raw)).json()).toEqual({ outcome: 'duplicate' });
      expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`]);
      const [row] = await world.database
        .sql`select channel, auth from inbound_replies where outcome = 'applied' order by created_at desc limit 1`;
      expect(row).toEqual({ channel: 'webhook', auth: 'dmarc=pass header.from=example.com (mx.rekindle.test)' });
    });

    it('refuses a request without the secret, or with another one, and reads nothing', async () => {
      const raw = await message('never 2', { authenticationResults: TRUSTED_PASS });
      expect((await post(raw, {})).statusCode).toBe(401);
      expect((await post(raw, { authorization: 'Bearer not-the-secret' })).statusCode).toBe(401);
      expect((await post(raw, { authorization: SECRET })).statusCode).toBe(401);
      expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`]);
    });

    it('holds a reply whose verdict comes from an untrusted server, says it failed, or is missing', async () => {
      for (const [authenticationResults, auth] of [
        ['mx.evil.example; dkim=pass header.d=example.com; dmarc=pass header.from=example.com', 'no trusted verdict'],
        [
          'mx.rekindle.test; dkim=fail header.d=example.com; dmarc=fail (p=reject) header.from=example.com',
          'dmarc=fail (mx.rekindle.test)',
        ],
        ['mx.rekindle.test; dkim=pass header.d=evil.example; dmarc=none header.from=example.com', 'not aligned (mx.rekindle.test)'],
        [undefined, 'no trusted verdict'],
      ] as const) {
        const response = await post(await message('never 2', { authenticationResults }));
        expect(response.json()).toEqual({ outcome: 'unverified' });
        const [row] = await world.database
          .sql`select auth from inbound_replies where outcome = 'unverified' order by created_at desc limit 1`;
        expect(row!.auth).toBe(auth);
      }
      expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`]);
    });

    it('accepts an aligned DKIM pass when the domain has no DMARC policy', async () => {
      const response = await post(
        await message('never 2', {
          authenticationResults: 'mx.rekindle.test; dkim=pass header.i=@mail.example.com; spf=fail smtp.mailfrom=example.com',
        }),
      );
      expect(response.json()).toEqual({ outcome: 'applied' });
      expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`, `${sam.at[2]}:never`].sort());
    });

    it('answers 503 when it could not process a message (so the sender retries), then applies it once', async () => {
      const raw = await message('undo', { authenticationResults: TRUSTED_PASS });
      world.failNext();
      const failed = await post(raw);
      expect(failed.statusCode).toBe(503);
      expect(failed.headers['retry-after']).toBe('60');
      expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`, `${sam.at[2]}:never`].sort());
      expect((await post(raw)).json()).toEqual({ outcome: 'applied' });
      expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`]);
    });

    it('refuses an empty body and one over the size limit', async () => {
      expect((await post(Buffer.alloc(0))).statusCode).toBe(400);
      expect((await post(await message('done 3', { size: 200_000, authenticationResults: TRUSTED_PASS }))).statusCode).toBe(413);
      expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`]);
    });
  });

  describe('the SMTP listener', () => {
    it('refuses recipients it does not hand out, at RCPT', async () => {
      const send = (to: string) => sendReply({ port: world.inbound.port, from: sam.email, to, text: 'done 3', dkim: testMailDns().key });
      await expect(send('someone@elsewhere.example')).rejects.toMatchObject({ responseCode: 550 });
      await expect(send(`reply+${'f'.repeat(32)}@${WORLD.inboundDomain}`)).rejects.toMatchObject({ responseCode: 550 });
      await expect(send(`sam@${WORLD.inboundDomain}`)).rejects.toMatchObject({ responseCode: 550 });
      await expect(send(`bounce+${'f'.repeat(32)}@${WORLD.inboundDomain}`)).rejects.toMatchObject({ responseCode: 550 });
      // What it hands out: the digest's reply and return-path addresses, and postmaster.
      const before = world.results.length;
      await send(`postmaster@${WORLD.inboundDomain}`);
      await send(`bounce+${sam.digest.token}@${WORLD.inboundDomain}`);
      expect(world.results.slice(before).map((r) => r.outcome)).toEqual(['unknown_digest', 'unknown_digest']);
      expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`]);
    });

    it('refuses mail over its size limit', async () => {
      const small = await startInboundSmtp({
        host: '127.0.0.1',
        port: 0,
        domain: WORLD.inboundDomain,
        logger: testLogger(),
        handle: world.handle,
        maxBytes: 10_000,
      });
      try {
        const raw = await message('done 3', { size: 30_000, authenticationResults: TRUSTED_PASS });
        await expect(sendReply({ port: small.port, from: sam.email, to: sam.replyTo, text: '', raw })).rejects.toMatchObject({
          responseCode: 552,
        });
        expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`]);
      } finally {
        await small.close();
      }
    });

    it('offers STARTTLS with a key and certificate, and replies arrive over it', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'rekindle-tls-'));
      let tls: InboundSmtp | null = null;
      try {
        const certificate = selfSignedCertificate(dir, { commonName: WORLD.inboundDomain, days: 1 });
        tls = await startInboundSmtp({
          host: '127.0.0.1',
          port: 0,
          domain: WORLD.inboundDomain,
          logger: testLogger(),
          handle: world.handle,
          knownToken: digestTokenExists(world.database.sql),
          tls: { key: certificate.key, cert: Buffer.from(certificate.cert) },
        });
        const transport = nodemailer.createTransport({
          host: '127.0.0.1',
          port: tls.port,
          secure: false,
          requireTLS: true,
          tls: { rejectUnauthorized: false },
          dkim: { domainName: 'example.com', keySelector: testMailDns().key.selector, privateKey: testMailDns().key.privateKey },
        });
        try {
          const info = await transport.sendMail({
            from: sam.email,
            to: sam.replyTo,
            subject: 'Re: x',
            text: 'done 3',
            references: [sam.digest.messageId],
          });
          expect(info.response).toMatch(/^250/);
        } finally {
          transport.close();
        }
        expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`, `${sam.at[3]}:done`].sort());
        // Without a certificate the listener offers no STARTTLS: a client that insists gets nowhere.
        const plain = nodemailer.createTransport({ host: '127.0.0.1', port: world.inbound.port, secure: false, requireTLS: true });
        try {
          await expect(plain.sendMail({ from: sam.email, to: sam.replyTo, subject: 'Re: x', text: 'never 3' })).rejects.toThrow(/STARTTLS/);
        } finally {
          plain.close();
        }
      } finally {
        await tls?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
