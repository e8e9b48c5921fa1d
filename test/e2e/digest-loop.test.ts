/**
 * The demo's loop, exactly (the same `startDemoLoop` that `rekindle demo` runs): the Google
 * emulator serves the sample mailbox to googleapis; the real workers sync it into Postgres
 * over BullMQ on Redis; the scheduler sends the digest over SMTP to a catcher on loopback;
 * replies go over SMTP to the inbound listener. Checked: who is chosen, the headers, both
 * bodies, and what each reply command does to the next list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUGGESTION_REST_DAYS } from '../../src/contacts/select-reconnects.ts';
import { chooseEntries } from '../../src/digest/choose-entries.ts';
import { startDemoLoop, type DemoDigest, type DemoLoop } from '../../fakes/demo/demo-loop.ts';
import { HeaderMap, headerBlockOf, parseHeaderBlock } from '../../src/mail/header-block.ts';
import { testLogger } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

const DAY = 86_400_000;
/** People the sample owner talked with days ago, at their usual rhythm, or is about to meet: never suggested. */
const IN_TOUCH = [
  'leo@startup.example',
  'priya@northwind.example',
  'nora.lind@example.se',
  'felix.wagner@example.at',
  'amara.okoye@example.ng',
  'ben.carter@example.com',
  'laura.becker@example.de',
];

describe('the weekly loop: sync, digest over SMTP, replies over SMTP', () => {
  let database: TestDatabase;
  let loop: DemoLoop;
  let digest: DemoDigest;
  let chosen: string[];
  const queue = createTestPrefix('digest-loop');

  beforeAll(async () => {
    database = await createTestDatabase();
    loop = await startDemoLoop({
      databaseUrl: database.url,
      redisUrl,
      queuePrefix: queue.prefix,
      logger: testLogger(),
      env: { NODE_ENV: 'test' },
    });
    await loop.waitUntilSynced();
    digest = await loop.waitForDigest();
    const items = await database.sql<
      { contact: string }[]
    >`select contact from digest_items where digest_id = ${digest.id} order by position`;
    chosen = items.map((i) => i.contact);
  });

  afterAll(async () => {
    await loop?.close();
    await database?.drop();
    await queue.cleanup();
  });

  /** Who a digest could suggest as of a date (no budget): the effect of marks, past the rest after a suggestion. */
  const eligible = async (asOf: Date) => (await chooseEntries(database.sql, loop.userId, asOf, 100)).entries.map((e) => e.contact);
  const afterRest = () => new Date(Date.now() + (SUGGESTION_REST_DAYS + 1) * DAY);

  it('chooses the people the owner lost touch with, closest first, within the budget', () => {
    expect(chosen).toHaveLength(5);
    // The close friend and the former colleague, silent for months against a rhythm of weeks.
    expect(chosen).toContain('maya@chenlabs.io');
    expect(chosen.some((c) => c.includes('jonas'))).toBe(true);
    for (const person of IN_TOUCH) expect(chosen).not.toContain(person);
    for (const contact of chosen) {
      const truth = [...loop.sample.contacts.values()].find(
        (t) => contact === t.email || contact.replace(/\./g, '') === t.email.replace(/\./g, ''),
      );
      expect(truth, contact).toBeDefined();
      expect(loop.sample.notContacts).not.toContain(truth!.email);
    }
  });

  it('sends one digest, with the headers a digest needs', async () => {
    expect(loop.catcher!.accepted).toHaveLength(1);
    const headers = new HeaderMap(parseHeaderBlock(headerBlockOf(digest.raw.toString('latin1'))));
    const flat = (name: string) => headers.get(name)?.replace(/\s+/g, ' ').trim();
    expect(digest.mail.from?.value[0]).toMatchObject({ name: 'rekindle', address: 'rekindle@localhost' });
    expect(digest.mail.to && !Array.isArray(digest.mail.to) ? digest.mail.to.value[0]?.address : null).toBe('sam@example.com');
    expect(loop.catcher!.accepted[0]!.envelope.to).toEqual(['sam@example.com']);
    expect(flat('Message-ID')).toBe(digest.messageId);
    expect(flat('Reply-To')).toBe(`reply+${digest.token}@localhost`);
    expect(flat('List-Unsubscribe')).toBe(
      `<mailto:reply+${digest.token}@localhost?subject=unsubscribe>, <http://localhost:3000/digest/unsubscribe/${digest.token}>`,
    );
    expect(flat('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(flat('Auto-Submitted')).toBe('auto-generated');
    expect(flat('Content-Type')).toMatch(/^multipart\/alternative/);
    expect(digest.mail.subject).toMatch(/^Reconnect this week: [^,]+, [^,]+ and 3 more$/);
  });

  it('says the same thing in both bodies: numbered entries with who, how long, how often, why and the last subject', () => {
    const text = digest.mail.text!;
    const html = digest.mail.html as string;
    const numbered = [...text.matchAll(/^(\d+)\. (.+) <([^>]+)>$/gm)].map((m) => [Number(m[1]), m[2], m[3]]);
    expect(numbered.map((n) => n[0])).toEqual([1, 2, 3, 4, 5]);
    expect(numbered.map((n) => n[2])).toEqual(
      chosen.map((c) => [...loop.sample.contacts.values()].find((t) => t.email.replace(/\./g, '') === c.replace(/\./g, ''))!.email),
    );
    const htmlEntries = [...html.matchAll(/data-number="(\d+)"[\s\S]*?<strong class="name">([^<]+)<\/strong>/g)].map((m) => [
      Number(m[1]),
      m[2],
    ]);
    expect(htmlEntries).toEqual(numbered.map((n) => [n[0], n[1]]));
    expect(text).toMatch(/^ {3}Last in touch \d+ months ago \(\d+ \w+ \d{4}\); you used to talk every \d+ weeks\.$/m);
    expect(text).toMatch(/^ {3}Why now: .+ Try: “.+”$/m);
    expect(text).toMatch(/^ {3}Last subject: “.+”$/m);
    expect(html).toMatch(/Last in touch \d+ months ago/);
    expect(text).toContain('Reply with: done 1 3');
    expect(html).toContain('Reply with: <code');
    // Nothing to load, nothing to track.
    expect(html).not.toMatch(/<img|<script|<link|url\(/i);
    expect(
      [...html.matchAll(/href="([^"]+)"/g)]
        .map((m) => m[1]!)
        .every((href) => href.startsWith('mailto:') || href.includes('/digest/unsubscribe/')),
    ).toBe(true);
  });

  it('helps to write: an opener for everyone, the meeting last shared and a mutual connection where the mailbox has them', () => {
    const text = digest.mail.text!;
    const html = digest.mail.html as string;
    // One opener per person, in both parts.
    expect([...text.matchAll(/^ {3}Why now: .+ Try: “(.+)”$/gm)]).toHaveLength(5);
    expect([...html.matchAll(/<span class="opener"[^>]*>Try: “/g)]).toHaveLength(5);
    // Jonas worked with Leo and the owner (sample-mailbox.ts): two threads with Leo in Cc and a
    // roadmap meeting of the three; Leo is written to every week. Nobody else shares a meeting
    // or a connection in touch now, so nobody else gets one.
    const jonas = [...text.matchAll(/^(\d+)\. Jonas Wéber <jonas\.weber@example\.de>\n(?: {3}.*\n){3}/gm)][0]![0];
    expect(jonas).toContain('Try: “How have things been since ‘Roadmap review’ in ');
    expect(jonas).toMatch(
      /^ {3}Last subject: “Release notes” · Last meeting: “Roadmap review”, \d+ \w+ \d{4}, 3 people · Mutual: Leo Martins \(on 3 of your messages and meetings with them; you wrote to Leo \d+ days? ago\)$/m,
    );
    expect(text.match(/Last meeting: /g)).toHaveLength(1);
    expect(text.match(/Mutual: /g)).toHaveLength(1);
    expect(html).toContain('Mutual: Leo Martins (on 3 of your messages and meetings with them; you wrote to Leo');
  });

  it('next week’s list suggests other people: this week’s rest for a few weeks', async () => {
    const nextWeek = (await chooseEntries(database.sql, loop.userId, new Date(Date.now() + 7 * DAY), 5)).entries.map((e) => e.contact);
    expect(nextWeek).toHaveLength(5);
    for (const contact of chosen) expect(nextWeek).not.toContain(contact);
    expect(await eligible(afterRest())).toEqual(expect.arrayContaining(chosen));
  });

  it('done 1 takes the first person off the lists to come, and the confirmation says so', async () => {
    const { result, confirmation } = await loop.reply(digest, 'done 1');
    expect(result.outcome).toBe('applied');
    expect(confirmation!.text).toContain('Marked as written to');
    expect(confirmation!.text).toContain(`  1. ${[...(digest.mail.text ?? '').matchAll(/^1\. (.+) </gm)][0]![1]}`);
    expect(confirmation!.inReplyTo).toBeDefined();
    const later = await eligible(afterRest());
    expect(later).not.toContain(chosen[0]);
    expect(later).toEqual(expect.arrayContaining(chosen.slice(1)));
  });

  it('snooze 2 3m takes the second person off until the snooze ends', async () => {
    const { result, confirmation } = await loop.reply(digest, 'snooze 2 3m');
    expect(result.outcome).toBe('applied');
    expect(confirmation!.text).toMatch(/Snoozed until [^\n]+:\n {2}2\. /);
    expect(await eligible(afterRest())).not.toContain(chosen[1]);
    expect(await eligible(new Date(Date.now() + 100 * DAY))).toContain(chosen[1]);
  });

  it('never 3 takes the third person off for good', async () => {
    await loop.reply(digest, 'never 3');
    expect(await eligible(afterRest())).not.toContain(chosen[2]);
    expect(await eligible(new Date(Date.now() + 200 * DAY))).not.toContain(chosen[2]);
  });

  it('undo brings back the person the last reply took off', async () => {
    const { confirmation } = await loop.reply(digest, 'undo');
    expect(confirmation!.text).toMatch(/Taken back[^\n]*\n {2}3\. /);
    const later = await eligible(afterRest());
    expect(later).toContain(chosen[2]);
    expect(later).not.toContain(chosen[0]);
    expect(later).not.toContain(chosen[1]);
    expect(later).toEqual(expect.arrayContaining(chosen.slice(3)));
    // Every message rekindle sent went over SMTP: the digest and four confirmations.
    expect(loop.catcher!.accepted.map((m) => m.envelope.to[0])).toEqual(Array(5).fill('sam@example.com'));
  });
});
