/**
 * A display name carrying bidi controls (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) must not
 * reach the digest or the pages: there it would reorder what follows and disguise an address
 * (`Ada\u202Egro.elpmaxe@dab` shows as "Ada bad@example.org"). Through the real path: names in
 * synced interactions, the digest over SMTP, its link's page over HTTP.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DigestWebWorld, sendSeededDigest, startDigestWebWorld } from '../../testkit/digest-web-world.ts';
import type { TestDatabase } from '../../testkit/test-database.ts';
import { LINK_SECRET } from '../../testkit/web-harness.ts';

const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const PEOPLE = [
  { email: 'ada@example.org', name: 'Ada \u202Enoryb\u202C Lovelace', everyDays: 14, lastDaysAgo: 150, conversations: 12 },
  { email: 'bo@example.net', name: '\u2067Bo\u2069 \u200FChan\u061C', everyDays: 21, lastDaysAgo: 200, conversations: 10 },
];

describe('bidi controls in display names', () => {
  let world: DigestWebWorld;
  let database: TestDatabase;
  let app: DigestWebWorld['app'];
  let mail: { subject: string; text: string; html: string; links: string[]; digestId: string };

  beforeAll(async () => {
    world = await startDigestWebWorld('bidi');
    ({ database, app } = world);
    const digest = await sendSeededDigest(world, { email: 'sam@example.com', people: PEOPLE }, { secrets: [LINK_SECRET] });
    const parsed = await simpleParser(world.catcher.accepted.at(-1)!.raw);
    const text = parsed.text ?? '';
    mail = {
      subject: parsed.subject ?? '',
      text,
      html: typeof parsed.html === 'string' ? parsed.html : '',
      links: [...text.matchAll(/never: http:\/\/rekindle\.test(\/d\/\S+)$/gm)].map((m) => m[1]!),
      digestId: digest.digestId,
    };
  });
  afterAll(async () => {
    await world?.close();
  });

  it('the digest shows the names without them, in the subject, the text and the HTML', () => {
    for (const part of [mail.subject, mail.text, mail.html]) expect(part).not.toMatch(BIDI);
    expect(mail.text).toContain('Ada noryb Lovelace <ada@example.org>');
    expect(mail.text).toContain('Bo Chan <bo@example.net>');
  });

  it('the link page shows the name without them', async () => {
    expect(mail.links).toHaveLength(2);
    for (const link of mail.links) {
      const page = await app.inject({ method: 'GET', url: link });
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toMatch(BIDI);
    }
  });

  it('a name stored with them before this was fixed is shown without them too', async () => {
    await database.sql`update digest_items set name = ${'Ada\u202Egro.elpmaxe@dab\u202C Byron'} where digest_id = ${mail.digestId}`;
    const page = await app.inject({ method: 'GET', url: mail.links[0]! });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Adagro.elpmaxe@dab Byron');
    expect(page.body).not.toMatch(BIDI);
  });
});
