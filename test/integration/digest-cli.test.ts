/** `rekindle digest preview` and `rekindle replies parse` as scripts use them: real processes, exit codes, output. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/replies/${name}`, import.meta.url));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, LOG_LEVEL: 'error', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('rekindle digest preview', () => {
  let database: TestDatabase;
  const env = () => ({ DATABASE_URL: database.url });
  const now = new Date('2025-06-02T12:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase();
    const { userId } = await seedDigestUser(database, {
      email: 'sam@example.com',
      now,
      people: [
        { email: 'ada@example.org', name: 'Ada Byron', everyDays: 14, lastDaysAgo: 120, conversations: 12, subject: 'Engines' },
        { email: 'bo@example.net', name: 'Bo Chen', everyDays: 30, lastDaysAgo: 200, conversations: 8 },
        { email: 'cy@example.com', name: 'Cy Young', everyDays: 7, lastDaysAgo: 2, conversations: 20 },
      ],
    });
    await database.sql`insert into contact_marks (user_id, contact, status, marked_at) values (${userId}, 'bo@example.net', 'never', now())`;
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('--json prints the list that would be sent on that date, with reasons', async () => {
    const { code, stdout } = await run(['digest', 'preview', '--user', 'sam@example.com', '--as-of', '2025-06-02', '--json'], env());
    expect(code).toBe(0);
    const preview = JSON.parse(stdout);
    expect(preview).toMatchObject({ user: 'sam@example.com', asOf: '2025-06-02T23:59:59.999Z', budget: 5 });
    expect(preview.items).toHaveLength(1);
    expect(preview.items[0]).toMatchObject({
      number: 1,
      email: 'ada@example.org',
      name: 'Ada Byron',
      lastSubject: 'Engines',
      daysSinceLastContact: 120,
    });
    expect(preview.items[0].reason).toMatch(/\w+ .+\./);
  });

  it('contacts --json shows the marks replies set, while they hold', async () => {
    const { code, stdout } = await run(['contacts', '--user', 'sam@example.com', '--as-of', '2025-06-02', '--json'], env());
    expect(code).toBe(0);
    const status = Object.fromEntries((JSON.parse(stdout) as { email: string; status: string }[]).map((c) => [c.email, c.status]));
    expect(status).toEqual({ 'ada@example.org': 'active', 'bo@example.net': 'never', 'cy@example.com': 'active' });
  });

  it('prints the entries as the digest writes them', async () => {
    const { code, stdout } = await run(['digest', 'preview', '--user', 'sam@example.com', '--as-of', '2025-06-02'], env());
    expect(code).toBe(0);
    expect(stdout).toMatch(/^1\. Ada Byron <ada@example\.org>$/m);
    expect(stdout).toContain('Last subject: “Engines”');
  });

  it('says so when nobody would be suggested', async () => {
    const { code, stdout } = await run(['digest', 'preview', '--user', 'sam@example.com', '--as-of', '2024-01-01'], env());
    expect(code).toBe(0);
    expect(stdout).toMatch(/Nobody to suggest/);
  });

  it.each([
    [['digest'], /expected a digest command: preview/],
    [['digest', 'send'], /unknown digest command "send"/],
    [['digest', 'preview'], /--user is required/],
    [['digest', 'preview', '--user', 'sam@example.com', '--as-of', 'yesterday'], /--as-of expects a date like/],
    [['digest', 'preview', '--user', 'nobody@example.com'], /No user nobody@example.com/],
  ])('rekindle %j exits 2 and says what is wrong', async (args, message) => {
    const { code, stderr } = await run(args, env());
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('rekindle replies parse', () => {
  it('prints the commands and ignored lines of a raw reply as JSON', async () => {
    const { code, stdout } = await run(['replies', 'parse', fixture('apple-mail.eml'), '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      commands: [
        { verb: 'done', items: [1, 3, 4] },
        { verb: 'snooze', items: [2], duration: '2w' },
        { verb: 'never', items: [5] },
      ],
      ignored: ['Thanks!'],
    });
  });

  it('reads a reply with no quote and no commands', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekindle-replies-'));
    const file = join(dir, 'reply.eml');
    writeFileSync(file, 'From: sam@example.com\r\nSubject: Re: x\r\n\r\nundo\r\nsee you\r\n');
    const { code, stdout } = await run(['replies', 'parse', file, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ commands: [{ verb: 'undo', items: [] }], ignored: ['see you'] });
  });

  it('reads an HTML-only reply, with names, a snooze until a month, and the list verbs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekindle-replies-'));
    const file = join(dir, 'reply.eml');
    const html =
      '<div>Done Alice and Bo<br>snooze 2 until March<br>pause<br>more<br>Thanks!</div><div class="gmail_quote"><div class="gmail_attr">On Mon, Jun 2, 2025 at 8:00 AM rekindle &lt;r@x.example&gt; wrote:</div>' +
      '<blockquote class="gmail_quote">rekindle · your list<br>1. Alice Smith<br>done 1 3</blockquote></div>';
    writeFileSync(file, `From: sam@example.com\r\nSubject: Re: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n`);
    const { code, stdout } = await run(['replies', 'parse', file, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      commands: [
        { verb: 'done', items: [], names: ['alice', 'bo'] },
        { verb: 'snooze', items: [2], until: '--03-01' },
        { verb: 'pause', items: [] },
        { verb: 'more', items: [] },
      ],
      ignored: ['Thanks!'],
    });
    const text = await run(['replies', 'parse', file]);
    expect(text.stdout).toBe('done alice, bo\nsnooze 2 until 03-01\npause\nmore\nIgnored:\n  Thanks!\n');
  });

  it.each([
    [['replies', 'parse'], /expected exactly one file/],
    [['replies', 'parse', '/nonexistent/reply.eml', '--json'], /no such file/],
    [['replies', 'parse', '/etc/hostname', '--json'], /not an email message/],
    [['replies', 'parse', tmpdir()], /is a directory/],
    [['replies'], /expected a replies command: parse/],
  ])('rekindle %j exits 2 and says what is wrong', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
