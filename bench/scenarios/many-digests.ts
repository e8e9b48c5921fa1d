/**
 * Scenario 4b, many users' digests: thousands of users across timezones whose weekly slot has
 * passed, each with a small history and its contacts computed (as the contacts queue leaves
 * them after a sync); one real worker process schedules, composes and hands every digest to a
 * local SMTP sink, then two processes do the same again. Figures: digests per second from the
 * workers' start to the last one handed over, what became of each, and the workers' CPU per
 * job as they measured it themselves (two processes against one: the same work must not cost
 * more CPU). The naive baseline sends the same kind of digest one after another in this process.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { recomputeContacts } from '../../src/contact-store/recompute-contacts.ts';
import { fingerprintsOf } from '../../src/contact-store/store-state.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import { sendDigest } from '../../src/digest/send-digest.ts';
import { ensureLocalAccount } from '../../src/import/local-account.ts';
import { createMailer } from '../../src/mailer/create-mailer.ts';
import { startMailCatcher } from '../../fakes/mail-catcher.ts';
import { ingestMail } from '../../src/sync/ingest-mail.ts';
import { createBenchDatabase, createBenchPrefix, workerEnv, type BenchDatabase } from '../bench-env.ts';
import { cpuSecondsOf, machineBusy, postgresTransactions, round, until } from '../measure.ts';
import { seedToMeta } from '../seed-meta.ts';
import { syntheticMailbox } from '../synthetic-mailbox.ts';
import { clearWorkerCpu, readWorkerCpu } from '../worker-cpu.ts';
import { startWorkerProcess } from '../worker-process.ts';

export interface ManyDigestsOptions {
  digests: number;
  naiveSeconds: number;
  progress?: (line: string) => void;
}

export const TIMEZONES = [
  'UTC',
  'America/Los_Angeles',
  'America/New_York',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Africa/Lagos',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
];

export async function manyDigests(options: ManyDigestsOptions) {
  const database = await createBenchDatabase('digests', 6);
  const queue = createBenchPrefix('digests');
  const sink = await startMailCatcher();
  try {
    const template = await templateUser(database);
    options.progress?.(`users: ${options.digests} users with a history, across ${TIMEZONES.length} timezones`);
    await cloneUsers(database, template, 'digest', options.digests, false);
    const env = workerEnv(database, queue.prefix, null, {
      SMTP_URL: sink.url,
      LINK_SECRETS: randomBytes(32).toString('hex'),
      MAIL_FROM: 'rekindle <digest@bench.example.com>',
    });
    options.progress?.(`users: one worker process sends ${options.digests} digests`);
    const one = await sendAll(database, env, queue.prefix, 1, options.digests);
    const acceptedByOne = sink.accepted.length;
    // The same week's digests again, from two processes: forget the first round's rows.
    await database.sql`delete from digests`;
    options.progress?.(`users: two worker processes send them again`);
    const two = await sendAll(database, env, queue.prefix, 2, options.digests);
    const acceptedByTwo = sink.accepted.length - acceptedByOne;

    options.progress?.(`users: naive digests for ${options.naiveSeconds} s`);
    const naive = await naiveDigests(database, template, options.naiveSeconds, sink.url);
    return {
      users: options.digests,
      oneWorker: { ...one, smtpAccepted: acceptedByOne },
      twoWorkers: { ...two, smtpAccepted: acceptedByTwo },
      digestsPerSecond: Math.max(one.digestsPerSecond, two.digestsPerSecond),
      /** Worker CPU per digest sent, one process (its own measure, module loading aside; a job sends several). */
      cpuMsPerDigest: one.cpu.kinds.digest?.cpuMsPerUnit ?? null,
      /** All CPU of the two processes over that of the one, for the same digests. */
      cpuTwoOverOne: round(two.cpu.totalCpuSeconds / one.cpu.totalCpuSeconds, 2),
      naive,
      speedupVsNaive: round(one.digestsPerSecond / naive.digestsPerSecond, 1),
      target: { oneWorkerDigestsPerSecond: 400, cpuMsPerDigest: 1, cpuTwoOverOne: 1.1 },
    };
  } finally {
    await sink.close();
    await database.drop();
    await queue.cleanup();
  }
}

/** Worker processes send every due digest; figures of that round. */
async function sendAll(database: BenchDatabase, env: Record<string, string>, prefix: string, processes: number, digests: number) {
  await clearWorkerCpu(prefix);
  const transactionsBefore = await postgresTransactions(database.sql);
  const started = performance.now();
  const busy = machineBusy();
  const workers = Array.from({ length: processes }, () => startWorkerProcess(env));
  let workerCpuSeconds = 0;
  let machineCpuBusy = 0;
  try {
    await until(
      'every digest handed over',
      async () => (await unsettled(database)) === 0 && (await settled(database)) >= digests,
      60 * 60_000,
      200,
    );
  } finally {
    workerCpuSeconds = workers.reduce((sum, w) => sum + (cpuSecondsOf(w.pid) ?? 0), 0);
    machineCpuBusy = busy();
    await Promise.all(workers.map((w) => w.stop()));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = await readWorkerCpu(prefix);
  // Backends report when they end (the workers') or at most a second later (the bench's own).
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const transactions = (await postgresTransactions(database.sql)) - transactionsBefore;
  const outcomes = await database.sql<
    { status: string; n: number }[]
  >`select status, count(*)::int as n from digests group by status order by status`;
  const [{ timezones, items, sendingSeconds }] = await database.sql<[{ timezones: number; items: number; sendingSeconds: number }]>`
    select (select count(distinct u.timezone)::int from digests d join users u on u.id = d.user_id where d.status = 'sent') as timezones,
           (select count(*)::int from digest_items) as items,
           (select extract(epoch from max(sent_at) - min(handed_to_smtp_at))::float8 from digests) as "sendingSeconds"`;
  return {
    processes,
    seconds: round(seconds, 1),
    digestsPerSecond: round(digests / seconds, 1),
    /** From the first digest handed to SMTP to the last accepted: start-up left out. */
    digestsPerSecondOnceStarted: round(digests / Math.max(0.001, sendingSeconds), 1),
    outcomes: Object.fromEntries(outcomes.map((o) => [o.status, o.n])),
    itemsPerDigest: round(items / digests, 2),
    timezonesSent: timezones,
    /** CPU of the worker processes from the kernel, start-up (module loading) included. */
    workerCpuSeconds: round(workerCpuSeconds, 1),
    /** The same from inside, per job kind (see bench/worker-cpu.ts). */
    cpu,
    /** Postgres transactions per digest (statements outside a transaction count one each), the bench's polling included. */
    postgresTransactionsPerDigest: round(transactions / digests, 1),
    machineCpuBusy,
  };
}

const unsettled = async (database: BenchDatabase) =>
  (await database.sql<[{ n: number }]>`select count(*)::int as n from digests where status in ('queued', 'preparing', 'sending')`)[0].n;
const settled = async (database: BenchDatabase) =>
  (await database.sql<[{ n: number }]>`select count(*)::int as n from digests where status not in ('queued', 'preparing', 'sending')`)[0].n;

/** One user with two years of mail with a dozen people, last heard from months ago. */
export async function templateUser(database: BenchDatabase): Promise<{ userId: string; accountId: string }> {
  const owner = 'digest-template@example.com';
  const account = await ensureLocalAccount(database.sql, owner);
  const end = new Date(Date.now() - 150 * 86_400_000);
  const seed = syntheticMailbox({ owner, messages: 150, people: 12, events: 0, end });
  await ingestMail(
    database.sql,
    { ...account, owner: createOwner(account.addresses), storeSubjects: true },
    seed.messages.map(seedToMeta),
    [],
  );
  await recomputeContacts(database.sql, account.userId);
  // The template itself gets no digest: only its copies are counted.
  await database.sql`update users set digest_stopped_at = now() where id = ${account.userId}`;
  return account;
}

/**
 * `count` users copied from the template (their own local account, interactions and stored
 * contacts), each in one of TIMEZONES with a digest slot at midnight of their current local
 * day, so all are due.
 */
export async function cloneUsers(
  database: BenchDatabase,
  template: { userId: string },
  label: string,
  count: number,
  stopped: boolean,
): Promise<void> {
  const now = new Date();
  const dayIn = (timezone: string) =>
    ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(
      new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short' }).format(now),
    );
  const batch = 2_000;
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const emails = Array.from({ length: n }, (_, k) => `${label}-${start + k}@bench.example.com`);
    const zones = emails.map((_, k) => TIMEZONES[(start + k) % TIMEZONES.length]!);
    // What contact_state would say of each clone: its own address is its only one.
    const owners = emails.map((e) => fingerprintsOf([e], []).ownerDigest);
    await database.sql.begin(async (tx) => {
      await tx`
        with u as (
          insert into users (email, timezone, digest_day, digest_hour, contacts_computed_at, digest_stopped_at)
          select e, z, d, 0, now(), ${stopped ? now : null}::timestamptz
            from unnest(${emails}::text[], ${zones}::text[], ${zones.map(dayIn)}::smallint[]) as t(e, z, d)
          returning id, email),
        a as (insert into accounts (user_id, provider, email) select id, 'local', email from u returning id, user_id),
        o as (insert into user_addresses (user_id, address, source) select id, email, 'account' from u)
        insert into interactions (user_id, source_key, contact, address, kind, account_id, occurred_at, weight,
                                  contact_name, participants, thread_key, subject)
        select a.user_id, i.source_key, i.contact, i.address, i.kind, a.id, i.occurred_at, i.weight,
               i.contact_name, i.participants, i.thread_key, i.subject
          from a cross join interactions i where i.user_id = ${template.userId}`;
      // The template's stored contacts, every column but the user's, for each clone.
      for (const table of ['contacts', 'contact_addresses']) {
        const columns = (
          await tx<{ name: string }[]>`
            select column_name as name from information_schema.columns
             where table_schema = current_schema() and table_name = ${table} and column_name <> 'user_id' order by ordinal_position`
        ).map((c) => `"${c.name}"`);
        await tx.unsafe(
          `insert into ${table} (user_id, ${columns.join(', ')})
           select u.id, ${columns.map((c) => `c.${c}`).join(', ')} from ${table} c cross join users u
            where c.user_id = $1 and u.email = any($2::text[])`,
          [template.userId, emails],
        );
      }
      await tx`
        insert into contact_state (user_id, as_of, owner_digest, decisions_digest)
        select u.id, s.as_of, t.owner_digest, s.decisions_digest
          from users u join unnest(${emails}::text[], ${owners}::text[]) as t(email, owner_digest) on t.email = u.email
          cross join contact_state s where s.user_id = ${template.userId}`;
    });
  }
}

/** Digests one at a time: claim the row, compose, a fresh SMTP connection, next. */
async function naiveDigests(database: BenchDatabase, template: { userId: string }, naiveSeconds: number, smtpUrl: string) {
  const count = Math.max(20, naiveSeconds * 40);
  await cloneUsers(database, template, 'naive', count, true);
  const users = await database.sql<{ id: string; email: string }[]>`select id, email from users where email like 'naive-%' order by email`;
  const mailer = createMailer(smtpUrl);
  const logger = pino({ level: 'silent' });
  const settings = {
    mailFrom: 'rekindle <digest@bench.example.com>',
    inboundDomain: 'bench.example.com',
    publicUrl: 'http://localhost:3000',
    budget: 5,
  };
  const started = performance.now();
  const deadline = started + naiveSeconds * 1000;
  let digests = 0;
  try {
    for (const user of users) {
      if (performance.now() > deadline) break;
      const [row] = await database.sql<[{ id: string }]>`
        insert into digests (user_id, week_of, status, token, message_id, recipient, lease_until, attempts)
        values (${user.id}, current_date, 'queued', ${randomBytes(16).toString('hex')}, ${`<naive.${randomBytes(8).toString('hex')}@bench.example.com>`},
                ${user.email}, now() + interval '5 minutes', 0)
        returning id`;
      await sendDigest({ sql: database.sql, mailer, logger, settings }, row.id);
      digests++;
    }
  } finally {
    mailer.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { digests, seconds: round(seconds, 1), digestsPerSecond: round(digests / seconds, 1) };
}
