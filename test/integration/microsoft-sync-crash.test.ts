/**
 * A worker process syncing a Microsoft account is killed (SIGKILL, no cleanup) in the middle of
 * its backfill; another one takes over. The result must be the same as one clean run: same
 * contacts, one row per message, and only the delta pages that were not yet committed at the
 * kill listed a second time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleMailbox } from '../../src/demo/sample-mailbox.ts';
import { startGraphEmulator, type GraphEmulator } from '../../src/emulators/microsoft/index.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { contactsOf, expectMatchesTruth } from '../support/contact-truth.ts';
import { connectEmulatedMicrosoft, microsoftTestConfig, microsoftWorkerEnv, servesPerMessage, storedRefreshToken } from '../support/microsoft-harness.ts';
import { streamsOf, testLogger, waitFor, waitUntilSynced } from '../support/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { createTestPrefix, redisUrl } from '../support/test-redis.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const PAGE_SIZE = 25;

describe('a worker syncing a Microsoft account killed mid-backfill', () => {
  let database: TestDatabase;
  let emulator: GraphEmulator;
  let child: ChildProcess | undefined;
  let worker: WorkerHandle | undefined;
  const queue = createTestPrefix('graph-crash');
  const sample = buildSampleMailbox({ now: new Date(Math.floor(Date.now() / 1000) * 1000), seed: 11 });

  beforeAll(async () => {
    database = await createTestDatabase();
    // Slow answers so the kill lands while pages are being listed and committed.
    emulator = await startGraphEmulator({ latencyMs: { min: 20, max: 40 } });
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
      ...microsoftWorkerEnv(emulator),
      SCHEDULER_TICK_SECONDS: '0.2',
      SYNC_LEASE_SECONDS: '3',
      SYNC_PAGE_SIZE: String(PAGE_SIZE),
    };
    child = spawn(process.execPath, [cli, 'work'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const { accountId } = await connectEmulatedMicrosoft(database, emulator, sample.owner.email);

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
      config: microsoftTestConfig(database, queue.prefix, emulator, { SYNC_LEASE_SECONDS: '3', SYNC_PAGE_SIZE: String(PAGE_SIZE) }),
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

    // Listed again: only what the pages after the last committed cursor held — the page being
    // committed and the one listed ahead of it.
    const served = servesPerMessage(emulator, sample.owner.email);
    expect(served.size).toBe(total);
    const again = [...served.values()].filter((n) => n > 1);
    expect(again.every((n) => n === 2)).toBe(true);
    expect(again.length).toBeLessThanOrEqual(2 * PAGE_SIZE);
    // The second worker carried on with the refresh token the first one saved.
    expect(emulator.refreshTokenReuses(sample.owner.email)).toBe(0);
    expect(emulator.liveRefreshTokens(sample.owner.email)).toEqual([await storedRefreshToken(database, accountId)]);
  });
});
