/**
 * A worker process is killed (SIGKILL, no cleanup) in the middle of a backfill; another one
 * takes over. For either provider the result must be the same as one clean run: same contacts,
 * one row per message, and only what was in flight at the kill read a second time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/env.ts';
import { buildSampleMailbox, type SampleMailbox } from '../../fakes/demo/sample-mailbox.ts';
import { startGoogleEmulator } from '../../fakes/google/index.ts';
import { startGraphEmulator } from '../../fakes/microsoft/index.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { contactsOf, expectMatchesTruth } from '../../testkit/contact-truth.ts';
import {
  connectEmulatedMicrosoft,
  microsoftTestConfig,
  microsoftWorkerEnv,
  servesPerMessage,
  storedRefreshToken,
} from '../../testkit/microsoft-harness.ts';
import {
  connectEmulatedGoogle,
  getsPerMessage,
  streamsOf,
  testConfig,
  testLogger,
  waitFor,
  waitUntilSynced,
} from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/** One provider's emulator, seen through what this test needs of it. */
interface Provider {
  workerEnv: Record<string, string>;
  connect(database: TestDatabase, email: string): Promise<{ accountId: string }>;
  config(database: TestDatabase, prefix: string): Config;
  /** Checks that only what was in flight at the kill was read twice, and anything else the provider owes. */
  expectLittleReadAgain(database: TestDatabase, accountId: string, total: number): Promise<void>;
  close(): Promise<void>;
}

// Slow answers so the kill lands while pages are being read and committed.
const latencyMs = { min: 20, max: 40 };
const overrides = { SYNC_LEASE_SECONDS: '3' };

async function google(sample: SampleMailbox): Promise<Provider> {
  const HYDRATE_CHUNK = 100;
  const emulator = await startGoogleEmulator({ latencyMs });
  emulator.addMailbox(sample.seed);
  const tuning = { SYNC_REQUEST_CONCURRENCY: '2', SYNC_PAGE_SIZE: '50' };
  return {
    workerEnv: {
      GOOGLE_CLIENT_ID: emulator.clientId,
      GOOGLE_CLIENT_SECRET: emulator.clientSecret,
      GOOGLE_API_URL: emulator.url,
      GOOGLE_TOKEN_URL: emulator.tokenUrl,
      ...tuning,
    },
    connect: (database, email) => connectEmulatedGoogle(database, emulator, email),
    config: (database, prefix) => testConfig(database, prefix, emulator, { ...overrides, ...tuning }),
    async expectLittleReadAgain(_database, _accountId, total) {
      // Only the chunk of metadata requests in flight at the kill may have been fetched twice.
      const perMessage = getsPerMessage(emulator, sample.owner.email);
      expect(perMessage.size).toBe(total);
      const refetched = [...perMessage.values()].filter((n) => n > 1);
      expect(refetched.every((n) => n === 2)).toBe(true);
      expect(refetched.length).toBeLessThanOrEqual(HYDRATE_CHUNK);
    },
    close: () => emulator.close(),
  };
}

async function microsoft(sample: SampleMailbox): Promise<Provider> {
  const PAGE_SIZE = 25;
  const emulator = await startGraphEmulator({ latencyMs });
  emulator.addMailbox(sample.seed);
  const tuning = { SYNC_PAGE_SIZE: String(PAGE_SIZE) };
  return {
    workerEnv: { ...microsoftWorkerEnv(emulator), ...tuning },
    connect: (database, email) => connectEmulatedMicrosoft(database, emulator, email),
    config: (database, prefix) => microsoftTestConfig(database, prefix, emulator, { ...overrides, ...tuning }),
    async expectLittleReadAgain(database, accountId, total) {
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
    },
    close: () => emulator.close(),
  };
}

describe.each([
  { name: 'google', start: google },
  { name: 'microsoft', start: microsoft },
])('a worker syncing a $name account killed mid-backfill', ({ name, start }) => {
  let database: TestDatabase;
  let provider: Provider;
  let child: ChildProcess | undefined;
  let worker: WorkerHandle | undefined;
  const queue = createTestPrefix(`crash-${name}`);
  // Whole seconds: Graph keeps dates to the second.
  const sample = buildSampleMailbox({ now: new Date(Math.floor(Date.now() / 1000) * 1000), seed: 11 });

  beforeAll(async () => {
    database = await createTestDatabase();
    provider = await start(sample);
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await worker?.close();
    await provider?.close();
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
      SCHEDULER_TICK_SECONDS: '0.2',
      ...overrides,
      ...provider.workerEnv,
    };
    child = spawn(process.execPath, [cli, 'work'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const { accountId } = await provider.connect(database, sample.owner.email);

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

    worker = await startWorker({ config: provider.config(database, queue.prefix), logger: testLogger() });
    await waitUntilSynced(database, accountId, 90_000);

    const contacts = await contactsOf(database, sample.owner.email);
    expect([...contacts.keys()].sort()).toEqual([...sample.contacts.keys()].sort());
    for (const truth of sample.contacts.values()) expectMatchesTruth(contacts.get(truth.email), truth);

    const [rows] = await database.sql<{ n: number }[]>`select count(*)::int as n from mail_messages where account_id = ${accountId}`;
    expect(rows!.n).toBe(total);
    const mail = (await streamsOf(database, accountId)).find((s) => s.stream === 'mail')!;
    expect(mail.itemsSynced).toBe(total);
    await provider.expectLittleReadAgain(database, accountId, total);
    // Two whole syncs and a kill: its waits bound it (60 s and 90 s), not the default test timeout.
  }, 240_000);
});
