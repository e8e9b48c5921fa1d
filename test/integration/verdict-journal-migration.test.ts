/**
 * Migration 0003 moves both old undo journals — a reply's `inbound_replies.changes` and the
 * digest links' `digest_actions` — into the one verdict journal, in the order they were
 * applied, so nothing a user did is lost: after the upgrade, "undo" takes back the last click,
 * then the reply before it, exactly as the old journals would have.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFolder, runMigrations } from '../../src/db/migrate.ts';
import { undoLast } from '../../src/verdicts/undo-verdicts.ts';
import { adminConnection, serverUrl } from '../../testkit/test-database.ts';

describe('migration 0003: the old undo journals become the one journal', () => {
  const name = `rekindle_test_${Math.floor(Date.now() / 1000)}_journal`;
  const url = (() => {
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    return u.toString();
  })();
  const folder = mkdtempSync(path.join(tmpdir(), 'rekindle-migrations-'));
  const admin = adminConnection();
  let sql: postgres.Sql;

  beforeAll(async () => {
    await admin.unsafe(`create database ${name}`);
    // The schema as it was before 0003: the committed migrations up to 0002.
    cpSync(migrationsFolder, folder, { recursive: true });
    const journalPath = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0003');
    writeFileSync(journalPath, JSON.stringify(journal));
    // drizzle changes how its client serializes dates and JSON: a client of its own, then ours.
    const migrator = postgres(url, { max: 1, onnotice: () => {} });
    await migrate(drizzle(migrator), { migrationsFolder: folder });
    await migrator.end();
    sql = postgres(url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    rmSync(folder, { recursive: true, force: true });
  });

  it('keeps every reply change and link click, and undo takes them back in order', async () => {
    const replyAt = '2026-03-02T09:00:00.000Z';
    const clickAt = '2026-03-03T18:30:00.000Z';
    const [user] = await sql<{ id: string }[]>`
      insert into users (email, digest_paused_at, digest_paused_reason) values ('sam@example.com', ${replyAt}, 'user') returning id`;
    const userId = user!.id;
    const [digest] = await sql<{ id: string }[]>`
      insert into digests (user_id, week_of, status, token, message_id, recipient, sent_at)
      values (${userId}, '2026-03-02', 'sent', ${'a'.repeat(32)}, '<d@rekindle.test>', 'sam@example.com', ${replyAt}) returning id`;
    await sql`
      insert into digest_items (digest_id, position, contact, email, name, reason, last_contact_at)
      values (${digest!.id}, 1, 'ada@example.org', 'ada@example.org', 'Ada Byron', 'r', ${replyAt}),
             (${digest!.id}, 2, 'bo@example.net', 'bo@example.net', 'Bo Chen', 'r', ${replyAt})`;
    // The reply "done 1 / pause", as the old apply-commands.ts recorded it.
    const doneMark = { status: 'done', markedAt: replyAt, until: null };
    const changes = [
      { position: 1, contact: 'ada@example.org', name: 'Ada Byron', verb: 'done', before: null, after: doneMark },
      {
        kind: 'settings',
        before: { pausedAt: null, pausedReason: null, stoppedAt: null },
        after: { pausedAt: replyAt, pausedReason: 'user', stoppedAt: null },
      },
    ];
    await sql`
      insert into inbound_replies (dedupe_key, digest_id, user_id, outcome, commands, changes, created_at)
      values ('<r1@client>', ${digest!.id}, ${userId}, 'applied', '[]'::jsonb, ${sql.json(changes as never)}, ${replyAt})`;
    await sql`insert into contact_marks (user_id, contact, status, marked_at) values (${userId}, 'ada@example.org', 'done', ${replyAt})`;
    // A later click of "never" on entry 2, as the old action-routes.ts recorded it.
    await sql`
      insert into digest_actions (digest_id, position, user_id, contact, verb, before, applied_at)
      values (${digest!.id}, 2, ${userId}, 'bo@example.net', 'never', null, ${clickAt})`;
    await sql`insert into contact_marks (user_id, contact, status, marked_at) values (${userId}, 'bo@example.net', 'never', ${clickAt})`;

    await runMigrations(url);

    const entries = await sql<{ source: string; ref: string; kinds: string[] }[]>`
      select source, ref, (select array_agg(c->>'kind') from jsonb_array_elements(changes) c) as kinds from verdict_journal order by seq`;
    expect(entries).toEqual([
      { source: 'reply', ref: expect.stringMatching(/^[0-9a-f-]{36}$/), kinds: ['mark', 'list'] },
      { source: 'link', ref: `${digest!.id}/2`, kinds: ['mark'] },
    ]);
    const marks = async () =>
      (await sql<{ contact: string; status: string }[]>`select contact, status from contact_marks order by contact`).map(
        (m) => `${m.contact}:${m.status}`,
      );
    const paused = async () =>
      (await sql<{ reason: string | null }[]>`select digest_paused_reason as reason from users where id = ${userId}`)[0]!.reason;

    const first = await sql.begin((tx) => undoLast(tx, userId, 'reply'));
    expect(first).toMatchObject({ source: 'link', kept: [] });
    expect(await marks()).toEqual(['ada@example.org:done']);
    const second = await sql.begin((tx) => undoLast(tx, userId, 'reply'));
    expect(second).toMatchObject({ source: 'reply', kept: [] });
    expect(await marks()).toEqual([]);
    expect(await paused()).toBeNull();
    expect(await sql.begin((tx) => undoLast(tx, userId, 'reply'))).toBeNull();
  });
});
