/**
 * What a signed-in person (or anyone) can type into a URL, over real HTTP: ids that are not
 * UUIDs never reach Postgres (no 500, no SQL error in the log), and names looked up in a map
 * never find what every object has (`constructor`, `__proto__`, `toString`).
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionToken } from '../../src/digest/action-links.ts';
import { type DigestWebWorld, sendSeededDigest, startDigestWebWorld } from '../../testkit/digest-web-world.ts';
import type { TestDatabase } from '../../testkit/test-database.ts';
import { connectThroughConsent, CookieJar, csrfOf, form, LINK_SECRET } from '../../testkit/web-harness.ts';

const SAM = 'sam@example.com';
const OBJECT_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

describe('hostile ids and names in URLs', () => {
  let world: DigestWebWorld;
  let database: TestDatabase;
  let app: DigestWebWorld['app'];
  let base = '';
  const jar = new CookieJar();
  const logged: { level: number; msg: string; err?: unknown }[] = [];
  let sam = { userId: '', digestId: '' };

  const http = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      redirect: 'manual',
      ...init,
      headers: { cookie: jar.header(), ...(init.headers as Record<string, string>) },
    });
  const postForm = (path: string, fields: Record<string, string>) =>
    http(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(fields) });

  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    world = await startDigestWebWorld('hostile-urls', { logger });
    ({ database, app } = world);
    world.google.addMailbox({ email: SAM, messages: [] });
    sam = await sendSeededDigest(world, {
      email: SAM,
      people: [{ email: 'ada@example.org', name: 'Ada Lovelace', everyDays: 14, lastDaysAgo: 150, conversations: 12 }],
    });

    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const { response } = await connectThroughConsent(app, jar, 'google', `?login_hint=${SAM}`);
    expect(response.statusCode).toBe(303);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('a mailbox id that is not a UUID is "not found", and Postgres never sees it', async () => {
    const csrf = csrfOf(await (await http('/settings')).text());
    for (const id of ['-'.repeat(36), `${'0'.repeat(35)}-`, 'x'.repeat(36), '00000000-0000-0000-0000-00000000000g']) {
      const answer = await postForm(`/accounts/${id}/disconnect`, { csrf });
      expect(answer.status, id).toBe(404);
      expect(await answer.text(), id).toContain('There is no such mailbox.');
    }
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    const [mailboxes] = await database.sql<{ n: number }[]>`select count(*)::int as n from accounts where user_id = ${sam.userId}`;
    expect(mailboxes!.n).toBe(1);
  });

  it('?connected= names only real providers: no notice for an object key, and no function printed', async () => {
    for (const name of OBJECT_KEYS) {
      const page = await http(`/status?connected=${name}`);
      expect(page.status, name).toBe(200);
      const body = await page.text();
      expect(body, name).not.toContain('mailbox is connected');
      expect(body, name).not.toMatch(/function|\[object|native code/);
    }
    expect(await (await http('/status?connected=google')).text()).toContain('Your Google mailbox is connected.');
  });

  it('a digest link snoozing "for" an object key snoozes for the default month', async () => {
    const token = actionToken({ secrets: [LINK_SECRET] }, { digestId: sam.digestId, position: 1 }, new Date(Date.now() + 86_400_000));
    const answer = await postForm(`/d/${token}`, { do: 'snooze', for: 'constructor' });
    expect(answer.status).toBe(200);
    const [mark] = await database.sql<{ status: string; days: number }[]>`
      select status, round(extract(epoch from until - now()) / 86400)::int as days from contact_marks where user_id = ${sam.userId}`;
    expect(mark!.status).toBe('snoozed');
    expect(mark!.days).toBeGreaterThanOrEqual(28);
    expect(mark!.days).toBeLessThanOrEqual(31);
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
  });
});
