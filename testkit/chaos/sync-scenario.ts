/**
 * One backfill of the chaos mailbox by `rekindle work` processes, disturbed or not: worker
 * processes SIGKILLed and restarted at random moments, Postgres crash-restarted, Redis flushed,
 * the provider failing a share of its answers and expiring its cursors, Redis or Postgres
 * taken away for a while (an outage: stopped, then started with its data) while a
 * `rekindle serve` is probed throughout (web-prober.ts). Nobody steps in: the run only watches
 * Postgres until the account is synced (both streams incremental, contacts recomputed) and then
 * takes a snapshot to compare with an undisturbed run's.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import postgres, { type Sql } from 'postgres';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { startGoogleEmulator } from '../../fakes/google/index.ts';
import type { MailboxSeed } from '../../fakes/google/seed-types.ts';
import { CONTACTS_QUEUE, DIGEST_QUEUE, SYNC_QUEUE } from '../../src/queue/queues.ts';
import type { PrivateServers } from './private-servers.ts';
import { takeSnapshot, type SyncSnapshot } from './sync-snapshot.ts';
import { startWebProber, type PhaseProbes, type WebProber } from './web-prober.ts';
import { WorkerFleet } from './worker-fleet.ts';

export interface SyncRunOptions {
  name: string;
  servers: PrivateServers;
  mailbox: MailboxSeed;
  workers: number;
  /** SIGKILLs of a random worker, at random points of the backfill. */
  kills: number;
  restartPostgres: boolean;
  flushRedis: boolean;
  /** Share of provider answers that fail (0: none). */
  faultRate: number;
  /** Expire every cursor halfway through the backfill, and again once it is done. */
  expireCursors: boolean;
  /**
   * Outages (the servers must have `redisOutage` / `postgresOutage`): Redis stopped this long
   * (its data kept) about a third of the way in, Postgres stopped cleanly this long about two
   * thirds in. With either, a `rekindle serve` is started and probed throughout.
   */
  redisOutageMs?: number;
  postgresOutageMs?: number;
  seed: number;
  logDir: string;
  timeoutMs: number;
  log: (line: string) => void;
  /** BullMQ prefix of the run's queues. Default `chaos-<name>`. */
  queuePrefix?: string;
  /**
   * How long to let BullMQ's own stall check take back jobs of killed workers before looking
   * for stuck ones. Default 75 s (its lock and check interval are 30 s each); a job still
   * active after that whose lock is gone is reported as waiting for the check, not as stuck.
   */
  drainMs?: number;
}

export interface SyncRunResult {
  name: string;
  durationMs: number;
  snapshot: SyncSnapshot;
  /** Where the provider's cursors stand at the end (Gmail's historyId). */
  historyId: string;
  kills: number;
  workerStarts: number;
  postgresRestarts: number;
  redisFlushes: number;
  cursorExpiries: number;
  faults: Record<string, number>;
  fullResyncs: number;
  redisOutages: number;
  postgresOutages: number;
  /** The probed web server's answers per phase (before, redis down, after redis, ...); null without outages. */
  web: PhaseProbes[] | null;
  /** Per outage, how long after the server was back `/readyz` first said 200 (null: it never did). */
  readyAgainMs: Record<string, number | null>;
  /** Invariants about the run itself (it finished, nothing left stuck, no worker crashed on its own). */
  checks: { name: string; ok: boolean; detail: string }[];
}

type Disturbance = { at: number; what: 'kill' | 'postgres' | 'redis' | 'expire' | 'redis-outage' | 'postgres-outage' };

export async function runSync(options: SyncRunOptions): Promise<SyncRunResult> {
  const { servers, mailbox, log } = options;
  const owner = mailbox.email;
  const database = `chaos_${options.name}_${Date.now().toString(36)}`;
  const url = await servers.createDatabase(database);
  await runMigrations(url);
  // Reconnects on its own after the Postgres restart; every query below tolerates the gap.
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const emulator = await startGoogleEmulator({ quotaUnitsPerMinute: null, calendarRequestsPerMinute: null });
  emulator.addMailbox(mailbox);
  const { accountId } = await connectAccount(sql, {
    userEmail: owner,
    provider: 'google',
    accountEmail: owner,
    refreshToken: emulator.issueRefreshToken(owner),
  });
  const prefix = options.queuePrefix ?? `chaos-${options.name}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: url,
    REDIS_URL: servers.redisUrl,
    QUEUE_PREFIX: prefix,
    GOOGLE_CLIENT_ID: emulator.clientId,
    GOOGLE_CLIENT_SECRET: emulator.clientSecret,
    GOOGLE_API_URL: emulator.url,
    GOOGLE_TOKEN_URL: emulator.tokenUrl,
    GMAIL_QUOTA_UNITS_PER_MINUTE: '100000000',
    CALENDAR_REQUESTS_PER_MINUTE: '1000000',
    SYNC_PAGE_SIZE: '500',
    SYNC_PAGES_PER_JOB: '2',
    SYNC_LEASE_SECONDS: '6',
    SYNC_REQUEST_CONCURRENCY: '16',
    PROVIDER_TIMEOUT_SECONDS: '1',
    SCHEDULER_TICK_SECONDS: '0.5',
    WORKER_CONCURRENCY: '4',
    // Digests are another scenario's; nothing listens here, so a digest attempt fails fast.
    SMTP_URL: 'smtp://127.0.0.1:9',
  };
  const fleet = new WorkerFleet(options.workers, env, join(options.logDir, `${options.name}-workers.log`));

  const random = seeded(options.seed);
  const plan: Disturbance[] = [];
  for (let i = 0; i < options.kills; i++) plan.push({ at: 0.02 + random() * 0.93, what: 'kill' });
  if (options.restartPostgres) plan.push({ at: 0.3 + random() * 0.2, what: 'postgres' });
  if (options.flushRedis) plan.push({ at: 0.55 + random() * 0.2, what: 'redis' });
  if (options.expireCursors) plan.push({ at: 0.5, what: 'expire' });
  if (options.redisOutageMs) plan.push({ at: 0.25 + random() * 0.1, what: 'redis-outage' });
  if (options.postgresOutageMs) plan.push({ at: 0.6 + random() * 0.1, what: 'postgres-outage' });
  plan.sort((a, b) => a.at - b.at);

  const result: SyncRunResult = {
    name: options.name,
    durationMs: 0,
    snapshot: null as unknown as SyncSnapshot,
    historyId: '',
    kills: 0,
    workerStarts: 0,
    postgresRestarts: 0,
    redisFlushes: 0,
    cursorExpiries: 0,
    faults: {},
    fullResyncs: 0,
    redisOutages: 0,
    postgresOutages: 0,
    web: null,
    readyAgainMs: {},
    checks: [],
  };
  const total = mailbox.messages.length + (mailbox.events?.length ?? 0);
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  if (options.faultRate > 0)
    emulator.setRandomFaults({ rate: options.faultRate, seed: options.seed, retryAfterSeconds: 1, holdMs: 10_000 });
  let web: WebProber | null = null;
  if (options.redisOutageMs || options.postgresOutageMs) {
    web = await startWebProber(
      { ...env, PUBLIC_URL: 'http://rekindle.chaos', LINK_SECRETS: 'chaos-link-secret-0123456789abcdef0123456789abcdef' },
      join(options.logDir, `${options.name}-serve.log`),
    );
  }
  fleet.start();
  const readyAgain: Promise<void>[] = [];
  /** Takes a server away for `ms`, with the web's probes filed under "<name> down", then "after <name>". */
  const outage = async (name: 'redis' | 'postgres', ms: number, begin: () => Promise<{ end(): Promise<void> }>) => {
    if (web) web.phase = `${name} down`;
    const away = await begin();
    log(`  ${options.name}: ${name} stopped for ${Math.round(ms / 1000)} s`);
    await sleep(ms);
    // "After" from the moment it is being started: "down" holds only answers while it was away.
    if (web) web.phase = `after ${name}`;
    await away.end();
    if (web) {
      result.readyAgainMs[name] = null;
      readyAgain.push(web.readyAgain().then((after) => void (result.readyAgainMs[name] = after)));
    }
    log(`  ${options.name}: ${name} back`);
  };

  const expire = () => {
    emulator.expireHistory(owner);
    emulator.expireSyncTokens(owner);
    result.cursorExpiries++;
  };
  const disturb = async (what: Disturbance['what']) => {
    switch (what) {
      case 'kill': {
        const slot = Math.floor(random() * fleet.size);
        await fleet.kill(slot, false);
        // Back after a moment, as a supervisor would restart it.
        await sleep(random() * 1_000);
        await fleet.kill(slot, true);
        log(`  ${options.name}: killed worker ${slot} (${fleet.kills})`);
        break;
      }
      case 'postgres':
        await servers.restartPostgres();
        result.postgresRestarts++;
        log(`  ${options.name}: postgres crash-restarted`);
        break;
      case 'redis':
        await servers.flushRedis();
        result.redisFlushes++;
        log(`  ${options.name}: redis flushed`);
        break;
      case 'expire':
        expire();
        log(`  ${options.name}: every cursor expired`);
        break;
      case 'redis-outage':
        await outage('redis', options.redisOutageMs!, () => servers.redisOutage!());
        result.redisOutages++;
        break;
      case 'postgres-outage':
        await outage('postgres', options.postgresOutageMs!, () => servers.postgresOutage!());
        result.postgresOutages++;
        break;
    }
  };

  let lastProgress = -1;
  let synced = false;
  while (Date.now() < deadline) {
    const progress = await safely(() => progressOf(sql, total), lastProgress);
    if (progress !== lastProgress && Math.floor(progress * 10) !== Math.floor(lastProgress * 10)) {
      log(`  ${options.name}: ${Math.round(progress * 100)}% stored after ${Math.round((Date.now() - started) / 1000)} s`);
    }
    lastProgress = progress;
    while (plan.length > 0 && plan[0]!.at <= progress) await disturb(plan.shift()!.what);
    if (progress >= 1 && plan.length > 0) {
      // Stored everything before every disturbance fired: the rest hit the recompute and
      // incremental rounds instead.
      await disturb(plan.shift()!.what);
      continue;
    }
    if (plan.length === 0 && (await safely(() => isSynced(sql, accountId), false))) {
      synced = true;
      break;
    }
    await sleep(200);
  }

  // Once more after the end: both cursors expire and the next round (as if the sync interval
  // passed) meets 404/410 and resyncs without storing anything twice.
  if (synced && options.expireCursors) {
    expire();
    const before = await fullResyncsOf(sql, accountId);
    await sql`update sync_streams set next_run_at = now(), enqueued_at = null where account_id = ${accountId}`;
    synced = false;
    while (Date.now() < deadline) {
      if (
        (await safely(() => fullResyncsOf(sql, accountId), before)) >= before + 2 &&
        (await safely(() => isSynced(sql, accountId), false))
      ) {
        synced = true;
        break;
      }
      await sleep(200);
    }
  }
  result.durationMs = Date.now() - started;
  result.checks.push({
    name: 'finished on its own',
    ok: synced,
    detail: synced
      ? `${Math.round(result.durationMs / 1000)} s`
      : `not synced after ${Math.round(options.timeoutMs / 1000)} s: ${JSON.stringify(await streamState(sql, accountId))}`,
  });

  // Nothing may be left stuck: let the workers idle a few ticks (and BullMQ take back the
  // jobs killed workers held), then look.
  await sleep(3_000);
  let stuck = await stuckState(sql, servers.redisUrl, prefix);
  const drainUntil = Date.now() + (options.drainMs ?? 75_000);
  while (stuck.problems.length + stuck.orphaned.length > 0 && Date.now() < drainUntil) {
    await sleep(1_000);
    stuck = await stuckState(sql, servers.redisUrl, prefix);
  }
  result.checks.push({
    name: 'no job or claim stuck',
    ok: stuck.problems.length === 0,
    detail:
      [...stuck.problems, ...stuck.orphaned.map((o) => `${o} (lock gone: BullMQ's stall check takes it back)`)].join('; ') ||
      'no lease held, nothing queued or active',
  });
  result.checks.push({
    name: 'no worker died on its own',
    ok: fleet.unexpectedExits === 0,
    detail: `${fleet.unexpectedExits} unexpected exits (log: ${options.name}-workers.log)`,
  });

  if (web) {
    // Each outage's "ready again" had the whole drain to come true; one that did not is reported as null.
    await Promise.race([Promise.all(readyAgain), sleep(1_000)]);
    result.web = await web.stop();
  }
  result.kills = fleet.kills;
  result.workerStarts = fleet.starts;
  result.faults = emulator.injectedFaults();
  result.historyId = emulator.historyId(owner);
  result.fullResyncs = await fullResyncsOf(sql, accountId);
  await fleet.stop();
  result.snapshot = await takeSnapshot(sql);
  await sql.end();
  await emulator.close();
  return result;
}

async function progressOf(sql: Sql, total: number): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select (select count(*) from mail_messages)::int + (select count(*) from calendar_events)::int as n`;
  return Math.min(1, row!.n / Math.max(1, total));
}

async function isSynced(sql: Sql, accountId: string): Promise<boolean> {
  const [row] = await sql<{ ok: boolean }[]>`
    select bool_and(s.phase = 'incremental' and s.backfill_completed_at is not null and s.lease_owner is null and s.next_run_at > now())
           and bool_and(u.contacts_computed_at is not null and u.contacts_computed_at >= coalesce(u.contacts_dirty_at, '-infinity')) as ok
      from sync_streams s join accounts a on a.id = s.account_id join users u on u.id = a.user_id
     where s.account_id = ${accountId}`;
  return row?.ok === true;
}

async function fullResyncsOf(sql: Sql, accountId: string): Promise<number> {
  const [row] = await sql<
    { n: number }[]
  >`select coalesce(sum(full_resyncs), 0)::int as n from sync_streams where account_id = ${accountId}`;
  return row!.n;
}

async function streamState(sql: Sql, accountId: string): Promise<unknown[]> {
  return safely(
    async () => [
      ...(await sql`select stream, phase, lease_owner, lease_until, enqueued_at, next_run_at, consecutive_failures, last_error
                      from sync_streams where account_id = ${accountId}`),
    ],
    [] as unknown[],
  );
}

/**
 * Leases still held, streams still marked queued, failing streams, and jobs waiting or active
 * (`problems`); active jobs whose worker died and whose lock expired are `orphaned`: BullMQ's
 * stall check moves them on by itself.
 */
async function stuckState(sql: Sql, redisUrl: string, prefix: string): Promise<{ problems: string[]; orphaned: string[] }> {
  const problems: string[] = [];
  const orphaned: string[] = [];
  const streams = await safely(
    () => sql<{ stream: string; leased: boolean; queued: boolean; failures: number; lastError: string | null }[]>`
      select stream, lease_until is not null as leased, enqueued_at is not null as queued,
             consecutive_failures as failures, last_error as "lastError" from sync_streams`,
    [] as { stream: string; leased: boolean; queued: boolean; failures: number; lastError: string | null }[],
  );
  for (const s of streams) {
    if (s.leased) problems.push(`${s.stream} still leased`);
    if (s.queued) problems.push(`${s.stream} still marked queued`);
    if (s.failures > 0) problems.push(`${s.stream} failing (${s.failures}): ${s.lastError}`);
  }
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    for (const name of [SYNC_QUEUE, CONTACTS_QUEUE, DIGEST_QUEUE]) {
      const queue = new Queue(name, { connection, prefix });
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
      for (const [state, n] of Object.entries(counts)) if (n > 0) problems.push(`${name}: ${n} ${state}`);
      for (const job of await queue.getJobs(['active'])) {
        const locked = await connection.exists(`${prefix}:${name}:${job.id}:lock`);
        (locked ? problems : orphaned).push(`${name}: job ${job.id} active`);
      }
      await queue.close();
    }
  } finally {
    connection.disconnect();
  }
  return { problems, orphaned };
}

async function safely<T>(query: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await query();
  } catch {
    return fallback;
  }
}

function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}
