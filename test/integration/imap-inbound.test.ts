/**
 * The IMAP inbound channel against a real Dovecot started here: replies delivered to the
 * dedicated mailbox are noticed through IDLE (the poll is set to minutes, so only IDLE can be
 * what wakes the watcher), run through the same pipeline as SMTP replies, and marked
 * processed — flagged, or moved to a folder. A reply the pipeline could not process stays and
 * is applied once on the next pass. When Dovecot restarts the watcher reconnects by itself and
 * carries on.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeMail } from '../../src/mailer/create-mailer.ts';
import { PROCESSED_KEYWORD, startImapInbound, type ImapInbound } from '../../src/replies/imap-inbound.ts';
import { startDovecot, waitFor, type Dovecot } from '../../testkit/dovecot.ts';
import { startReplyWorld, type ReplyWorld, type WorldUser } from '../../testkit/reply-world.ts';
import { testLogger } from '../../testkit/sync-harness.ts';

const TRUSTED = 'Authentication-Results: mx.rekindle.test; dkim=pass header.d=example.com; spf=pass smtp.mailfrom=sam@example.com; dmarc=pass header.from=example.com';

describe('the IMAP inbound channel', () => {
  let world: ReplyWorld;
  let sam: WorldUser;
  let dovecot: Dovecot;
  let watcher: ImapInbound | null = null;
  let moving: ImapInbound | null = null;

  beforeAll(async () => {
    world = await startReplyWorld();
    sam = await world.addUser('sam@example.com', 'Sam Rivera');
    dovecot = await startDovecot();
  });
  afterAll(async () => {
    await watcher?.close();
    await moving?.close();
    await dovecot?.destroy();
    await world?.close();
  });

  /** A reply as the receiving mail server stored it: with its Authentication-Results on top (or without). */
  const replyMessage = async (text: string, options: { trusted?: boolean; messageId?: string } = {}) => {
    const raw = await composeMail({
      from: `Sam Rivera <${sam.email}>`,
      to: sam.replyTo,
      subject: 'Re: Reconnect this week',
      text,
      messageId: options.messageId ?? `<${randomUUID()}@client.example>`,
      inReplyTo: sam.digest.messageId,
      references: [sam.digest.messageId],
    });
    return options.trusted === false ? raw : Buffer.concat([Buffer.from(`${TRUSTED}\r\n`), raw]);
  };
  /** Delivers into the mailbox the way an MTA's local delivery would: an APPEND by another client. */
  const deliver = async (raw: Buffer, mailbox = 'INBOX') => {
    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
    await client.connect();
    try {
      await client.append(mailbox, raw);
    } finally {
      await client.logout();
    }
  };
  const mailbox = async (path: string) => {
    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
    await client.connect();
    try {
      const lock = await client.getMailboxLock(path);
      try {
        const messages: { flags: string[] }[] = [];
        for await (const m of client.fetch('1:*', { flags: true })) messages.push({ flags: [...(m.flags ?? [])] });
        return messages;
      } finally {
        lock.release();
      }
    } catch {
      return [];
    } finally {
      await client.logout();
    }
  };
  const start = (options: { processedMailbox?: string } = {}) =>
    startImapInbound({
      url: dovecot.url,
      processedMailbox: options.processedMailbox ?? null,
      pollSeconds: 300,
      logger: testLogger(),
      handle: world.handle,
      reconnect: { minMs: 100, maxMs: 500 },
    });

  it('processes what was waiting when it starts, then new mail as IDLE announces it, and flags each', async () => {
    await deliver(await replyMessage('done 1'));
    watcher = start();
    await waitFor(() => watcher!.processed === 1, 'the waiting reply');
    expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`]);
    expect(world.results.at(-1)).toMatchObject({ outcome: 'applied' });

    await deliver(await replyMessage('never 2'));
    await waitFor(() => watcher!.processed === 2, 'the new reply');
    expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`, `${sam.at[2]}:never`].sort());
    expect(watcher.connections).toBe(1);
    const inbox = await mailbox('INBOX');
    expect(inbox).toHaveLength(2);
    for (const m of inbox) expect(m.flags).toEqual(expect.arrayContaining([PROCESSED_KEYWORD, '\\Seen']));
  });

  it('holds a reply without a trusted verdict, like any channel: its owner is asked, nothing is applied', async () => {
    const mails = world.mailsTo(sam.email).length;
    await deliver(await replyMessage('never 3', { trusted: false }));
    await waitFor(() => watcher!.processed === 3, 'the unverified reply');
    expect(world.results.at(-1)).toMatchObject({ outcome: 'unverified', detail: 'no trusted verdict' });
    expect(await world.marks(sam)).not.toContain(`${sam.at[3]}:never`);
    expect(world.mailsTo(sam.email)).toHaveLength(mails + 1);
  });

  it('leaves a reply it could not process, and applies it once at the next pass; a second copy changes nothing', async () => {
    const messageId = `<${randomUUID()}@client.example>`;
    world.failNext();
    const failures = world.failures;
    await deliver(await replyMessage('undo', { messageId }));
    await waitFor(() => world.failures === failures + 1, 'the failed attempt');
    expect(watcher!.processed).toBe(3);
    // Not marked: the next message wakes the watcher, which tries both again.
    await deliver(await replyMessage('undo', { messageId }));
    await waitFor(() => watcher!.processed === 5, 'both copies');
    const outcomes = world.results.slice(-2).map((r) => r.outcome);
    expect(outcomes).toEqual(['applied', 'duplicate']);
    // One undo: the last applied reply (never 2) is taken back, done 1 stays.
    expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`]);
  });

  it('reconnects by itself after Dovecot restarts, and carries on', async () => {
    await dovecot.restart();
    await deliver(await replyMessage('never 2'));
    await waitFor(() => watcher!.connections >= 2 && watcher!.processed === 6, 'the reply after the restart');
    expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`, `${sam.at[2]}:never`].sort());
    // A second restart while it waits in IDLE, with mail arriving before it is back.
    await dovecot.stop();
    await dovecot.start();
    await deliver(await replyMessage('snooze 3 2w'));
    await waitFor(() => watcher!.processed === 7, 'the reply after the second restart');
    expect(await world.marks(sam)).toContain(`${sam.at[3]}:snoozed`);
    await watcher!.close();
    watcher = null;
  });

  it('moves processed mail to a folder when one is configured, creating it', async () => {
    await deliver(await replyMessage('undo'));
    moving = start({ processedMailbox: 'Processed' });
    await waitFor(() => moving!.processed === 1, 'the moved reply');
    // The seven flagged before stay where they were; the new one moved.
    expect(await mailbox('INBOX')).toHaveLength(7);
    expect(await mailbox('Processed')).toHaveLength(1);
    expect(await world.marks(sam)).not.toContain(`${sam.at[3]}:snoozed`);
    await moving!.close();
    moving = null;
  });

  describe('`rekindle inbound`, the process that runs it', () => {
    const cli = path.resolve(import.meta.dirname, '../../src/cli.ts');
    const env = (extra: Record<string, string>) => ({
      ...process.env,
      LOG_LEVEL: 'error',
      DATABASE_URL: world.database.url,
      SMTP_URL: world.catcher.url,
      MAIL_FROM: 'rekindle <digest@rekindle.test>',
      INBOUND_DOMAIN: 'in.rekindle.test',
      INBOUND_SMTP_PORT: '0',
      TRUSTED_AUTHSERV_IDS: 'mx.rekindle.test',
      LINK_SECRETS: 'test-link-secret-0123456789abcdef0123456789',
      ...extra,
    });

    it('watches the mailbox of INBOUND_IMAP_URL beside its SMTP listener, and stops on SIGTERM', async () => {
      const child = spawn(process.execPath, [cli, 'inbound'], { env: env({ INBOUND_IMAP_URL: dovecot.url, INBOUND_IMAP_POLL_SECONDS: '300' }), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await deliver(await replyMessage('never 3'));
        await waitFor(async () => (await mailbox('INBOX')).at(-1)!.flags.includes(PROCESSED_KEYWORD), 'the process to mark the reply processed');
        expect(await world.marks(sam)).toContain(`${sam.at[3]}:never`);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
    });

    // Every case is in the unit table of test/unit/reply-config.test.ts; here, that the process says so.
    it.each([[{ INBOUND_SMTP_TLS_KEY: '/nonexistent/key.pem' }, /INBOUND_SMTP_TLS_CERT: STARTTLS needs/]])('refuses to start with %j, naming the variable (exit 78)', async (extra, message) => {
      const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(process.execPath, [cli, 'inbound'], { env: env(extra) }, (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr })),
      );
      expect(code).toBe(78);
      expect(stderr).toMatch(message);
    });
  });
});
