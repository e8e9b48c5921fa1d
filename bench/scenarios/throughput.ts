/**
 * Scenario 2, pipeline throughput with the quota out of the way: messages per second from
 * the provider's page to committed contacts, through HTTP (the Gmail and Graph emulators in
 * their own process, the real worker here) and from a local maildir (the Enron corpus,
 * through `rekindle import`'s code). Each against its naive baseline, run right after it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { recomputeContacts } from '../../src/contact-store/recompute-contacts.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import { importMail } from '../../src/import/import-mail.ts';
import { ensureLocalAccount } from '../../src/import/local-account.ts';
import { metaOf } from '../../src/import/import-mail.ts';
import { readMaildir } from '../../src/import/read-maildir.ts';
import { startWorker } from '../../src/workers/start-worker.ts';
import { corpus } from '../../testkit/corpora.ts';
import { connectMailboxes, createBenchDatabase, createBenchPrefix, workerConfig, type BenchDatabase } from '../bench-env.ts';
import { startEmulatorProcess } from '../emulator-process.ts';
import { round, until } from '../measure.ts';
import { naiveIngestOne, naiveProvider, naiveRecompute, naiveSync } from '../naive.ts';

/** Limits far above anything reached: the quota is not what is measured here. */
export const NO_QUOTA = {
  GMAIL_QUOTA_UNITS_PER_MINUTE: '1000000000',
  CALENDAR_REQUESTS_PER_MINUTE: '1000000000',
  GRAPH_REQUESTS_PER_10_MINUTES: '1000000000',
};

export interface ThroughputOptions {
  messages: number;
  /** How long each naive baseline may run (it is rated by what it did in that time). */
  naiveSeconds: number;
  /** The Enron maildir root; null to skip that part. */
  enron: string | null;
  /** Messages of the corpus read at most (smaller runs); null for all. */
  importLimit?: number | null;
  progress?: (line: string) => void;
}

/** The first `limit` items of a stream (all of them for null). */
async function* take<T>(items: AsyncIterable<T>, limit: number | null | undefined): AsyncGenerator<T> {
  if (limit === null || limit === undefined) return yield* items;
  let n = 0;
  for await (const item of items) {
    if (n++ >= limit) return;
    yield item;
  }
}

/** Both streams of the account caught up, nothing leased, contacts computed since the last change. */
export async function syncedAndComputed(database: BenchDatabase, accountId: string): Promise<boolean> {
  const [row] = await database.sql<[{ done: boolean }]>`
    select bool_and(s.backfill_completed_at is not null and s.lease_owner is null and s.phase = 'incremental')
           and bool_and(u.contacts_computed_at is not null and u.contacts_computed_at >= coalesce(u.contacts_dirty_at, '-infinity'))
           and not exists (select 1 from dirty_contacts d where d.user_id = a.user_id) as done
      from accounts a join sync_streams s on s.account_id = a.id join users u on u.id = a.user_id
     where a.id = ${accountId}
     group by a.user_id`;
  return row?.done === true;
}

export async function httpThroughput(provider: 'google' | 'microsoft', options: ThroughputOptions) {
  const owner = `${provider}-throughput@example.com`;
  const naiveOwner = `${provider}-naive@example.com`;
  const emulator = await startEmulatorProcess({
    provider,
    quota: null,
    mailboxes: [
      { owner, messages: options.messages },
      { owner: naiveOwner, messages: options.messages, idBase: 0x20000000000 },
    ],
  });
  const database = await createBenchDatabase(`throughput_${provider}`);
  const queue = createBenchPrefix(`throughput-${provider}`);
  try {
    const accounts = await connectMailboxes(database, provider, { [owner]: emulator.refreshTokens[owner]! });
    const { accountId } = accounts.get(owner)!;
    const started = performance.now();
    const worker = await startWorker({
      config: workerConfig(database, queue.prefix, emulator.endpoints, { ...NO_QUOTA, SYNC_LEASE_SECONDS: '60' }),
      logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }),
    });
    try {
      await until('the throughput sync', () => syncedAndComputed(database, accountId), 30 * 60_000, 50);
    } finally {
      await worker.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const [{ messages, contacts }] = await database.sql<[{ messages: number; contacts: number }]>`
      select (select count(*)::int from mail_messages where account_id = ${accountId}) as messages,
             (select count(*)::int from contacts c join accounts a on a.user_id = c.user_id where a.id = ${accountId}) as contacts`;

    const naiveAccounts = await connectMailboxes(database, provider, { [naiveOwner]: emulator.refreshTokens[naiveOwner]! });
    const naiveAccount = naiveAccounts.get(naiveOwner)!;
    const naive = await naiveSync(
      database.sql,
      naiveProvider(database.sql, emulator.endpoints, naiveAccount.accountId, 1_000_000_000),
      { ...naiveAccount, owner: createOwner([naiveOwner]) },
      options.naiveSeconds * 1000,
    );
    const stats = await emulator.stats([owner]);
    const perSecond = messages / seconds;
    const naivePerSecond = naive.messages / naive.seconds;
    return {
      messages,
      contacts,
      seconds: round(seconds, 2),
      messagesPerSecond: Math.round(perSecond),
      providerRequests: Object.values(stats.calls).reduce((a, b) => a + b, 0),
      messagesFetchedTwice: stats.fetchedTwice,
      emulatorCpuSeconds: round(stats.cpuSeconds, 1),
      naive: {
        messages: naive.messages,
        seconds: round(naive.seconds, 2),
        messagesPerSecond: round(naivePerSecond, 1),
        contacts: naive.contacts,
      },
      speedupVsNaive: round(perSecond / naivePerSecond, 1),
    };
  } finally {
    await emulator.close();
    await database.drop();
    await queue.cleanup();
  }
}

export async function maildirThroughput(root: string, options: ThroughputOptions) {
  const database = await createBenchDatabase('throughput_import');
  try {
    const { sql } = database;
    const account = await ensureLocalAccount(sql, 'enron-import@example.com');
    await sql`checkpoint`;
    const started = performance.now();
    const summary = await importMail(sql, account, take(readMaildir(root), options.importLimit), { storeSubjects: true });
    const imported = (performance.now() - started) / 1000;
    const contacts = await recomputeContacts(sql, account.userId);
    const seconds = (performance.now() - started) / 1000;

    // Naive: the same files, one at a time, one INSERT per row, into a second user.
    const naiveAccount = await ensureLocalAccount(sql, 'enron-naive@example.com');
    const target = { userId: naiveAccount.userId, accountId: naiveAccount.accountId, owner: createOwner(naiveAccount.addresses) };
    const naiveStarted = performance.now();
    const deadline = naiveStarted + options.naiveSeconds * 1000;
    let naiveMessages = 0;
    for await (const raw of take(readMaildir(root), options.importLimit)) {
      if (performance.now() > deadline) break;
      naiveMessages++;
      if (raw.skip) continue;
      const meta = metaOf(raw);
      if ('message' in meta) await naiveIngestOne(sql, target, meta.message);
    }
    await naiveRecompute(sql, naiveAccount.userId, new Date());
    const naiveSeconds = (performance.now() - naiveStarted) / 1000;
    const perSecond = summary.read / seconds;
    const naivePerSecond = naiveMessages / naiveSeconds;
    return {
      corpus: root,
      messages: summary.read,
      interactions: summary.interactions,
      contacts,
      seconds: round(seconds, 2),
      importSeconds: round(imported, 2),
      messagesPerSecond: Math.round(perSecond),
      naive: { messages: naiveMessages, seconds: round(naiveSeconds, 2), messagesPerSecond: round(naivePerSecond, 1) },
      speedupVsNaive: round(perSecond / naivePerSecond, 1),
    };
  } finally {
    await database.drop();
  }
}

export async function pipelineThroughput(options: ThroughputOptions) {
  options.progress?.(`throughput: Gmail emulator, ${options.messages} messages`);
  const gmail = await httpThroughput('google', options);
  options.progress?.(`throughput: Graph emulator, ${options.messages} messages`);
  const graph = await httpThroughput('microsoft', options);
  options.progress?.(`throughput: maildir import of ${options.enron ?? '(no corpus)'}`);
  const maildir =
    options.enron !== null && existsSync(options.enron)
      ? await maildirThroughput(options.enron, options)
      : { skipped: `no Enron corpus at ${options.enron ?? '(none given)'}; set REKINDLE_CORPORA or --corpora` };
  return { gmail, graph, maildir, target: { httpMessagesPerSecond: 2000, importMessagesPerSecond: 20_000, speedupVsNaive: 5 } };
}

/** The Enron maildir root: under `--corpora` when given, else where the tests find it (testkit/corpora.ts). */
export function enronRoot(explicit?: string): string | null {
  if (explicit) {
    const dir = path.join(explicit, 'enron-inbox/maildir');
    return existsSync(dir) ? dir : null;
  }
  try {
    return corpus('enron-inbox/maildir');
  } catch {
    return null;
  }
}
