/**
 * `rekindle import` for real: files on disk → the same ingestion as a live mailbox →
 * Postgres → contacts; re-importing changes nothing; the owner's aliases are learned from
 * their sent mail; identity decisions; the command's output and exit codes.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideIdentity } from '../../src/contact-store/identity-decisions.ts';
import { recomputeContacts } from '../../src/contact-store/recompute-contacts.ts';
import { importMail } from '../../src/import/import-mail.ts';
import { ensureLocalAccount } from '../../src/import/local-account.ts';
import { readMaildir } from '../../src/import/read-maildir.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { redisUrl } from '../../testkit/test-redis.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'rekindle-local-import-'));

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, LOG_LEVEL: 'error', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

let counter = 0;
function mail(folder: string, headers: Record<string, string>): void {
  const file = path.join(root, 'kim', folder, String(++counter));
  mkdirSync(path.dirname(file), { recursive: true });
  const block = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
  writeFileSync(file, `Message-ID: <m${counter}@acme.com>\n${block}\n\nbody\n`);
}

const date = (day: number) => new Date(Date.UTC(2001, 0, 1 + day, 15)).toUTCString();

// Kim writes from kim@acme.com and, for personal mail, from kim.w@home.example (never told).
mail('sent_items', { Date: date(0), From: 'kim@acme.com', To: 'ann.lee@partner.com', Subject: 'Contract' });
mail('sent_items', { Date: date(30), From: 'kim@acme.com', To: 'ann.lee@partner.com', Subject: 'Contract, again' });
mail('sent_items', { Date: date(40), From: 'kim.w@home.example', To: 'bo@family.example', Subject: 'Dinner' });
mail('sent_items', { Date: date(70), From: 'kim.w@home.example', To: 'bo@family.example', Subject: 'Dinner again' });
mail('inbox', {
  Date: date(1),
  From: 'ann.lee@partner.com',
  'X-From': 'Lee, Ann <ann.lee@partner.com>',
  To: 'kim@acme.com',
  Subject: 'Re: Contract',
});
mail('inbox', { Date: date(31), From: 'alee@partner.com', 'X-From': 'Ann Lee', To: 'kim@acme.com', Subject: 'Re: Contract, again' });
mail('inbox', { Date: date(41), From: 'Bo <bo@family.example>', To: 'kim.w@home.example', Subject: 'Re: Dinner' });
// Kim's copy of a message she sent from her alias, filed in the inbox: outbound all the same.
mail('inbox', { Date: date(80), From: 'kim.w@home.example', To: 'bo@family.example', Cc: 'kim@acme.com', Subject: 'Photos' });
mail('inbox', { Date: date(2), From: 'news@acme.com', To: 'all@acme.com', Subject: 'Weekly news' });
mail('inbox', { Date: date(3), From: 'Cy <cy@vendor.example>', To: 'kim@acme.com', Subject: 'Cold pitch' });
mail('inbox', { Date: date(42), From: 'bo@family.example', To: 'kim.w@home.example', Subject: 'Out of Office AutoReply: Dinner again' });
mail('drafts', { Date: date(90), From: 'kim@acme.com', To: 'dee@x.example', Subject: 'unsent' });
const notCalendar = path.join(root, 'notes.ics');
writeFileSync(notCalendar, 'shopping list\n');

describe('local import', () => {
  let database: TestDatabase;
  const env = () => ({ DATABASE_URL: database.url, REDIS_URL: redisUrl });

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('imports a maildir through the live ingestion, learns the owner’s alias, and finds the people', async () => {
    const account = await ensureLocalAccount(database.sql, 'kim@acme.com');
    const summary = await importMail(database.sql, account, readMaildir(path.join(root, 'kim')), { storeSubjects: true });
    expect(summary).toEqual({
      read: 12,
      alreadyImported: 0,
      counted: 9,
      skipped: { 'automated-sender:bulk:news': 1, 'automated:auto-reply': 1, draft: 1 },
      interactions: 9,
      learnedAddresses: ['kim.w@home.example'],
      unresolved: { interactions: 0, mailboxes: 0, messages: 0 },
    });
    expect(await recomputeContacts(database.sql, account.userId, new Date('2001-12-31T00:00:00Z'))).toBe(2);
    const rows = await database.sql`
      select contact, email, name, addresses, sent_count, received_count, last_outbound_at, last_inbound_at, last_writer
        from contacts where user_id = ${account.userId} order by contact`;
    expect(rows).toEqual([
      {
        contact: 'ann.lee@partner.com',
        email: 'alee@partner.com',
        name: 'Ann Lee',
        addresses: ['ann.lee@partner.com', 'alee@partner.com'],
        sent_count: 2,
        received_count: 2,
        last_outbound_at: new Date(Date.UTC(2001, 0, 31, 15)),
        last_inbound_at: new Date(Date.UTC(2001, 1, 1, 15)),
        last_writer: 'them',
      },
      {
        contact: 'bo@family.example',
        email: 'bo@family.example',
        name: 'Bo',
        addresses: ['bo@family.example'],
        sent_count: 3,
        received_count: 1,
        last_outbound_at: new Date(Date.UTC(2001, 2, 22, 15)),
        last_inbound_at: new Date(Date.UTC(2001, 1, 11, 15)),
        last_writer: 'you',
      },
    ]);
    const own = await database.sql`select address, source from user_addresses where user_id = ${account.userId} order by address`;
    expect(own).toEqual([
      { address: 'kim.w@home.example', source: 'learned' },
      { address: 'kim@acme.com', source: 'account' },
    ]);
  });

  it('changes nothing when the same mail is imported again', async () => {
    const account = await ensureLocalAccount(database.sql, 'kim@acme.com');
    const [before] = await database.sql`select count(*)::int as n from interactions`;
    const summary = await importMail(database.sql, account, readMaildir(path.join(root, 'kim')), { storeSubjects: true });
    expect(summary).toMatchObject({ read: 12, alreadyImported: 12, counted: 0, skipped: {}, interactions: 0 });
    const [after] = await database.sql`select count(*)::int as n from interactions`;
    expect(after!.n).toBe(before!.n);
  });

  it('a split decision keeps two addresses apart, and undo brings the merge back', async () => {
    const account = await ensureLocalAccount(database.sql, 'kim@acme.com');
    const asOf = new Date('2001-12-31T00:00:00Z');
    await decideIdentity(database.sql, account.userId, 'ALee@partner.com', 'ann.lee@partner.com', 'split');
    expect(await recomputeContacts(database.sql, account.userId, asOf)).toBe(2);
    const apart = await database.sql`select contact, addresses from contacts where user_id = ${account.userId} order by contact`;
    // alee@ alone only ever wrote (one-way), so it is no contact of its own.
    expect(apart.map((r) => r.addresses)).toEqual([['ann.lee@partner.com'], ['bo@family.example']]);
    await decideIdentity(database.sql, account.userId, 'alee@partner.com', 'ann.lee@partner.com', 'undo');
    await recomputeContacts(database.sql, account.userId, asOf);
    const [ann] = await database.sql`select addresses from contacts where user_id = ${account.userId} and contact = 'ann.lee@partner.com'`;
    expect(ann!.addresses).toEqual(['ann.lee@partner.com', 'alee@partner.com']);
  });

  it('rekindle import prints a summary and exits 0; a second run finds everything already imported', async () => {
    const first = await run(['import', 'maildir', path.join(root, 'kim'), '--owner', 'kim2@acme.com', '--aliases', 'kim@acme.com'], env());
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Messages read: 12');
    expect(first.stdout).toContain('Learned as your own addresses (From of your sent mail): kim.w@home.example');
    expect(first.stdout).toMatch(/Contacts of kim2@acme.com: 2/);
    // Not a terminal: plain progress lines, no carriage returns.
    expect(first.stderr).toMatch(/Importing: 100% 12\/12 messages/);
    expect(first.stderr).not.toContain('\r');
    const second = await run(['import', 'maildir', path.join(root, 'kim'), '--owner', 'kim2@acme.com', '--json'], env());
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ read: 12, alreadyImported: 12, interactions: 0, contacts: 2 });
  });

  it('rekindle identity split/undo and contacts --json show one entry per person with its addresses', async () => {
    const split = await run(['identity', 'split', '--user', 'kim2@acme.com', 'alee@partner.com', 'ann.lee@partner.com'], env());
    expect(split).toMatchObject({ code: 0, stdout: 'alee@partner.com and ann.lee@partner.com are now two people.\n' });
    await run(['identity', 'undo', '--user', 'kim2@acme.com', 'alee@partner.com', 'ann.lee@partner.com'], env());
    const { code, stdout } = await run(['contacts', '--user', 'kim2@acme.com', '--as-of', '2001-12-31', '--json'], env());
    expect(code).toBe(0);
    const ann = (JSON.parse(stdout) as Record<string, unknown>[]).find((c) => c.email === 'alee@partner.com');
    expect(ann).toMatchObject({
      name: 'Ann Lee',
      addresses: ['ann.lee@partner.com', 'alee@partner.com'],
      mergedBecause: [
        'ann.lee@partner.com = alee@partner.com: both written as "ann lee" at partner.com, never on one message together (same-name-same-org; on 3 and 1 messages)',
      ],
    });
  });

  it.each([
    [['import'], /expected one of maildir, mbox, ics/],
    [['import', 'maildir'], /the directory to import is missing/],
    [['import', 'maildir', '/nonexistent/mail', '--owner', 'kim@acme.com'], /no such directory/],
    [['import', 'mbox', '/nonexistent.mbox', '--owner', 'kim@acme.com'], /no such file/],
    [['import', 'maildir', '.', '--owner', 'not-an-address'], /--owner expects an e-mail address/],
    [['import', 'maildir', '.'], /--owner is required/],
    [['import', 'ics', notCalendar, '--owner', 'kim@acme.com'], /not a readable iCalendar file/],
    [['identity', 'merge', '--user', 'kim@acme.com', 'a@x.org'], /expected exactly two addresses/],
  ])('rekindle %j exits 2 and says what is wrong', async (args, message) => {
    const { code, stderr } = await run(args, env());
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
