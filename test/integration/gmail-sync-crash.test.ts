/**
 * A worker process is killed (SIGKILL, no cleanup) in the middle of a backfill; another one
 * takes over. The result must be the same as one clean run: same contacts, one row per
 * message, and only the messages that were in flight fetched a second time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleMailbox } from '../../src/demo/sample-mailbox.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../src/emulators/google/index.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { contactsOf, expectMatchesTruth } from '../support/contact-truth.ts';
import { connectEmulatedGoogle, getsPerMessage, streamsOf, testConfig, testLogger, waitFor, waitUntilSynced } from '../support/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { createTestPrefix, redisUrl } from '../support/test-redis.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const HYDRATE_CHUNK = 100;

describe('a worker killed mid-backfill', () => {
  let database: TestDatabase;
  let emulator: GoogleEmulator;
  let child: ChildProcess | undefined;
  let worker: WorkerHandle | undefined;
  const queue = createTestPrefix('crash');
  const sample = buildSampleMailbox({ now: new Date(), seed: 11 });

  beforeAll(async () => {
    database = await createTestDatabase();
    // Slow responses so the kill lands while pages are being fetched and committed.
    emulator = await startGoogleEmulator({ latencyMs: { min: 20, max: 40 } });
    emulator.addMailbox(sample.seed);
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await worker?.close();
    await emulator?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('is replaced by another that finishes with the same contacts and no duplicates', async () => {
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queue.prefix,
      GOOGLE_CLIENT_ID: emulator.clientId,
      GOOGLE_CLIENT_SECRET: emulator.clientSecret,
      GOOGLE_API_URL: emulator.url,
      GOOGLE_TOKEN_URL: emulator.tokenUrl,
      SCHEDULER_TICK_SECONDS: '0.2',
      SYNC_LEASE_SECONDS: '3',
      SYNC_REQUEST_CONCURRENCY: '2',
      SYNC_PAGE_SIZE: '50',
    };
    child = spawn(process.execPath, [cli, 'work'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const { accountId } = await connectEmulatedGoogle(database, emulator, sample.owner.email);

    // Kill it once a good part, but not all, of the mailbox is committed.
    const total = sample.seed.messages.length;
    await waitFor(
      'the first worker to commit some messages',
      async () => {
        const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from mail_messages`;
        return row!.n >= total / 4;
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nworker stderr:\n${stderr}`);
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    const [committed] = await database.sql<{ n: number }[]>`select count(*)::int as n from mail_messages`;
    expect(committed!.n).toBeLessThan(total);

    worker = await startWorker({
      config: testConfig(database, queue.prefix, emulator, { SYNC_LEASE_SECONDS: '3', SYNC_PAGE_SIZE: '50' }),
      logger: testLogger(),
    });
    await waitUntilSynced(database, accountId, 90_000);

    const contacts = await contactsOf(database, sample.owner.email);
    expect([...contacts.keys()].sort()).toEqual([...sample.contacts.keys()].sort());
    for (const truth of sample.contacts.values()) expectMatchesTruth(contacts.get(truth.email), truth);

    const [rows] = await database.sql<{ n: number }[]>`select count(*)::int as n from mail_messages where account_id = ${accountId}`;
    expect(rows!.n).toBe(total);
    const mail = (await streamsOf(database, accountId)).find((s) => s.stream === 'mail')!;
    expect(mail.itemsSynced).toBe(total);

    // Only the chunk in flight at the kill may have been fetched twice.
    const perMessage = getsPerMessage(emulator, sample.owner.email);
    expect(perMessage.size).toBe(total);
    const refetched = [...perMessage.values()].filter((n) => n > 1);
    expect(refetched.every((n) => n === 2)).toBe(true);
    expect(refetched.length).toBeLessThanOrEqual(HYDRATE_CHUNK);
  });
});
