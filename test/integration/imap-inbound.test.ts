/**
 * The IMAP inbound channel against a real Dovecot started here: replies delivered to the
 * dedicated mailbox are noticed through IDLE (the poll is set to minutes, so only IDLE can be
 * what wakes the watcher), run through the same pipeline as SMTP replies, and marked
 * processed — flagged, or moved to a folder. A reply the pipeline could not process stays and
 * is applied once on the next pass. When Dovecot restarts the watcher reconnects by itself and
 * carries on.
 *
 * Every wait is on an event (the watcher's `processed` and `connected`, Dovecot's own log, the
 * IMAP server's flag announcements), never on the clock, so a loaded machine only makes it slower.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeMail } from '../../src/mailer/create-mailer.ts';
import { PROCESSED_KEYWORD, startImapInbound, type ImapInbound } from '../../src/replies/imap-inbound.ts';
import { startDovecot, type Dovecot } from '../../testkit/dovecot.ts';
import { startReplyWorld, type ReplyWorld, type WorldUser } from '../../testkit/reply-world.ts';
import { testLogger } from '../../testkit/sync-harness.ts';

/** Resolves once `check()` holds: checked now, then after each of `events` from `emitter`. */
function until(emitter: EventEmitter, events: string[], check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const test = () => {
      if (!check()) return;
      for (const event of events) emitter.off(event, test);
      resolve();
    };
    for (const event of events) emitter.on(event, test);
    test();
  });
}
const processedCount = (watcher: ImapInbound, count: number) => until(watcher, ['processed'], () => watcher.processed === count);

const TRUSTED =
  'Authentication-Results: mx.rekindle.test; dkim=pass header.d=example.com; spf=pass smtp.mailfrom=sam@example.com; dmarc=pass header.from=example.com';

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
  const imapClient = (options: { autoIdleDelay?: number } = {}) =>
    new ImapFlow({
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      auth: { user: dovecot.user, pass: dovecot.password },
      logger: false,
      ...options,
    });
  /** Delivers into the mailbox the way an MTA's local delivery would: an APPEND by another client. Resolves to its UID. */
  const deliver = async (raw: Buffer, mailbox = 'INBOX') => {
    const client = imapClient();
    await client.connect();
    try {
      const appended = await client.append(mailbox, raw);
      if (!appended || !appended.uid) throw new Error('the server did not say the appended UID');
      return appended.uid;
    } finally {
      await client.logout();
    }
  };
  /**
   * Watches INBOX from another session, as a mail client would: `flagged(uid, flag)` resolves
   * when the message has the flag, as the server announces the change (in IDLE) or as it is.
   */
  const watchInbox = async () => {
    const client = imapClient({ autoIdleDelay: 100 });
    await client.connect();
    await client.mailboxOpen('INBOX');
    return {
      async flagged(uid: number, flag: string) {
        // Every announcement is kept: one may name the message by sequence number only, and
        // arrive before the FETCH below says which number that is.
        const announced: { seq: number; uid?: number; flags?: Set<string> }[] = [];
        const onFlags = (update: (typeof announced)[number]) => announced.push(update);
        client.on('flags', onFlags);
        try {
          // NOOP first: this session learns of the message, delivered by another one, only at a sync.
          await client.noop();
          const message = await client.fetchOne(String(uid), { flags: true }, { uid: true });
          if (!message) throw new Error(`no message ${uid} in INBOX`);
          if (message.flags?.has(flag)) return;
          await until(client, ['flags'], () => announced.some((u) => (u.uid === uid || u.seq === message.seq) && u.flags?.has(flag)));
        } finally {
          client.off('flags', onFlags);
        }
      },
      close: () => client.logout(),
    };
  };
  const mailbox = async (path: string) => {
    const client = imapClient();
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
    await processedCount(watcher, 1);
    expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`]);
    expect(world.results.at(-1)).toMatchObject({ outcome: 'applied' });

    await deliver(await replyMessage('never 2'));
    await processedCount(watcher, 2);
    expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`, `${sam.at[2]}:never`].sort());
    expect(watcher.connections).toBe(1);
    const inbox = await mailbox('INBOX');
    expect(inbox).toHaveLength(2);
    for (const m of inbox) expect(m.flags).toEqual(expect.arrayContaining([PROCESSED_KEYWORD, '\\Seen']));
  });

  it('holds a reply without a trusted verdict, like any channel: its owner is asked, nothing is applied', async () => {
    const mails = world.mailsTo(sam.email).length;
    await deliver(await replyMessage('never 3', { trusted: false }));
    await processedCount(watcher!, 3);
    expect(world.results.at(-1)).toMatchObject({ outcome: 'unverified', detail: 'no trusted verdict' });
    expect(await world.marks(sam)).not.toContain(`${sam.at[3]}:never`);
    expect(world.mailsTo(sam.email)).toHaveLength(mails + 1);
  });

  it('leaves a reply it could not process, and applies it once at the next pass; a second copy changes nothing', async () => {
    const messageId = `<${randomUUID()}@client.example>`;
    const failed = world.failNext();
    await deliver(await replyMessage('undo', { messageId }));
    await failed;
    expect(watcher!.processed).toBe(3);
    // Not marked: the next message wakes the watcher, which tries both again.
    await deliver(await replyMessage('undo', { messageId }));
    await processedCount(watcher!, 5);
    const outcomes = world.results.slice(-2).map((r) => r.outcome);
    expect(outcomes).toEqual(['applied', 'duplicate']);
    // One undo: the last applied reply (never 2) is taken back, done 1 stays.
    expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`]);
  });

  it('reconnects by itself after Dovecot restarts, and carries on', async () => {
    await dovecot.restart();
    await deliver(await replyMessage('never 2'));
    await until(watcher!, ['connected', 'processed'], () => watcher!.connections >= 2 && watcher!.processed === 6);
    expect(await world.marks(sam)).toEqual([`${sam.at[1]}:done`, `${sam.at[2]}:never`].sort());
    // A second restart while it waits in IDLE, with mail arriving before it is back.
    await dovecot.stop();
    await dovecot.start();
    await deliver(await replyMessage('snooze 3 2w'));
    await processedCount(watcher!, 7);
    expect(await world.marks(sam)).toContain(`${sam.at[3]}:snoozed`);
    await watcher!.close();
    watcher = null;
  });

  it('moves processed mail to a folder when one is configured, creating it', async () => {
    await deliver(await replyMessage('undo'));
    moving = start({ processedMailbox: 'Processed' });
    await processedCount(moving, 1);
    // The seven flagged before stay where they were; the new one moved.
    expect(await mailbox('INBOX')).toHaveLength(7);
    expect(await mailbox('Processed')).toHaveLength(1);
    expect(await world.marks(sam)).not.toContain(`${sam.at[3]}:snoozed`);
    await moving!.close();
    moving = null;
  });

  it('takes mail that arrives while it is busy with another message at once, not at the next poll', async () => {
    const setup = imapClient();
    await setup.connect();
    await setup.mailboxCreate('Busy');
    await setup.logout();
    const first = `<${randomUUID()}@client.example>`;
    const handled: string[] = [];
    let second: Promise<number> | null = null;
    const busy = startImapInbound({
      url: dovecot.url.replace(/\/INBOX$/, '/Busy'),
      // Five minutes: only the server's announcement can bring the second message in time.
      pollSeconds: 300,
      logger: testLogger(),
      reconnect: { minMs: 100, maxMs: 500 },
      // The second message arrives while the first is in the pipeline, so the server announces
      // it (EXISTS) in its answer to the watcher's next command, the STORE that marks the first:
      // during the pass, not during IDLE.
      handle: async (raw) => {
        handled.push(raw.includes(first) ? 'first' : 'second');
        if (!second) {
          second = replyMessage('never 2').then((mail) => deliver(mail, 'Busy'));
          await second;
        }
      },
    });
    try {
      await deliver(await replyMessage('done 1', { messageId: first }), 'Busy');
      await processedCount(busy, 2);
      expect(handled).toEqual(['first', 'second']);
      expect(busy.connections).toBe(1);
    } finally {
      await busy.close();
    }
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

    // A generous timeout: the process loads its code and migrates before it watches, slowly on a busy machine.
    it('watches the mailbox of INBOUND_IMAP_URL beside its SMTP listener, and stops on SIGTERM', { timeout: 180_000 }, async () => {
      const child = spawn(process.execPath, [cli, 'inbound'], {
        env: env({ INBOUND_IMAP_URL: dovecot.url, INBOUND_IMAP_POLL_SECONDS: '300' }),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const inbox = await watchInbox();
      try {
        const uid = await deliver(await replyMessage('never 3'));
        // The process marks the reply once it is applied.
        await inbox.flagged(uid, PROCESSED_KEYWORD);
        expect(await world.marks(sam)).toContain(`${sam.at[3]}:never`);
      } finally {
        child.kill('SIGTERM');
        await inbox.close();
      }
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
    });

    // Every case is in the unit table of test/unit/reply-config.test.ts; here, that the process says so.
    it.each([[{ INBOUND_SMTP_TLS_KEY: '/nonexistent/key.pem' }, /INBOUND_SMTP_TLS_CERT: STARTTLS needs/]])(
      'refuses to start with %j, naming the variable (exit 78)',
      async (extra, message) => {
        const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) =>
          execFile(process.execPath, [cli, 'inbound'], { env: env(extra) }, (error, _stdout, stderr) =>
            resolve({ code: error ? Number(error.code) : 0, stderr }),
          ),
        );
        expect(code).toBe(78);
        expect(stderr).toMatch(message);
      },
    );
  });
});
