/**
 * `rekindle demo --provider imap`'s loop, exactly (the same `startDemoLoop`): no emulator, a real
 * Dovecot serves the sample mailbox over IMAP and a real Radicale its meetings over CalDAV; the
 * real workers sync both into Postgres over BullMQ on Redis; the scheduler sends the digest over
 * SMTP to a catcher on loopback; a reply goes over SMTP to the inbound listener.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoLoop, type DemoDigest, type DemoLoop } from '../../fakes/demo/demo-loop.ts';
import { imapDemoUnavailable } from '../../fakes/demo/imap-demo-servers.ts';
import { testLogger } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

/** In touch lately, or (Priya) with a meeting coming up that only the calendar knows of: never suggested. */
const IN_TOUCH = ['leo@startup.example', 'priya@northwind.example', 'nora.lind@example.se', 'ben.carter@example.com'];

describe('the weekly loop on real IMAP and CalDAV servers (rekindle demo --provider imap)', () => {
  let database: TestDatabase;
  let loop: DemoLoop;
  let digest: DemoDigest;
  let chosen: string[];
  const queue = createTestPrefix('digest-loop-imap');

  beforeAll(async () => {
    database = await createTestDatabase();
    loop = await startDemoLoop({
      databaseUrl: database.url,
      redisUrl,
      queuePrefix: queue.prefix,
      logger: testLogger(),
      env: { NODE_ENV: 'test' },
      provider: 'imap',
    });
    await loop.waitUntilSynced();
    digest = await loop.waitForDigest();
    const items = await database.sql<
      { contact: string }[]
    >`select contact from digest_items where digest_id = ${digest.id} order by position`;
    chosen = items.map((i) => i.contact);
  }, 180_000);

  afterAll(async () => {
    await loop?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('serves the mail from Dovecot and the meetings from Radicale, and syncs them all', async () => {
    expect(loop.emulatorName).toBe('Dovecot (IMAP) and Radicale (CalDAV) on 127.0.0.1');
    expect(loop.notes).toEqual([]);
    expect(loop.eventsServed).toBe(loop.sample.seed.events!.length);
    const streams = await database.sql<{ stream: string; items: number }[]>`
      select stream, items_synced::int as items from sync_streams where account_id = ${loop.accountId} order by stream`;
    expect(streams).toEqual([
      { stream: 'calendar', items: loop.sample.seed.events!.length },
      {
        stream: 'mail',
        items: loop.sample.seed.messages.filter((m) => !m.labelIds?.some((l) => ['DRAFT', 'SPAM', 'TRASH'].includes(l))).length,
      },
    ]);
  });

  it('chooses the people the owner lost touch with, within the budget, and no one they are about to meet', () => {
    expect(chosen).toHaveLength(5);
    expect(chosen).toContain('maya@chenlabs.io');
    expect(chosen.some((c) => c.includes('jonas'))).toBe(true);
    for (const person of IN_TOUCH) expect(chosen).not.toContain(person);
    for (const contact of chosen) expect(loop.sample.notContacts).not.toContain(contact);
  });

  it('names the package to install on a machine without Dovecot', () => {
    expect(imapDemoUnavailable('/nowhere/dovecot')).toMatch(
      /\/nowhere\/dovecot is not installed\. Install it with `apt-get install dovecot-imapd`/,
    );
  });

  it('sends the digest over SMTP, and a reply over SMTP is applied and confirmed', async () => {
    expect(loop.catcher!.accepted).toHaveLength(1);
    expect(digest.mail.subject).toMatch(/^Reconnect this week: /);
    const { result, confirmation } = await loop.reply(digest, 'done 1');
    expect(result.outcome).toBe('applied');
    expect(confirmation!.text).toContain('Marked as written to');
  });
});
