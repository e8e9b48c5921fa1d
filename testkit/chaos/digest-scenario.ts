/**
 * A thousand users' weekly digests sent by `rekindle work` processes that are SIGKILLed at
 * random moments, through an SMTP sink (a real smtp-server on loopback) that holds its answer
 * a little (so kills land during the hand-off), refuses some messages with 4xx/5xx (retries)
 * and drops the connection after others' final dot (the outcome nobody knows).
 *
 * Each user has a Gmail mailbox (the Google emulator) that the workers sync, as rekindle syncs
 * the mailbox its digests go to. The sink delivers into it: every message it answers 250
 * (also when the sender was killed before reading the 250), and one in two of those it drops
 * after the final dot (the server kept it, only the answer was lost); refused ones and the
 * other dropped ones never arrive. So the digests whose outcome is unknown — `unknown`, or
 * `sending` with their worker dead — are settled by the real resolver through real syncs:
 * found in the mailbox, or sent again as the same message.
 *
 * Time is moved on instead of waited for: claims and SMTP retries lapse at once, and after a
 * kill whatever the dead worker held lapses at once (its BullMQ jobs would wait for the stall
 * check, its queued rows for DIGEST_CLAIM_SECONDS). A row left `sending` by a dead worker — no
 * SMTP conversation for its recipient open, handed over SENDING_SETTLE_MS ago — is dated back
 * SENDING_ABANDONED_MINUTES (what the resolver waits for a worker that might still be talking
 * to SMTP) with its user's last sync, and DIGEST_RESEND_AFTER_HOURS is a few seconds.
 *
 * Counted per user-week: at the sink, messages accepted (250) and received at all; in the
 * user's mailbox, copies per Message-ID. Target: every user-week delivered, none twice —
 * also for the ones that went through the unknown-outcome window.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres, { type Sql } from 'postgres';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { recomputeContacts } from '../../src/contact-store/recompute-contacts.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { SENDING_ABANDONED_MINUTES } from '../../src/digest/resolve-unknown-digests.ts';
import { DIGEST_MAX_ATTEMPTS, DIGEST_MAX_CLAIMS } from '../../src/digest/schedule-digests.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startMailCatcher, type CatcherBehaviour, type CaughtMail } from '../../fakes/mail-catcher.ts';
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
  /** User-weeks whose digest is not in the user's mailbox at the end. */
  missed: number;
  missedInSending: number;
  missedGivenUp: number;
  /** Received by the sink, but the row never learned of the 250 (killed while waiting for it). */
  deliveredNotRecorded: number;
  /** Rows still queued or preparing when the run ended. */
  unsettled: number;
  /** Rows that were `sending` when the run ended, before its workers were stopped (all of them killed sends). */
  sendingBeforeStop: number;
  /** What the users' mailboxes hold: the unknown-outcome window and every user-week. */
  mailbox: {
    /** User-weeks whose SMTP outcome the sender lost: dropped after DATA, or `sending` with its worker dead. */
    window: number;
    /** Of those, the ones whose digest is in the user's mailbox at the end. */
    windowDelivered: number;
    /** Of those, settled as found in the mailbox (not sent again). */
    windowFound: number;
    /** Of those, sent again as the same message. */
    windowResent: number;
    /** Of those, extra copies in the mailbox (same Message-ID twice, or two digests). */
    windowDuplicates: number;
    /** Every user-week: in the mailbox, and extra copies there. */
    delivered: number;
    duplicates: number;
    /** Still `unknown` or `sending` at the end. */
    unresolved: number;
  };
  /** A few user-weeks that were delivered twice or not at all, with what the sink did each time. */
  examples: string[];
}

const DAY = 86_400_000;
/** A `sending` row this old with no SMTP conversation open for its recipient is a dead worker's. */
const SENDING_SETTLE_MS = 15_000;
/** The resolver sends again after this (DIGEST_RESEND_AFTER_HOURS = 6 s). */
const RESEND_AFTER_HOURS = 6 / 3600;

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
  /** Share of messages the sink drops after the final dot (half of them kept and delivered). Default 0.04. */
  dropShare?: number;
}): Promise<DigestChaosResult> {
  const { servers, log } = options;
  const url = await servers.createDatabase(`chaos_digest_${Date.now().toString(36)}`);
  await runMigrations(url);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  const google = await startGoogleEmulator({ quotaUnitsPerMinute: null, calendarRequestsPerMinute: null });
  await seedUsers(sql, google, options.digests);
  log(`  ${options.digests} users with people to suggest and a synced mailbox each`);

  const random = seeded(options.seed + 17);
  const started = Date.now();
  const catcher = await startMailCatcher();
  const smtpFaults: Record<string, number> = {};
  const count = (kind: string) => (smtpFaults[kind] = (smtpFaults[kind] ?? 0) + 1);
  /** What the sink did with each recipient's messages, in order (for the examples). */
  const story = new Map<string, string[]>();
  const tell = (mail: CaughtMail, what: string) => {
    const to = mail.envelope.to[0] ?? '?';
    story.set(to, [...(story.get(to) ?? []), `${what}@${Date.now() - started}ms`]);
  };
  /** Copies in each user's mailbox, by `recipient Message-ID`. */
  const inbox = new Map<string, number>();
  /** Message-IDs whose SMTP answer the sender lost (dropped after DATA). */
  const droppedIds = new Set<string>();
  const deliver = (mail: CaughtMail) => {
    const to = mail.envelope.to[0] ?? '?';
    const raw = mail.raw.toString('utf8');
    google.addMessage(to, { raw, labelIds: ['INBOX', 'UNREAD'] });
    const key = `${to} ${messageIdOf(raw)}`;
    inbox.set(key, (inbox.get(key) ?? 0) + 1);
  };
  let received = 0;
  const [killMin, killMax] = options.killEvery ?? [5, 35];
  const dropShare = options.dropShare ?? 0.04;
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
      tell(mail, '451');
      count('451 after DATA');
      return { reject: 451, message: '4.3.0 try again later' };
    }
    if (roll < 0.08) {
      tell(mail, '554');
      count('554 after DATA');
      return { reject: 554, message: '5.7.1 refused' };
    }
    if (roll < 0.08 + dropShare) {
      count('connection dropped after DATA');
      droppedIds.add(messageIdOf(mail.raw.toString('utf8')));
      const kept = roll < 0.08 + dropShare / 2;
      if (kept) deliver(mail);
      tell(mail, kept ? 'dropped, kept' : 'dropped, lost');
      return 'drop';
    }
    // Most are accepted, after a pause long enough for a kill to land in the hand-off, and
    // delivered as the 250 goes out (whether or not the sender is still there to read it).
    return {
      hold: sleep(random() * 250).then(() => {
        tell(mail, '250');
        deliver(mail);
      }),
    };
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
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      GOOGLE_API_URL: google.url,
      GOOGLE_TOKEN_URL: google.tokenUrl,
      GMAIL_QUOTA_UNITS_PER_MINUTE: '100000000',
      CALENDAR_REQUESTS_PER_MINUTE: '1000000',
      // Mailboxes sync only when the resolver asks, as they would between two intervals.
      SYNC_INTERVAL_MINUTES: '600',
      DIGEST_RESEND_AFTER_HOURS: String(RESEND_AFTER_HOURS),
      MAIL_FROM: 'rekindle <digest@rekindle.chaos>',
      INBOUND_DOMAIN: 'in.rekindle.chaos',
      LINK_SECRETS: 'chaos-link-secret-0123456789abcdef0123456789abcdef',
      SCHEDULER_TICK_SECONDS: '0.5',
      WORKER_CONCURRENCY: '4',
    },
    join(options.logDir, 'digest-workers.log'),
  );
  const deadline = started + (options.timeoutMs ?? 10 * 60_000);
  fleet.start();

  let quietSince = Date.now();
  let lastState = '';
  let lastDone = 0;
  /** Digest ids left `sending` by a dead worker (dated back for the resolver). */
  const abandoned = new Map<string, number>();
  while (Date.now() < deadline) {
    let killed = false;
    while (killsWanted > 0) {
      killsWanted--;
      await fleet.kill(Math.floor(random() * fleet.size));
      killed = true;
    }
    // Claims and SMTP retries would wait minutes; move their clock on.
    await sql`update digests set lease_until = now() - interval '1 millisecond'
               where status in ('preparing', 'failed') and lease_until > now()`.catch(() => undefined);
    // A dead worker's BullMQ jobs wait for the stall check (30-60 s, and a job that stalls twice
    // fails), their queued rows for DIGEST_CLAIM_SECONDS: let them lapse now, so the scheduler
    // queues them again. A second job for a row someone else holds finds it claimed.
    if (killed)
      await sql`update digests set lease_until = now() - interval '1 millisecond' where status = 'queued' and lease_until > now()`.catch(
        () => undefined,
      );
    await dateBackAbandoned(sql, catcher, abandoned, started).catch(() => undefined);
    const state = await statusCounts(sql).catch(() => ({}) as Record<string, number>);
    const done = (state.sent ?? 0) + (state.failed ?? 0) + (state.empty ?? 0);
    if (Math.floor((10 * done) / options.digests) > Math.floor((10 * lastDone) / options.digests)) {
      log(`  digest: ${done} of ${options.digests} settled after ${Math.round((Date.now() - started) / 1000)} s, ${fleet.kills} kills`);
    }
    lastDone = done;
    const unsettled = (state.queued ?? 0) + (state.preparing ?? 0) + (state.retrying ?? 0) + (state.unknown ?? 0) + (state.sending ?? 0);
    // Quiet means no status change and nothing arriving at the sink: a send still in its SMTP
    // conversation must finish before the run ends, or it would count as a crash's loss.
    const key = `${JSON.stringify(state)} ${catcher.received.length}`;
    if (key !== lastState) {
      lastState = key;
      quietSince = Date.now();
    }
    const rows = Object.values(state).reduce((a, b) => a + b, 0);
    // Settled: every user has this week's row, none is waiting or unresolved, and nothing
    // changed for a moment (no SMTP conversation still going on).
    if (rows >= options.digests && unsettled === 0 && Date.now() - quietSince > 2_000) break;
    await sleep(250);
  }
  const durationMs = Date.now() - started;
  // Rows in `sending` before the workers are stopped, to tell the kills' losses from any
  // send still hanging when the run ended.
  const sendingBeforeStop = (await statusCounts(sql)).sending ?? 0;
  await fleet.stop();

  const statuses = await statusCounts(sql);
  const accepted = new Map<string, number>();
  for (const mail of catcher.accepted) accepted.set(mail.envelope.to[0] ?? '?', (accepted.get(mail.envelope.to[0] ?? '?') ?? 0) + 1);
  const rows = await sql<
    { id: string; recipient: string; messageId: string; status: string; attempts: number; refusals: number; smtpResponse: string | null }[]
  >`
    select d.id, u.email as recipient, d.message_id as "messageId", d.status, d.attempts, d.smtp_refusals as refusals, d.smtp_response as "smtpResponse"
      from digests d join users u on u.id = d.user_id where d.kind = 'weekly'`;
  const mailbox = {
    window: 0,
    windowDelivered: 0,
    windowFound: 0,
    windowResent: 0,
    windowDuplicates: 0,
    delivered: 0,
    duplicates: 0,
    unresolved: 0,
  };
  let missedInSending = 0;
  let missedGivenUp = 0;
  let deliveredNotRecorded = 0;
  let missed = 0;
  const examples: string[] = [];
  for (const row of rows) {
    const copies = inbox.get(`${row.recipient} ${row.messageId}`) ?? 0;
    // Any other digest in the same mailbox (another Message-ID) would be a second one too.
    const others = [...inbox]
      .filter(([key]) => key.startsWith(`${row.recipient} `) && key !== `${row.recipient} ${row.messageId}`)
      .reduce((n, [, c]) => n + c, 0);
    const extra = Math.max(0, copies - 1) + others;
    if (copies > 0) mailbox.delivered++;
    mailbox.duplicates += extra;
    if (row.status === 'unknown' || row.status === 'sending') mailbox.unresolved++;
    if (droppedIds.has(row.messageId) || abandoned.has(row.id)) {
      mailbox.window++;
      if (copies > 0) mailbox.windowDelivered++;
      mailbox.windowDuplicates += extra;
      if (row.smtpResponse?.includes('found in the recipient')) mailbox.windowFound++;
      else if (row.status === 'sent') mailbox.windowResent++;
    }
    if ((copies !== 1 || extra > 0 || (accepted.get(row.recipient) ?? 0) > 1) && examples.length < 8) {
      examples.push(
        `${row.recipient}: ${row.status} after ${row.attempts} attempts, ${row.refusals} refused (${row.smtpResponse ?? 'no answer'}), ${copies} in the mailbox${abandoned.has(row.id) ? `, dated back as abandoned at ${abandoned.get(row.id)}ms` : ''}; sink: ${(story.get(row.recipient) ?? []).join(', ')}`,
      );
    }
    if (copies === 0) {
      missed++;
      if (row.status === 'sending' || row.status === 'unknown') missedInSending++;
      if (row.status === 'failed' && (row.refusals >= DIGEST_MAX_ATTEMPTS || row.attempts >= DIGEST_MAX_CLAIMS)) missedGivenUp++;
    }
    if ((accepted.get(row.recipient) ?? 0) > 0 && row.status !== 'sent') deliveredNotRecorded++;
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
    duplicateDeliveries: [...accepted.values()].reduce((n, a) => n + Math.max(0, a - 1), 0),
    missed,
    missedInSending,
    missedGivenUp,
    deliveredNotRecorded,
    unsettled: (statuses.queued ?? 0) + (statuses.preparing ?? 0) + (statuses.retrying ?? 0),
    sendingBeforeStop,
    mailbox,
    examples,
  };
  await sql.end();
  await catcher.close();
  await google.close();
  return result;
}

/** Digest rows by status; `failed` ones that will still be retried count as `retrying`. */
async function statusCounts(sql: Sql): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }[]>`
    select case when status = 'failed' and smtp_refusals < ${DIGEST_MAX_ATTEMPTS} and attempts < ${DIGEST_MAX_CLAIMS} then 'retrying' else status end as status, count(*)::int as n
      from digests where kind = 'weekly' group by 1 order by 1`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/**
 * Users whose first sync is done and whose contacts are computed (so every digest is due at
 * once), with a few people each who are overdue for a note, and a Gmail mailbox that is
 * followed from its current history.
 */
async function seedUsers(sql: Sql, google: GoogleEmulator, users: number): Promise<void> {
  const now = Date.now();
  for (let u = 0; u < users; u++) {
    const email = `user${u}@chaos.example`;
    google.addMailbox({ email, messages: [] });
    const { userId, accountId } = await connectAccount(sql, {
      userEmail: email,
      provider: 'google',
      accountEmail: email,
      refreshToken: google.issueRefreshToken(email),
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
    await sql`update sync_streams set phase = 'incremental', backfill_completed_at = now(), last_synced_at = now(), next_run_at = now() + interval '1 year',
                     cursor = case when stream = 'mail' then ${sql.json({ stage: 'history', historyId: google.historyId(email) })} else cursor end
               where account_id = ${accountId}`;
    // Computed here rather than by the workers: the run is about sending, and a recompute job a
    // kill interrupts would only wait for BullMQ's stall check.
    await recomputeContacts(sql, userId);
  }
}

/**
 * Rows left `sending` by a dead worker: handed over SENDING_SETTLE_MS ago and no SMTP
 * conversation open for the recipient (a live worker's row is in one, or about to be). They
 * are dated back SENDING_ABANDONED_MINUTES, as if the resolver's wait had passed.
 */
async function dateBackAbandoned(
  sql: Sql,
  catcher: { inConversation(recipient: string): boolean },
  abandoned: Map<string, number>,
  started: number,
): Promise<void> {
  const candidates = await sql<{ id: string; recipient: string }[]>`
    select id, recipient from digests
     where status = 'sending' and handed_to_smtp_at > now() - make_interval(mins => ${SENDING_ABANDONED_MINUTES})
       and handed_to_smtp_at < now() - make_interval(secs => ${SENDING_SETTLE_MS / 1000})`;
  const dead = candidates.filter((c) => !catcher.inConversation(c.recipient)).map((c) => c.id);
  if (dead.length === 0) return;
  // The user's whole clock moves, not the hand-off alone: the mailbox's last sync (before the
  // digest arrived) must stay before the resolver's deadline, or it would count as a look.
  await sql.begin(async (tx) => {
    const moved = await tx<{ userId: string }[]>`
      update digests set handed_to_smtp_at = handed_to_smtp_at - make_interval(mins => ${SENDING_ABANDONED_MINUTES})
       where id = any(${dead}::uuid[]) and status = 'sending' returning user_id as "userId"`;
    await tx`update sync_streams s set last_synced_at = s.last_synced_at - make_interval(mins => ${SENDING_ABANDONED_MINUTES})
               from accounts a where a.id = s.account_id and a.user_id = any(${moved.map((m) => m.userId)}::uuid[])`;
  });
  for (const id of dead) abandoned.set(id, Date.now() - started);
}

function messageIdOf(raw: string): string {
  return /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1] ?? '?';
}

function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}
