/**
 * A thousand users' weekly digests sent by `rekindle work` processes that are SIGKILLed at
 * random moments, through an SMTP sink (a real smtp-server on loopback) that holds its answer
 * a little (so kills land during the hand-off), refuses some messages with 4xx/5xx (retries)
 * and drops the connection after others' final dot (the outcome nobody knows). Time is moved
 * on for claims and retries instead of waiting minutes for them to lapse.
 *
 * Counted at the sink, per user-week: messages accepted (250) and messages received at all.
 * Target: no user-week twice. What the design gives up for that — digests that never reach
 * the user because their worker died between recording the send and SMTP's answer — is
 * measured, not hidden.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres, { type Sql } from 'postgres';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { DIGEST_MAX_ATTEMPTS } from '../../src/digest/schedule-digests.ts';
import { startMailCatcher, type CatcherBehaviour } from '../../fakes/mail-catcher.ts';
import type { PrivateServers } from './private-servers.ts';
import { WorkerFleet } from './worker-fleet.ts';

export interface DigestChaosResult {
  users: number;
  rows: number;
  kills: number;
  durationMs: number;
  /** Messages the sink received (complete DATA): accepted, refused or dropped. */
  sendAttempts: number;
  accepted: number;
  smtpFaults: Record<string, number>;
  statuses: Record<string, number>;
  /** User-weeks whose digest the sink accepted more than once (extra copies). */
  duplicateDeliveries: number;
  /** User-weeks whose digest the sink may have delivered more than once: accepted, or dropped after the final dot. */
  duplicateReceipts: number;
  /** User-weeks no digest reached (not received by the sink at all). */
  missed: number;
  missedInSending: number;
  missedGivenUp: number;
  /** Received by the sink, but the row never learned of the 250 (killed while waiting for it). */
  deliveredNotRecorded: number;
  /** Rows still queued or preparing when the run ended. */
  unsettled: number;
  /** Rows that were `sending` when the run ended, before its workers were stopped (all of them killed sends). */
  sendingBeforeStop: number;
}

const DAY = 86_400_000;

export async function runDigestChaos(options: {
  servers: PrivateServers;
  digests: number;
  seed: number;
  logDir: string;
  log: (line: string) => void;
  timeoutMs?: number;
  /** BullMQ prefix of the run's queues. Default `chaos-digest`. */
  queuePrefix?: string;
  /** A worker is killed every this many messages at the sink (drawn in the range). Default 5–35. */
  killEvery?: [number, number];
}): Promise<DigestChaosResult> {
  const { servers, log } = options;
  const url = await servers.createDatabase(`chaos_digest_${Date.now().toString(36)}`);
  await runMigrations(url);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  await seedUsers(sql, options.digests);
  log(`  ${options.digests} users with people to suggest`);

  const random = seeded(options.seed + 17);
  const catcher = await startMailCatcher();
  const smtpFaults: Record<string, number> = {};
  const count = (kind: string) => (smtpFaults[kind] = (smtpFaults[kind] ?? 0) + 1);
  // Dropped after the final dot: the server has the message and may deliver it; only the
  // sender does not know. Such a copy counts as delivered for the duplicate check.
  const dropped = new Map<string, number>();
  let received = 0;
  const [killMin, killMax] = options.killEvery ?? [5, 35];
  const nextGap = () => killMin + Math.floor(random() * (killMax - killMin + 1));
  let nextKillAt = nextGap();
  let killsWanted = 0;
  catcher.behave = (mail): CatcherBehaviour => {
    // Crashes come with the traffic: every few messages, a random worker dies.
    if (++received >= nextKillAt) {
      killsWanted++;
      nextKillAt = received + nextGap();
    }
    const roll = random();
    if (roll < 0.06) {
      count('451 after DATA');
      return { reject: 451, message: '4.3.0 try again later' };
    }
    if (roll < 0.08) {
      count('554 after DATA');
      return { reject: 554, message: '5.7.1 refused' };
    }
    if (roll < 0.12) {
      count('connection dropped after DATA');
      const to = mail.envelope.to[0] ?? '?';
      dropped.set(to, (dropped.get(to) ?? 0) + 1);
      return 'drop';
    }
    // Most are accepted, after a pause long enough for a kill to land in the hand-off.
    return { hold: sleep(random() * 250) };
  };

  const fleet = new WorkerFleet(
    2,
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: url,
      REDIS_URL: servers.redisUrl,
      QUEUE_PREFIX: options.queuePrefix ?? 'chaos-digest',
      SMTP_URL: catcher.url,
      MAIL_FROM: 'rekindle <digest@rekindle.chaos>',
      INBOUND_DOMAIN: 'in.rekindle.chaos',
      LINK_SECRETS: 'chaos-link-secret-0123456789abcdef0123456789abcdef',
      SCHEDULER_TICK_SECONDS: '0.5',
      WORKER_CONCURRENCY: '4',
    },
    join(options.logDir, 'digest-workers.log'),
  );
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 10 * 60_000);
  fleet.start();

  let quietSince = Date.now();
  let lastState = '';
  let lastDone = 0;
  while (Date.now() < deadline) {
    while (killsWanted > 0) {
      killsWanted--;
      await fleet.kill(Math.floor(random() * fleet.size));
    }
    // Claims of killed workers and SMTP retries would wait minutes; move their clock on.
    await sql`update digests set lease_until = now() - interval '1 millisecond'
               where status in ('preparing', 'failed') and lease_until > now()`.catch(() => undefined);
    const state = await statusCounts(sql).catch(() => ({}) as Record<string, number>);
    const done = (state.sent ?? 0) + (state.unknown ?? 0) + (state.sending ?? 0) + (state.failed ?? 0) + (state.empty ?? 0);
    if (Math.floor((10 * done) / options.digests) > Math.floor((10 * lastDone) / options.digests)) {
      log(`  digest: ${done} of ${options.digests} settled after ${Math.round((Date.now() - started) / 1000)} s, ${fleet.kills} kills`);
    }
    lastDone = done;
    const unsettled = (state.queued ?? 0) + (state.preparing ?? 0) + (state.retrying ?? 0);
    // Quiet means no status change and nothing arriving at the sink: a send still in its SMTP
    // conversation must finish before the run ends, or it would count as a crash's loss.
    const key = `${JSON.stringify(state)} ${catcher.received.length}`;
    if (key !== lastState) {
      lastState = key;
      quietSince = Date.now();
    }
    const rows = Object.values(state).reduce((a, b) => a + b, 0);
    // Settled: every user has this week's row, none is waiting, and nothing changed for a while
    // (a row in `sending` whose worker was killed stays there: that is the window).
    if (rows >= options.digests && unsettled === 0 && Date.now() - quietSince > 8_000) break;
    await sleep(250);
  }
  const durationMs = Date.now() - started;
  // Rows in `sending` before the workers are stopped, to tell the kills' losses from any
  // send still hanging when the run ended.
  const sendingBeforeStop = (await statusCounts(sql)).sending ?? 0;
  await fleet.stop();

  const statuses = await statusCounts(sql);
  const byUser = new Map<string, { accepted: number; received: number }>();
  for (const mail of catcher.received) {
    const key = mail.envelope.to[0] ?? '?';
    const entry = byUser.get(key) ?? { accepted: 0, received: 0 };
    entry.received++;
    byUser.set(key, entry);
  }
  for (const mail of catcher.accepted) byUser.get(mail.envelope.to[0] ?? '?')!.accepted++;
  const rows = await sql<{ recipient: string; status: string; attempts: number }[]>`
    select u.email as recipient, d.status, d.attempts from digests d join users u on u.id = d.user_id where d.kind = 'weekly'`;
  let missedInSending = 0;
  let missedGivenUp = 0;
  let deliveredNotRecorded = 0;
  let missed = 0;
  for (const row of rows) {
    const seen = byUser.get(row.recipient);
    if (!seen || seen.accepted === 0) {
      if (!seen) missed++;
      if (!seen && row.status === 'sending') missedInSending++;
      if (!seen && row.status === 'failed' && row.attempts >= DIGEST_MAX_ATTEMPTS) missedGivenUp++;
    }
    if (seen && seen.accepted > 0 && row.status !== 'sent') deliveredNotRecorded++;
  }
  missed += Math.max(0, options.digests - rows.length);
  const result: DigestChaosResult = {
    users: options.digests,
    rows: rows.length,
    kills: fleet.kills,
    durationMs,
    sendAttempts: catcher.received.length,
    accepted: catcher.accepted.length,
    smtpFaults,
    statuses,
    duplicateDeliveries: [...byUser.values()].reduce((n, u) => n + Math.max(0, u.accepted - 1), 0),
    duplicateReceipts: [...byUser].reduce((n, [to, u]) => n + Math.max(0, u.accepted + (dropped.get(to) ?? 0) - 1), 0),
    missed,
    missedInSending,
    missedGivenUp,
    deliveredNotRecorded,
    unsettled: (statuses.queued ?? 0) + (statuses.preparing ?? 0) + (statuses.retrying ?? 0),
    sendingBeforeStop,
  };
  await sql.end();
  await catcher.close();
  return result;
}

/** Digest rows by status; `failed` ones that will still be retried count as `retrying`. */
async function statusCounts(sql: Sql): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }[]>`
    select case when status = 'failed' and attempts < ${DIGEST_MAX_ATTEMPTS} then 'retrying' else status end as status, count(*)::int as n
      from digests where kind = 'weekly' group by 1 order by 1`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Users whose first sync is done, with a few people each who are overdue for a note. */
async function seedUsers(sql: Sql, users: number): Promise<void> {
  const now = Date.now();
  for (let u = 0; u < users; u++) {
    const email = `user${u}@chaos.example`;
    const { userId, accountId } = await connectAccount(sql, {
      userEmail: email,
      provider: 'google',
      accountEmail: email,
      refreshToken: 'unused',
    });
    const rows: Record<string, unknown>[] = [];
    for (let p = 0; p < 3; p++) {
      const person = `friend${p}.of${u}@people.example`;
      for (let i = 0; i < 8; i++) {
        const at = now - (90 + p * 30 + i * 14) * DAY;
        for (const kind of ['received', 'sent'] as const) {
          rows.push({
            user_id: userId,
            source_key: `mid:<${kind}-${i}-${person}>`,
            contact: person,
            address: person,
            kind,
            account_id: accountId,
            occurred_at: new Date(at - (kind === 'sent' ? 3_600_000 : 0)),
            weight: 1,
            contact_name: `Friend ${p}`,
            participants: 1,
            thread_key: `thread-${person}-${i}`,
            subject: `Catching up ${i}`,
          });
        }
      }
    }
    await sql`insert into interactions ${sql(rows)}`;
    await sql`update sync_streams set phase = 'incremental', backfill_completed_at = now(), next_run_at = now() + interval '1 year'
               where account_id = ${accountId}`;
    // Contacts are computed from these interactions by the workers' recompute.
    await sql`update users set contacts_dirty_at = now() where id = ${userId}`;
  }
}

function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}
