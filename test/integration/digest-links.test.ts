/**
 * The digest's signed links: sent in both parts of a real digest, bound to its user, digest
 * and entry, expiring; a GET shows buttons and changes nothing; a POST applies once (again
 * changes nothing) and undo restores what was there before. Forged, altered, expired and other
 * users' links are refused.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionToken, readActionToken } from '../../src/digest/action-links.ts';
import { parseCommandLine } from '../../src/replies/parse-commands.ts';
import { signToken } from '../../src/security/signed-token.ts';
import { type DigestWebWorld, sendSeededDigest, startDigestWebWorld } from '../../testkit/digest-web-world.ts';
import type { TestDatabase } from '../../testkit/test-database.ts';
import { form, LINK_SECRET } from '../../testkit/web-harness.ts';

const keys = { secrets: [LINK_SECRET] };
const PEOPLE = [
  { email: 'ada@example.org', name: 'Ada Lovelace', everyDays: 14, lastDaysAgo: 150, conversations: 12 },
  { email: 'bo@example.net', name: 'Bo Chan', everyDays: 21, lastDaysAgo: 200, conversations: 10 },
];

describe('signed links in the digest', () => {
  let world: DigestWebWorld;
  let database: TestDatabase;
  let app: DigestWebWorld['app'];
  let sam: { userId: string; digestId: string; text: string; html: string };
  let kim: { userId: string; digestId: string };

  const send = (email: string) => sendSeededDigest(world, { email, people: PEOPLE }, keys);

  beforeAll(async () => {
    world = await startDigestWebWorld('links');
    ({ database, app } = world);
    const ids = await send('sam@example.com');
    const { simpleParser } = await import('mailparser');
    const mail = await simpleParser(world.catcher.accepted.at(-1)!.raw);
    sam = { ...ids, text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : '' };
    kim = await send('kim@example.com');
  });
  afterAll(async () => {
    await world?.close();
  });

  const pathOf = (url: string) => new URL(url).pathname;
  const mark = async (userId: string, contact: string) =>
    (
      await database.sql<
        { status: string; until: Date | null }[]
      >`select status, until from contact_marks where user_id = ${userId} and contact = ${contact}`
    )[0] ?? null;
  const post = (path: string, fields: Record<string, string>) =>
    app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) });

  it('each entry carries its link in the text part and done / snooze / never links in the HTML, and none of those lines reads as a command', async () => {
    const textLinks = [...sam.text.matchAll(/^ {3}Mark as done, snooze or never: (http:\/\/rekindle\.test\/d\/\S+)$/gm)].map((m) => m[1]!);
    expect(textLinks).toHaveLength(2);
    const htmlLinks = [...sam.html.matchAll(/<a class="action" data-verb="(\w+)" href="([^"]+)"/g)].map((m) => [
      m[1],
      m[2]!.replace(/&amp;/g, '&'),
    ]);
    expect(htmlLinks.map(([verb]) => verb)).toEqual(['done', 'snooze', 'never', 'done', 'snooze', 'never']);
    expect(htmlLinks[0]![1]).toBe(`${textLinks[0]}?do=done`);
    const read = readActionToken(keys, pathOf(textLinks[1]!).slice('/d/'.length));
    // The compact token names the digest and the entry; the digest names its user.
    expect(read).toEqual({ ok: true, target: { userId: null, digestId: sam.digestId, position: 2 } });
    // Short enough to read and copy from the plain text: the address, /d/ and 45 characters.
    for (const link of textLinks) expect(link.length).toBe('http://rekindle.test/d/'.length + 45);
    // Expiring with the link lifetime: not before 29 days, not after 31.
    expect(readActionToken(keys, pathOf(textLinks[1]!).slice(3), new Date(Date.now() + 29 * 86_400_000)).ok).toBe(true);
    expect(readActionToken(keys, pathOf(textLinks[1]!).slice(3), new Date(Date.now() + 31 * 86_400_000))).toEqual({
      ok: false,
      reason: 'expired',
    });
    for (const line of sam.text.split('\n')) expect(parseCommandLine(line), line).toBeNull();
  });

  it('a GET shows the person and buttons, and changes nothing (link scanners fetch every URL)', async () => {
    const link = pathOf([...sam.text.matchAll(/never: (\S+)$/gm)][0]![1]!);
    const page = await app.inject({ method: 'GET', url: `${link}?do=done` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Ada Lovelace');
    expect(page.body).toContain(
      `<form class="inline" method="post" action="${link}"><input type="hidden" name="do" value="done"><button type="submit" class="">`,
    );
    expect(page.headers['referrer-policy']).toBe('same-origin');
    expect(await mark(sam.userId, 'ada@example.org')).toBeNull();
  });

  it('a POST applies once: the same click again changes nothing; another verb replaces it; undo restores what was there before', async () => {
    const link = pathOf([...sam.text.matchAll(/never: (\S+)$/gm)][0]![1]!);
    await database.sql`insert into contact_marks (user_id, contact, status, marked_at, until) values (${sam.userId}, 'ada@example.org', 'snoozed', now() - interval '40 days', now() - interval '10 days')`;
    const earlier = await mark(sam.userId, 'ada@example.org');

    const done = await post(link, { do: 'done' });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('marked <strong>done</strong>');
    expect(await mark(sam.userId, 'ada@example.org')).toEqual({ status: 'done', until: null });
    const again = await post(link, { do: 'done' });
    expect(again.body).toContain('Already done');
    expect(await database.sql`select 1 from verdict_journal where source = 'link' and ref like ${`${sam.digestId}/%`}`).toHaveLength(1);

    const snoozed = await post(link, { do: 'snooze', for: '3m' });
    expect(snoozed.body).toContain('snoozed</strong> until');
    const until = (await mark(sam.userId, 'ada@example.org'))!.until!;
    expect(Math.round((until.getTime() - Date.now()) / 86_400_000)).toBeGreaterThanOrEqual(89);
    expect((await post(link, { do: 'snooze', for: '3m' })).body).toContain('Already done');
    expect((await mark(sam.userId, 'ada@example.org'))!.until).toEqual(until);

    const undone = await post(link, { do: 'undo' });
    expect(undone.body).toContain('back as before');
    expect(await mark(sam.userId, 'ada@example.org')).toEqual(earlier);
    expect((await post(link, { do: 'undo' })).body).toContain('Nothing to undo');
    expect(await mark(sam.userId, 'ada@example.org')).toEqual(earlier);

    expect((await post(link, { do: 'never' })).body).toContain('<strong>never</strong>');
    expect((await mark(sam.userId, 'ada@example.org'))!.status).toBe('never');
    expect((await post(link, { do: 'delete-everything' })).statusCode).toBe(400);
  });

  it("refuses forged, altered, expired, other users' and other digests' links, changing nothing", async () => {
    const before = await database.sql`select * from contact_marks order by user_id, contact`;
    const future = new Date(Date.now() + 86_400_000);
    const genuine = actionToken(keys, { digestId: kim.digestId, position: 2 }, future);
    const [body, signature] = genuine.split('.');
    const otherEntry = Buffer.from(body!, 'base64url');
    otherEntry.writeUInt8(1, 16);
    // The first format of links (signed JSON naming the user too), still accepted until those expire.
    const firstFormat = (u: string, d: string, n: number, expires = future) => signToken(keys, 'digest-action', { u, d, n }, expires);
    const cases: [string, string, number][] = [
      ['forged: another secret', actionToken({ secrets: ['f'.repeat(64)] }, { digestId: kim.digestId, position: 2 }, future), 404],
      ['altered: another entry, same signature', `${otherEntry.toString('base64url')}.${signature}`, 404],
      ['altered: the signature cut short', `${body}.${signature!.slice(0, 12)}`, 404],
      ['expired', actionToken(keys, { digestId: kim.digestId, position: 2 }, new Date(Date.now() - 1000)), 410],
      ['a digest that does not exist', actionToken(keys, { digestId: randomUUID(), position: 2 }, future), 404],
      ['an entry the digest does not have', actionToken(keys, { digestId: kim.digestId, position: 9 }, future), 404],
      ['first format: expired', firstFormat(kim.userId, kim.digestId, 2, new Date(Date.now() - 1000)), 410],
      ["first format: Sam's user with Kim's digest", firstFormat(sam.userId, kim.digestId, 2), 404],
      ["first format: Kim's user with Sam's digest", firstFormat(kim.userId, sam.digestId, 2), 404],
      ['not a token', 'hello', 404],
    ];
    for (const [what, token, status] of cases) {
      expect((await app.inject({ method: 'GET', url: `/d/${token}` })).statusCode, `GET ${what}`).toBe(status);
      expect((await post(`/d/${token}`, { do: 'never' })).statusCode, `POST ${what}`).toBe(status);
    }
    expect(await database.sql`select * from contact_marks order by user_id, contact`).toEqual(before);
    // The genuine one works, and so does a link of the first format already in an inbox.
    expect((await app.inject({ method: 'GET', url: `/d/${firstFormat(kim.userId, kim.digestId, 1)}` })).statusCode).toBe(200);
    expect((await post(`/d/${genuine}`, { do: 'never' })).statusCode).toBe(200);
    expect((await mark(kim.userId, 'bo@example.net'))?.status ?? (await mark(kim.userId, 'ada@example.org'))?.status).toBe('never');
  });

  it('metrics count what the links did', async () => {
    const metrics = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Basic ${Buffer.from('admin:correct horse battery staple').toString('base64')}` },
    });
    expect(metrics.body).toMatch(/rekindle_digest_link_actions\{verb="never"\} 2/);
    expect(metrics.body).toMatch(/rekindle_digests_sent_total 2/);
    expect(metrics.body).toMatch(/rekindle_digests\{status="sent"\} 2/);
  });
});
