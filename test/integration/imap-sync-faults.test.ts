/**
 * Faults while real workers sync an IMAP mailbox on a real Dovecot: the worker process killed
 * mid-backfill (SIGKILL), every connection cut mid-backfill, the server restarted mid-backfill,
 * and a folder's UIDVALIDITY changed after caught-up. Each time: every message stored exactly
 * once, progress counted exactly, and the same contacts as the mail says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { buildSampleMailbox } from '../../fakes/demo/sample-mailbox.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { contactsOf } from '../../testkit/contact-truth.ts';
import { startDovecot, type Dovecot } from '../../testkit/dovecot.ts';
import { createImapUser, folderOfSeed, imapMessageOfSeed, type ImapTestUser } from '../../testkit/imap-mailbox.ts';
import { makeDue, streamsOf, testConfig, testLogger, waitFor, waitUntilSynced } from '../../testkit/sync-harness.ts';
import { startTcpProxy, type TcpProxy } from '../../testkit/tcp-proxy.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const sample = buildSampleMailbox({ now: new Date(Math.floor(Date.now() / 1000) * 1000), seed: 11 });
const mail = { ...sample.seed, events: [] };
/** What the sync must store: every message outside Drafts, Junk and Trash, once per Message-ID. */
const expected = new Set(
  mail.messages
    .filter((m) => !['Drafts', 'Junk', 'Trash'].includes(folderOfSeed(m)))
    .map((m, i) => imapMessageOfSeed(m).headers.find((h) => h.name.toLowerCase() === 'message-id')?.value ?? `no-message-id-${i}`),
).size;
// Dovecot (behind a local proxy) listens on loopback, which the worker refuses unless allowed.
const tuning = { SYNC_PAGE_SIZE: '20', SYNC_LEASE_SECONDS: '3', SCHEDULER_TICK_SECONDS: '0.2', ALLOW_PRIVATE_SERVERS: 'true' };

describe('IMAP sync under faults', { timeout: 180_000 }, () => {
  let dovecot: Dovecot;
  let gmail: GoogleEmulator;
  let users = 0;
  let database: TestDatabase;
  let worker: WorkerHandle | undefined;
  let child: ChildProcess | undefined;
  let proxy: TcpProxy | undefined;
  const queue = createTestPrefix('imap-faults');

  beforeAll(async () => {
    dovecot = await startDovecot();
    // Only for a complete config; no Google account is connected.
    gmail = await startGoogleEmulator();
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    await worker?.close();
    worker = undefined;
    await proxy?.close();
    proxy = undefined;
    await database?.drop();
  });
  afterAll(async () => {
    await dovecot?.destroy();
    await gmail?.close();
    await queue.cleanup();
  });

  async function mailbox(delayMs: number): Promise<{ user: ImapTestUser; email: string }> {
    const email = `sam.${++users}@example.com`;
    const user = await createImapUser(dovecot, email);
    const own = (v: string) => v.replaceAll(sample.owner.email, email);
    await user.append(
      mail.messages.map((m) => {
        const message = imapMessageOfSeed(m);
        return { ...message, headers: message.headers.map((h) => ({ ...h, value: own(h.value) })) };
      }),
    );
    proxy = await startTcpProxy({ host: '127.0.0.1', port: dovecot.port }, { delayMs });
    database = await createTestDatabase();
    return { user, email };
  }

  async function connect(user: ImapTestUser, email: string) {
    return connectAccount(database.sql, {
      userEmail: email,
      provider: 'imap',
      accountEmail: email,
      refreshToken: user.password,
      imapServer: { ...user.server, port: proxy!.port },
    });
  }

  const committed = async () => (await database.sql<{ n: number }[]>`select count(*)::int as n from mail_messages`)[0]!.n;
  const whenCommitted = (n: number) => waitFor('some messages committed', async () => (await committed()) >= n, 60_000);

  async function expectExactlyOnce(accountId: string, email: string, total = expected) {
    const [rows] = await database.sql<{ n: number; distinct: number }[]>`
      select count(*)::int as n, count(distinct provider_id)::int as distinct from mail_messages where account_id = ${accountId}`;
    expect(rows).toEqual({ n: total, distinct: total });
    const stream = (await streamsOf(database, accountId)).find((s) => s.stream === 'mail')!;
    expect(stream.itemsSynced).toBe(total);
    const contacts = await contactsOf(database, email);
    const withMail = [...sample.contacts.values()].filter((t) => t.sent + t.received > 0);
    expect([...contacts.keys()].sort()).toEqual(withMail.map((t) => t.email).sort());
    for (const truth of withMail) {
      expect(contacts.get(truth.email), truth.email).toMatchObject({ sentCount: truth.sent, receivedCount: truth.received });
    }
  }

  it('a worker killed mid-backfill is replaced by another: every message once, the true contacts', async () => {
    const { user, email } = await mailbox(3);
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queue.prefix,
      ...tuning,
    };
    child = spawn(process.execPath, [cli, 'work'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const { accountId } = await connect(user, email);
    await whenCommitted(expected / 4).catch((error: Error) => {
      throw new Error(`${error.message}\nworker stderr:\n${stderr}`);
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    expect(await committed()).toBeLessThan(expected);

    worker = await startWorker({ config: testConfig(database, queue.prefix, gmail, tuning), logger: testLogger() });
    await waitUntilSynced(database, accountId, 90_000);
    await expectExactlyOnce(accountId, email);
  });

  it('every connection cut mid-backfill: the sync reconnects and finishes, nothing lost or twice', async () => {
    const { user, email } = await mailbox(2);
    worker = await startWorker({ config: testConfig(database, queue.prefix, gmail, tuning), logger: testLogger() });
    const { accountId } = await connect(user, email);
    await whenCommitted(expected / 3);
    const before = proxy!.connections;
    proxy!.dropAll();
    await waitUntilSynced(database, accountId, 90_000);
    expect(proxy!.connections).toBeGreaterThan(before);
    await expectExactlyOnce(accountId, email);
  });

  it('the server restarted mid-backfill: the sync carries on when it is back', async () => {
    const { user, email } = await mailbox(2);
    worker = await startWorker({ config: testConfig(database, queue.prefix, gmail, tuning), logger: testLogger() });
    const { accountId } = await connect(user, email);
    await whenCommitted(expected / 3);
    await dovecot.restart();
    // The session reconnects for a few seconds; a restart that takes longer (a loaded machine)
    // fails the job, and the stream is retried at its next run: bring that run forward.
    const mailStream = async () => (await streamsOf(database, accountId)).find((s) => s.stream === 'mail')!;
    const settled = await waitFor(
      'the sync to finish or fail',
      async () => {
        const stream = await mailStream();
        return (stream.backfillCompletedAt && !stream.leaseOwner) || (stream.lastError && !stream.leaseOwner) ? stream : false;
      },
      90_000,
    );
    if (!settled.backfillCompletedAt) await makeDue(database, accountId);
    await waitUntilSynced(database, accountId, 90_000);
    await expectExactlyOnce(accountId, email);
  });

  it('a folder whose UIDVALIDITY changed after caught-up is read again: nothing lost, nothing twice', async () => {
    const { user, email } = await mailbox(0);
    worker = await startWorker({ config: testConfig(database, queue.prefix, gmail, tuning), logger: testLogger() });
    const { accountId } = await connect(user, email);
    await waitUntilSynced(database, accountId, 90_000);
    await user.renewUidValidity(['INBOX', 'Sent']);
    await user.append([
      {
        folder: 'INBOX',
        internalDate: new Date(Date.now() - 60_000),
        headers: [
          { name: 'Message-ID', value: '<after-uidvalidity@example.org>' },
          { name: 'Date', value: new Date(Date.now() - 60_000).toUTCString() },
          { name: 'From', value: 'Maya Chen <maya@chenlabs.io>' },
          { name: 'To', value: email },
          { name: 'Subject', value: 'Still there?' },
        ],
      },
    ]);
    await makeDue(database, accountId);
    await waitFor('the new message', async () => {
      const [row] = await database.sql<
        { n: number }[]
      >`select count(*)::int as n from mail_messages where internet_message_id = 'after-uidvalidity@example.org'`;
      return row!.n === 1;
    });
    await waitUntilSynced(database, accountId, 90_000);
    const [rows] = await database.sql<{ n: number; distinct: number }[]>`
      select count(*)::int as n, count(distinct provider_id)::int as distinct from mail_messages where account_id = ${accountId}`;
    expect(rows).toEqual({ n: expected + 1, distinct: expected + 1 });
    const stream = (await streamsOf(database, accountId)).find((s) => s.stream === 'mail')!;
    expect(stream.itemsSynced).toBe(expected + 1);
  });
});
