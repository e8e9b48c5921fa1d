/**
 * The `rekindle` command as scripts use it: a real process, real exit codes, real output.
 */
import { execFile } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import { parseHeaderBlock } from '../../src/mail/header-block.ts';
import { messageMetaFromHeaders } from '../../src/mail/message-meta.ts';
import type { MessageMeta } from '../../src/mail/types.ts';
import { ingestMail } from '../../src/sync/ingest-mail.ts';
import { adminConnection, createTestDatabase, TEST_DATABASE_PREFIX, type TestDatabase } from '../../testkit/test-database.ts';
import { redisUrl } from '../../testkit/test-redis.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, LOG_LEVEL: 'error', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function message(providerId: string, folder: 'sent' | 'inbox', headers: string): MessageMeta {
  const result = messageMetaFromHeaders(parseHeaderBlock(headers), { providerId, threadId: providerId, folder });
  if (!('message' in result)) throw new Error('fixture skipped');
  return result.message;
}

describe('rekindle command', () => {
  let database: TestDatabase;
  const env = () => ({ DATABASE_URL: database.url, REDIS_URL: redisUrl });

  beforeAll(async () => {
    database = await createTestDatabase();
    const { userId, accountId } = await connectAccount(database.sql, {
      userEmail: 'me@example.com',
      provider: 'google',
      accountEmail: 'me@example.com',
      refreshToken: 'unused',
    });
    await ingestMail(
      database.sql,
      { userId, accountId, owner: createOwner(['me@example.com']), storeSubjects: true },
      [
        message(
          'm1',
          'sent',
          'Message-ID: <1@x>\nDate: Mon, 3 Jun 2024 10:00:00 +0000\nFrom: me@example.com\nTo: Ann Lee <ann@example.org>\nSubject: Lunch',
        ),
        message(
          'm2',
          'inbox',
          'Message-ID: <2@x>\nDate: Tue, 4 Jun 2024 10:00:00 +0000\nFrom: Ann Lee <ann@example.org>\nTo: me@example.com\nSubject: Re: Lunch',
        ),
        message(
          'm3',
          'sent',
          'Message-ID: <3@x>\nDate: Mon, 2 Sep 2024 10:00:00 +0000\nFrom: me@example.com\nTo: Bo <bo@example.net>\nSubject: Hi',
        ),
        message(
          'm4',
          'inbox',
          'Message-ID: <4@x>\nDate: Wed, 4 Sep 2024 10:00:00 +0000\nFrom: Bo <bo@example.net>\nTo: me@example.com\nSubject: Re: Hi',
        ),
        message(
          'm5',
          'inbox',
          'Message-ID: <5@x>\nDate: Wed, 4 Sep 2024 11:00:00 +0000\nFrom: news@shop.example\nTo: me@example.com\nList-Id: <deals.shop.example>\nSubject: Deals',
        ),
      ],
      [],
    );
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('contacts --json prints the documented shape, newest contact first', async () => {
    const { code, stdout } = await run(['contacts', '--user', 'me@example.com', '--json'], env());
    expect(code).toBe(0);
    const contacts = JSON.parse(stdout) as Record<string, unknown>[];
    expect(contacts.map((c) => c.email)).toEqual(['bo@example.net', 'ann@example.org']);
    expect(contacts[1]).toMatchObject({
      email: 'ann@example.org',
      name: 'Ann Lee',
      lastContactAt: '2024-06-04T10:00:00.000Z',
      lastOutboundAt: '2024-06-03T10:00:00.000Z',
      lastInboundAt: '2024-06-04T10:00:00.000Z',
      sentCount: 1,
      receivedCount: 1,
      meetingCount: 0,
      cadenceDays: null,
      status: 'active',
    });
    for (const key of [
      'email',
      'name',
      'lastContactAt',
      'lastOutboundAt',
      'lastInboundAt',
      'sentCount',
      'receivedCount',
      'meetingCount',
      'cadenceDays',
      'strength',
      'status',
    ]) {
      expect(contacts[0]).toHaveProperty(key);
    }
  });

  it('contacts --as-of ignores everything after that day', async () => {
    const { code, stdout } = await run(['contacts', '--user', 'me@example.com', '--json', '--as-of', '2024-06-30'], env());
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { email: string }[]).map((c) => c.email)).toEqual(['ann@example.org']);
  });

  it('contacts prints a readable table without --json', async () => {
    const { code, stdout } = await run(['contacts', '--user', 'ME@example.com', '--as-of', '2024-12-31'], env());
    expect(code).toBe(0);
    expect(stdout).toContain('Bo <bo@example.net>');
    expect(stdout).toContain('2 contacts as of 2024-12-31');
  });

  it.each([
    [[], /Usage:/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['contacts'], /--user is required/],
    [['contacts', '--user', 'me@example.com', '--as-of', '2024-02-30'], /--as-of expects a date like/],
    [['contacts', '--user', 'me@example.com', '--colour'], /Unknown option '--colour'/],
    [['contacts', '--user', 'nobody@example.com'], /No user nobody@example.com/],
  ])('rekindle %j exits 2 with a message that says what is wrong', async (args, message) => {
    const { code, stderr } = await run(args, env());
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('names a bad variable and exits 78', async () => {
    const { code, stderr } = await run(['contacts', '--user', 'me@example.com'], { ...env(), PORT: 'eighty', REDIS_URL: 'http://x' });
    expect(code).toBe(78);
    expect(stderr).toMatch(/PORT: /);
    expect(stderr).toMatch(/REDIS_URL: /);
  });

  it('says which service it cannot reach', async () => {
    const { code, stderr } = await run(['contacts', '--user', 'me@example.com'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot reach .*ECONNREFUSED/);
  });

  it('migrate creates a missing database and migrates it', async () => {
    const name = `${TEST_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_cli_migrate`;
    const url = new URL(database.url);
    url.pathname = `/${name}`;
    const admin = adminConnection();
    try {
      const { code, stdout, stderr } = await run(['migrate'], { DATABASE_URL: url.toString() });
      expect(code).toBe(0);
      expect(stdout).toMatch(/up to date/);
      // A new, empty database is announced as created, once.
      expect(stderr).toContain(`Created the database ${name} on ${url.host}: it did not exist yet, so it starts empty.`);
      const again = await run(['migrate'], { DATABASE_URL: url.toString() });
      expect(again.code).toBe(0);
      expect(again.stderr).not.toContain('Created the database');
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });

  // A generous timeout: serve loads its code and migrates first, slowly on a busy machine.
  it('serve answers /healthz and /readyz, and stops cleanly on SIGTERM', { timeout: 180_000 }, async () => {
    const port = await freePort();
    // LOG_LEVEL=info: serve says on stdout when it listens, which is what the test waits for.
    const child = spawn(process.execPath, [cli, 'serve'], { env: { ...process.env, ...env(), PORT: String(port), LOG_LEVEL: 'info' } });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('"msg":"web server listening"')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`serve exited (${code}) before it listened:\n${out}`)));
      });
      const base = `http://127.0.0.1:${port}`;
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      // /readyz gives up on a check after 900 ms, which a first connection on a loaded machine
      // can take: an orchestrator asks again, and so does the test, until it says ready.
      let ready = await fetch(`${base}/readyz`);
      for (let attempt = 1; ready.status === 503 && attempt < 30; attempt++) ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', postgres: 'ok', redis: 'ok' });
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
