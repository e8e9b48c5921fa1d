/**
 * Scenario 1, quota saturation: a full Gmail sync of one mailbox against the emulator's
 * per-user quota (scaled up, so the run takes minutes rather than an hour) with realistic
 * answer times. How much of the quota the sync used, whether it ever went over, what each
 * message cost, and how soon the first useful digest could be made (the Sent folder and the
 * calendar synced) compared with the whole sync. The naive baseline runs against its own
 * mailbox (quotas are per user) with the same quota and latency.
 */
import { pino } from 'pino';
import { createOwner } from '../../src/contacts/owner.ts';
import { startWorker } from '../../src/workers/start-worker.ts';
import { connectMailboxes, createBenchDatabase, createBenchPrefix, workerConfig } from '../bench-env.ts';
import { startEmulatorProcess } from '../emulator-process.ts';
import { round, until } from '../measure.ts';
import { naiveProvider, naiveSync } from '../naive.ts';
import { syncedAndComputed } from './throughput.ts';

export interface QuotaOptions {
  messages: number;
  unitsPerMinute: number;
  latencyMs: { min: number; max: number };
  naiveSeconds: number;
  progress?: (line: string) => void;
}

export async function quotaSaturation(options: QuotaOptions) {
  const owner = 'quota-owner@example.com';
  const naiveOwner = 'quota-naive@example.com';
  const emulator = await startEmulatorProcess({
    provider: 'google',
    quota: options.unitsPerMinute,
    latencyMs: options.latencyMs,
    mailboxes: [
      { owner, messages: options.messages },
      { owner: naiveOwner, messages: Math.min(options.messages, 2_000), idBase: 0x30000000000 },
    ],
  });
  const database = await createBenchDatabase('quota');
  const queue = createBenchPrefix('quota');
  try {
    const accounts = await connectMailboxes(database, 'google', { [owner]: emulator.refreshTokens[owner]! });
    const { accountId } = accounts.get(owner)!;
    options.progress?.(`quota: syncing ${options.messages} messages at ${options.unitsPerMinute} units/min`);
    const started = Date.now();
    const worker = await startWorker({
      config: workerConfig(database, queue.prefix, emulator.endpoints, {
        GMAIL_QUOTA_UNITS_PER_MINUTE: String(options.unitsPerMinute),
        SYNC_LEASE_SECONDS: '60',
      }),
      logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }),
    });
    let sentDoneAt: number | null = null;
    let calendarDoneAt: number | null = null;
    try {
      await until(
        'the quota sync',
        async () => {
          const rows = await database.sql<{ stream: string; stage: string | null; done: boolean }[]>`
            select stream, cursor->>'stage' as stage, backfill_completed_at is not null as done
              from sync_streams where account_id = ${accountId}`;
          const now = Date.now();
          const mail = rows.find((r) => r.stream === 'mail');
          const calendar = rows.find((r) => r.stream === 'calendar');
          if (sentDoneAt === null && mail && (mail.stage === 'all' || mail.stage === 'history')) sentDoneAt = now;
          if (calendarDoneAt === null && calendar?.done) calendarDoneAt = now;
          return syncedAndComputed(database, accountId);
        },
        60 * 60_000,
        100,
      );
    } finally {
      await worker.close();
    }
    const [{ completedAt, messages }] = await database.sql<[{ completedAt: Date; messages: number }]>`
      select s.backfill_completed_at as "completedAt",
             (select count(*)::int from mail_messages where account_id = ${accountId}) as messages
        from sync_streams s where s.account_id = ${accountId} and s.stream = 'mail'`;
    const stats = await emulator.stats([owner]);
    if (process.env.BENCH_DEBUG) console.error('quota timeline', stats.perSecond.join(' '), JSON.stringify(stats.gaps));
    const gets = stats.calls['gmail.users.messages.get'] ?? 0;
    const fullSeconds = (completedAt.getTime() - started) / 1000;
    const chargedSeconds = ((stats.lastAt ?? started) - started) / 1000;
    const activeSeconds = ((stats.lastAt ?? started) - (stats.firstAt ?? started)) / 1000;
    const firstUsable = Math.max(sentDoneAt ?? Infinity, calendarDoneAt ?? Infinity);

    options.progress?.(`quota: naive baseline for ${options.naiveSeconds} s`);
    const naiveAccounts = await connectMailboxes(database, 'google', { [naiveOwner]: emulator.refreshTokens[naiveOwner]! });
    const naiveAccount = naiveAccounts.get(naiveOwner)!;
    const naive = await naiveSync(
      database.sql,
      naiveProvider(database.sql, emulator.endpoints, naiveAccount.accountId, options.unitsPerMinute),
      { ...naiveAccount, owner: createOwner([naiveOwner]) },
      options.naiveSeconds * 1000,
    );
    const naiveStats = await emulator.stats([naiveOwner]);
    const naiveUnitsPerMinute = naiveStats.charged / (naive.seconds / 60);
    const ratio = stats.charged / (chargedSeconds / 60) / options.unitsPerMinute;
    return {
      messages,
      limitUnitsPerMinute: options.unitsPerMinute,
      latencyMs: options.latencyMs,
      unitsCharged: stats.charged,
      /** Units per minute from the worker's start to the last charged request, over the limit. */
      quotaUsed: round(ratio, 3),
      /** The same from the first charged request on (start-up excluded). */
      quotaUsedOnceStarted: round(stats.charged / (activeSeconds / 60) / options.unitsPerMinute, 3),
      peakUnitsInAnyMinute: stats.peakUnitsPerMinute,
      quotaErrors: stats.rejected,
      unitsPerMessage: round(stats.charged / messages, 3),
      messagesGetUnitsPerMessage: round((gets * 5) / messages, 3),
      listCalls: stats.calls['gmail.users.messages.list'] ?? 0,
      /** Mail requests by method, as the emulator counted them. */
      calls: stats.calls,
      messagesFetchedTwice: stats.fetchedTwice,
      fullSyncSeconds: round(fullSeconds, 1),
      firstUsableDigestSeconds: Number.isFinite(firstUsable) ? round((firstUsable - started) / 1000, 1) : null,
      firstUsableShareOfFullSync: Number.isFinite(firstUsable) ? round((firstUsable - started) / 1000 / fullSeconds, 3) : null,
      naive: {
        messages: naive.messages,
        seconds: round(naive.seconds, 1),
        quotaUsed: round(naiveUnitsPerMinute / options.unitsPerMinute, 3),
        quotaErrors: naiveStats.rejected,
      },
      speedupVsNaive: round(ratio / (naiveUnitsPerMinute / options.unitsPerMinute), 1),
      target: { quotaUsed: 0.95, quotaErrors: 0 },
    };
  } finally {
    await emulator.close();
    await database.drop();
    await queue.cleanup();
  }
}
