/**
 * "Who is due" over real HTTP with a real session: the page's lists are the digest's own
 * selection (chooseEntries gives the same people), each person's rhythm picture says what their
 * interactions say, the buttons go through the verdicts journal (source `web`) and undo takes
 * back step by step; forms without the session's CSRF token, from another origin, or naming
 * someone who is not the user's change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { recomputeContacts } from '../../src/contact-store/recompute-contacts.ts';
import { chooseEntries } from '../../src/digest/choose-entries.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { applyVerdicts } from '../../src/verdicts/apply-verdicts.ts';
import { formatDay } from '../../src/web/html.ts';
import { buildServer } from '../../src/web/server.ts';
import { seedDigestUser, type PersonHistory } from '../../testkit/digest-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import { connectThroughConsent, CookieJar, csrfOf, form, webTestConfig } from '../../testkit/web-harness.ts';

const DAY = 86_400_000;
const SAM = 'sam@example.com';
const OTHER = 'olga@example.com';
const ADA: PersonHistory = { email: 'ada@due.example', name: 'Ada Lovelace', everyDays: 14, lastDaysAgo: 150, conversations: 12 };
const ALAN: PersonHistory = { email: 'alan@due.example', name: 'Alan Turing', everyDays: 21, lastDaysAgo: 200, conversations: 10 };
// Silence of 40 days on a two-monthly rhythm: nobody would suggest her yet.
const RECENT: PersonHistory = { email: 'rosa@due.example', name: 'Rosa Recent', everyDays: 60, lastDaysAgo: 40, conversations: 10 };
// Conversations every 100 days over about six years: only some fall in the last 24 months.
const OLD: PersonHistory = { email: 'otto@due.example', name: 'Otto Old', everyDays: 100, lastDaysAgo: 400, conversations: 20 };

describe('who is due', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let redis: ReturnType<typeof createRedis>;
  let app: ReturnType<typeof buildServer>;
  let base = '';
  let samId = '';
  const queue = createTestPrefix('who-is-due');
  const jar = new CookieJar();
  const otherJar = new CookieJar();
  const now = new Date();

  const http = (path: string, init: RequestInit & { jar?: CookieJar } = {}) =>
    fetch(`${base}${path}`, {
      redirect: 'manual',
      ...init,
      headers: { ...(init.jar ? { cookie: init.jar.header() } : {}), ...(init.headers as Record<string, string>) },
    });
  const page = async (path = '/due') => {
    const response = await http(path, { jar });
    expect(response.status, path).toBe(200);
    return response.text();
  };
  const post = (path: string, fields: Record<string, string>, options: { jar?: CookieJar; origin?: string } = {}) =>
    http(path, {
      method: 'POST',
      jar: options.jar ?? jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(options.origin ? { origin: options.origin } : {}) },
      body: form(fields),
    });
  /** The markup of one person's item in one part of the page (`list-1`…, `told`), or null. */
  const itemIn = (html: string, part: string, email: string) => {
    const section = new RegExp(`<section class="card" id="${part}">([\\s\\S]*?)</section>`).exec(html)?.[1] ?? '';
    return new RegExp(`<li class="person" data-contact="${email.replace(/\./g, '\\.')}">([\\s\\S]*?)</li>`).exec(section)?.[1] ?? null;
  };
  const inAnyList = (html: string, email: string) => [1, 2, 3, 4].some((n) => itemIn(html, `list-${n}`, email) !== null);
  const marks = () =>
    database.sql<{ contact: string; status: string | null; metAt: Date | null; cadenceDays: number | null; until: Date | null }[]>`
      select contact, status, met_at as "metAt", cadence_days as "cadenceDays", until from contact_marks where user_id = ${samId} order by contact`;

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator();
    redis = createRedis(redisUrl);
    samId = (await seedDigestUser(database, { email: SAM, people: [ADA, ALAN, RECENT, OLD], now })).userId;
    await seedDigestUser(database, { email: OTHER, people: [{ ...ADA, email: 'bea@other.example', name: 'Bea Other' }], now });
    for (const email of [SAM, OTHER]) google.addMailbox({ email, messages: [] });
    await recomputeContacts(database.sql, samId);
    app = buildServer({ sql: database.sql, redis, config: webTestConfig(database, queue.prefix, { google }) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    expect((await connectThroughConsent(app, jar, 'google', `?login_hint=${SAM}`)).response.statusCode).toBe(303);
    expect((await connectThroughConsent(app, otherJar, 'google', `?login_hint=${OTHER}`)).response.statusCode).toBe(303);
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await google?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('is for signed-in people only, and the status page links to it', async () => {
    const out = await http('/due');
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/');
    expect(await page('/status')).toContain('<a class="button secondary" href="/due" id="who-is-due">Who is due</a>');
  });

  it("lists the digest's own choice, not a second one, and each rhythm says what the interactions say", async () => {
    const html = await page();
    // The user has had no list this week: the next one is due now, and is what a digest now would list.
    expect(html).toContain('<h2>Next list: due now</h2>');
    const chosen = await chooseEntries(database.sql, samId, new Date(), 5);
    const first = /<section class="card" id="list-1">([\s\S]*?)<\/section>/.exec(html)![1]!;
    const shown = [...first.matchAll(/data-contact="([^"]+)"/g)].map((m) => m[1]);
    expect(shown).toEqual(chosen.entries.map((e) => e.contact));
    expect(shown).toEqual(expect.arrayContaining([ADA.email, ALAN.email]));
    expect(inAnyList(html, RECENT.email)).toBe(false);
    // The three later lists are at the next slots, in the app's date style.
    expect([...html.matchAll(/<h2>Then: (\d{1,2} [A-Z][a-z]+ \d{4})<\/h2>/g)]).toHaveLength(3);

    // Ada: 12 conversations, each a message each way, all within two years; the last one 150 days ago.
    const ada = itemIn(html, 'list-1', ADA.email)!;
    const adaLast = formatDay(new Date(now.getTime() - ADA.lastDaysAgo * DAY), 'UTC');
    expect(ada).toContain(`aria-label="24 messages or meetings with them in the last 24 months; the last on ${adaLast}."`);
    expect(ada).toContain(`<title>24 messages or meetings with them in the last 24 months; the last on ${adaLast}.</title>`);
    expect(ada).toContain(`Last in touch ${adaLast}.`);
  });

  it('refuses a form without the CSRF token, with another session’s, or from another origin, and changes nothing', async () => {
    const csrf = csrfOf(await page());
    const otherCsrf = csrfOf(await (await http('/due', { jar: otherJar })).text());
    const fields = { contact: ADA.email, do: 'done' };
    expect((await post('/due/act', fields)).status).toBe(403);
    expect((await post('/due/act', { ...fields, csrf: otherCsrf })).status).toBe(403);
    expect((await post('/due/act', { ...fields, csrf }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('/due/act', fields, { jar: new CookieJar() })).status).toBe(403);
    expect((await post('/due/undo', { entry: '00000000-0000-4000-8000-000000000000' })).status).toBe(403);
    expect(await marks()).toEqual([]);
    expect(await database.sql`select 1 from verdict_journal where user_id = ${samId}`).toHaveLength(0);
  });

  it('answers a wrong action 400 and someone who is not among yours 404, changing nothing', async () => {
    const csrf = csrfOf(await page());
    expect((await post('/due/act', { csrf, contact: ADA.email, do: 'archive' })).status).toBe(400);
    expect((await post('/due/act', { csrf, contact: ADA.email, do: 'snooze', for: '99y' })).status).toBe(400);
    expect((await post('/due/act', { csrf, contact: ADA.email, do: 'every', every: 'often' })).status).toBe(400);
    // Another user's person, and nobody at all.
    expect((await post('/due/act', { csrf, contact: 'bea@other.example', do: 'never' })).status).toBe(404);
    expect((await post('/due/act', { csrf, contact: '', do: 'never' })).status).toBe(404);
    expect((await post('/due/undo', { csrf, entry: 'not-a-uuid' })).status).toBe(404);
    expect(await marks()).toEqual([]);
  });

  it('done moves a person to "what you told rekindle"; undo brings them back, through the one journal', async () => {
    const csrf = csrfOf(await page());
    const done = await post('/due/act', { csrf, contact: ADA.email, do: 'done' });
    expect(done.status).toBe(303);
    const [entry] = await database.sql<{ id: string; source: string; ref: string | null }[]>`
      select id, source, ref from verdict_journal where user_id = ${samId} order by seq desc limit 1`;
    expect(entry).toMatchObject({ source: 'web', ref: null });
    expect(done.headers.get('location')).toBe(`/due?entry=${entry!.id}`);
    expect(await marks()).toMatchObject([{ contact: ADA.email, status: 'done' }]);

    const after = await page(done.headers.get('location')!);
    expect(after).toContain('<p class="notice" id="saved">Saved: Ada Lovelace: marked done.</p>');
    expect(inAnyList(after, ADA.email)).toBe(false);
    const told = itemIn(after, 'told', ADA.email)!;
    expect(told).toContain(`Marked done on ${formatDay(new Date(), 'UTC')}: not suggested until you are next in touch.`);
    expect(told).toContain('<svg class="rhythm"');
    expect(told).toContain(`<input type="hidden" name="entry" value="${entry!.id}">`);

    const undone = await post('/due/undo', { csrf, entry: entry!.id });
    expect(undone.status).toBe(303);
    expect(undone.headers.get('location')).toBe(`/due?undone=${entry!.id}&result=restored`);
    expect(await marks()).toEqual([]);
    const back = await page(undone.headers.get('location')!);
    expect(back).toContain('Taken back: Ada Lovelace: marked done.');
    expect(itemIn(back, 'list-1', ADA.email)).not.toBeNull();
    expect(itemIn(back, 'told', ADA.email)).toBeNull();
    // The same undo again takes nothing back twice.
    expect((await post('/due/undo', { csrf, entry: entry!.id })).headers.get('location')).toBe(`/due?undone=${entry!.id}&result=already`);
  });

  it('snooze, met, a rhythm and back to the learned one: each true on the page, each undone newest first', async () => {
    const csrf = csrfOf(await page());
    const act = async (fields: Record<string, string>) => {
      const answer = await post('/due/act', { csrf, contact: ALAN.email, ...fields });
      expect(answer.status).toBe(303);
      return answer.headers.get('location')!;
    };
    await act({ do: 'snooze', for: '3m' });
    const [snoozed] = await marks();
    expect(snoozed!.status).toBe('snoozed');
    expect(Math.abs(snoozed!.until!.getTime() - now.getTime() - 91 * DAY)).toBeLessThan(2 * DAY);
    await act({ do: 'met' });
    await act({ do: 'every', every: '2m' });
    expect(await marks()).toMatchObject([{ contact: ALAN.email, status: 'snoozed', cadenceDays: 60.9 }]);
    const html = await page();
    const alan = itemIn(html, 'told', ALAN.email)!;
    expect(alan).toContain(`Snoozed until ${formatDay(snoozed!.until!, 'UTC')}.`);
    expect(alan).toContain(`In touch on ${formatDay(new Date(), 'UTC')}, as you told rekindle.`);
    expect(alan).toContain('You expect to be in touch about every 2 months.');
    expect(alan).toContain('Alan Turing: expected about every 61 days (the “who is due” page,');
    // "auto" takes the rhythm back to the learned one; setting it again to the same changes nothing.
    await act({ do: 'every', every: 'auto' });
    expect(await act({ do: 'every', every: 'auto' })).toBe('/due?unchanged=1');
    expect((await marks())[0]!.cadenceDays).toBeNull();

    // Undo, four times: each takes back the newest change about Alan.
    for (const expected of [{ cadenceDays: 60.9 }, { cadenceDays: null }, { metAt: null }]) {
      const entry = /name="entry" value="([^"]+)"/.exec(itemIn(await page(), 'told', ALAN.email)!)![1]!;
      expect((await post('/due/undo', { csrf, entry })).status).toBe(303);
      expect((await marks())[0]).toMatchObject(expected);
    }
    const entry = /name="entry" value="([^"]+)"/.exec(itemIn(await page(), 'told', ALAN.email)!)![1]!;
    await post('/due/undo', { csrf, entry });
    expect(await marks()).toEqual([]);
  });

  it('offers no per-person undo for a change that also changed someone else', async () => {
    await database.sql.begin((tx) =>
      applyVerdicts(
        tx,
        samId,
        [
          { verb: 'never', who: { contact: ADA.email, name: 'Ada Lovelace', position: 1 } },
          { verb: 'never', who: { contact: ALAN.email, name: 'Alan Turing', position: 2 } },
          { verb: 'never', who: { contact: OLD.email, name: 'Otto Old', position: 3 } },
        ],
        { source: 'settings' },
      ),
    );
    const html = await page();
    for (const email of [ADA.email, ALAN.email]) {
      const item = itemIn(html, 'told', email)!;
      expect(item).toContain('Never suggested again.');
      expect(item).not.toContain('action="/due/undo"');
    }
    // Otto: only the messages since the first day of the month 23 months back count; his last was 400 days ago.
    const windowStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 23, 1);
    const ottoTimes = Array.from({ length: OLD.conversations }, (_, i) => now.getTime() - (OLD.lastDaysAgo + i * OLD.everyDays) * DAY);
    const inWindow = ottoTimes.flatMap((at) => [at, at - 3_600_000]).filter((at) => at >= windowStart).length;
    expect(inWindow).toBeGreaterThan(0);
    expect(inWindow).toBeLessThan(OLD.conversations * 2);
    const ottoLast = formatDay(new Date(ottoTimes[0]!), 'UTC');
    expect(itemIn(html, 'told', OLD.email)).toContain(
      `aria-label="${inWindow} messages or meetings with them in the last 24 months; the last on ${ottoLast}."`,
    );
    // A change about Ada alone after it is hers to undo.
    const csrf = csrfOf(html);
    await post('/due/act', { csrf, contact: ADA.email, do: 'met' });
    expect(itemIn(await page(), 'told', ADA.email)).toContain('action="/due/undo"');
    expect(itemIn(await page(), 'told', ALAN.email)).not.toContain('action="/due/undo"');
  });
});
