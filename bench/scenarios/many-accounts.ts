/**
 * Scenario 4a, many users: thousands of small Gmail mailboxes (plus one big one) synced by one
 * and then two worker processes, quota off, from connect to computed contacts. Scaling is
 * accounts per second with two processes over one; fairness is how long the small accounts
 * took while the big backfill ran beside them (they must not queue behind it). The naive
 * baseline syncs the same kind of accounts one after another, one request at a time.
 */
import { createOwner } from '../../src/contacts/owner.ts';
import { connectMailboxes, createBenchDatabase, createBenchPrefix, workerEnv, type BenchDatabase } from '../bench-env.ts';
import { startEmulatorProcess, type EmulatorProcess } from '../emulator-process.ts';
import { cpuSecondsOf, machineBusy, percentiles, round, until } from '../measure.ts';
import { naiveProvider, naiveSync } from '../naive.ts';
import { readWorkerCpu } from '../worker-cpu.ts';
import { startWorkerProcess } from '../worker-process.ts';
import { NO_QUOTA } from './throughput.ts';

export interface ManyAccountsOptions {
  accounts: number;
  messagesPerAccount: number;
  bigAccountMessages: number;
  naiveSeconds: number;
  progress?: (line: string) => void;
}

const BIG = 'big-backfill@example.com';
const small = (i: number) => `small-${i}@example.com`;

export async function manyAccounts(options: ManyAccountsOptions) {
  const owners = Array.from({ length: options.accounts }, (_, i) => small(i));
  const emulator = await startEmulatorProcess({
    provider: 'google',
    quota: null,
    mailboxes: [
      { owner: BIG, messages: options.bigAccountMessages, idBase: 0x40000000000 },
      ...owners.map((owner, i) => ({
        owner,
        messages: options.messagesPerAccount,
        people: 12,
        events: 2,
        idBase: 0x50000000000 + i * 0x100000,
        seed: i + 1,
      })),
    ],
  });
  try {
    options.progress?.(`users: ${options.accounts} accounts and a ${options.bigAccountMessages}-message one, 1 worker process`);
    const one = await syncAll(emulator, owners, 1);
    options.progress?.(`users: the same with 2 worker processes`);
    const two = await syncAll(emulator, owners, 2);
    options.progress?.(`users: naive baseline for ${options.naiveSeconds} s`);
    const naive = await naiveAccounts(emulator, owners, options.naiveSeconds);
    return {
      accounts: options.accounts,
      messagesPerAccount: options.messagesPerAccount,
      bigAccountMessages: options.bigAccountMessages,
      oneWorker: one,
      twoWorkers: two,
      /** Small accounts per second with two processes over one. */
      scalingTwoOverOne: round(two.smallAccountsPerSecond / one.smallAccountsPerSecond, 2),
      /** All CPU of the two worker processes over that of the one, for the same accounts. */
      cpuTwoOverOne: round(two.cpu.totalCpuSeconds / one.cpu.totalCpuSeconds, 2),
      naive,
      speedupVsNaive: round(one.smallAccountsPerSecond / naive.accountsPerSecond, 1),
      target: { scalingTwoOverOne: 1.7, cpuTwoOverOne: 1.1 },
    };
  } finally {
    await emulator.close();
  }
}

async function syncAll(emulator: EmulatorProcess, owners: string[], processes: number) {
  const database = await createBenchDatabase(`users_${processes}`, 8);
  const queue = createBenchPrefix(`users-${processes}`);
  try {
    const tokens = Object.fromEntries([BIG, ...owners].map((o) => [o, emulator.refreshTokens[o]!]));
    // Connected before the workers start, as after an outage or a launch: all due at once.
    const accounts = await connectMailboxes(database, 'google', tokens);
    const bigAccount = accounts.get(BIG)!.accountId;
    // This scenario measures syncing: with no SMTP server to take them, the users' first
    // digests would fail and be retried for as long as the round lasts, work that grows with
    // the wall time rather than with the accounts (scenario 4b measures digests).
    await database.sql`update users set digest_stopped_at = now()`;
    const env = workerEnv(database, queue.prefix, emulator.endpoints, { ...NO_QUOTA, SYNC_LEASE_SECONDS: '60' });
    const started = Date.now();
    const busy = machineBusy();
    const emulatorCpu = (await emulator.stats([])).cpuSeconds;
    const workers = Array.from({ length: processes }, () => startWorkerProcess(env));
    let workerCpuSeconds = 0;
    let machineCpuBusy = 0;
    let emulatorCpuSeconds = 0;
    try {
      await until('every small account synced', () => smallAccountsDone(database, bigAccount), 60 * 60_000, 250);
    } finally {
      workerCpuSeconds = workers.reduce((sum, w) => sum + (cpuSecondsOf(w.pid) ?? 0), 0);
      machineCpuBusy = busy();
      emulatorCpuSeconds = (await emulator.stats([])).cpuSeconds - emulatorCpu;
      await Promise.all(workers.map((w) => w.stop()));
    }
    const seconds = (Date.now() - started) / 1000;
    const cpu = await readWorkerCpu(queue.prefix);
    const rows = await database.sql<{ accountId: string; doneAt: Date }[]>`
      select a.id as "accountId", max(s.backfill_completed_at) as "doneAt"
        from accounts a join sync_streams s on s.account_id = a.id
       group by a.id`;
    const small = rows.filter((r) => r.accountId !== bigAccount).map((r) => (r.doneAt.getTime() - started) / 1000);
    const big = rows.find((r) => r.accountId === bigAccount);
    const [{ messages }] = await database.sql<[{ messages: number }]>`select count(*)::int as messages from mail_messages`;
    return {
      processes,
      seconds: round(seconds, 1),
      smallAccountsPerSecond: round(owners.length / seconds, 1),
      messagesStored: messages,
      /** CPU the worker processes (start-up included), and the emulator serving them, used; and how busy all cores were. */
      workerCpuSeconds: round(workerCpuSeconds, 1),
      /** The workers' CPU per job kind, as they measured it (see bench/worker-cpu.ts). */
      cpu,
      emulatorCpuSeconds: round(emulatorCpuSeconds, 1),
      machineCpuBusy,
      /** Seconds from the start until each small account's first sync was complete. */
      smallAccountDoneSeconds: percentiles(small),
      /** Where the big backfill was when the last small account was done (it goes on alone after). */
      bigAccountDone: big?.doneAt ? round((big.doneAt.getTime() - started) / 1000, 1) : null,
      bigAccountMessagesWhenSmallDone: (
        await database.sql<[{ n: number }]>`select count(*)::int as n from mail_messages where account_id = ${bigAccount}`
      )[0].n,
    };
  } finally {
    await database.drop();
    await queue.cleanup();
  }
}

/** Every account but the big one has both streams caught up and its contacts computed. */
async function smallAccountsDone(database: BenchDatabase, bigAccount: string): Promise<boolean> {
  const [row] = await database.sql<[{ pending: number }]>`
    select count(*)::int as pending from accounts a join users u on u.id = a.user_id
     where a.id <> ${bigAccount}
       and (exists (select 1 from sync_streams s where s.account_id = a.id and s.backfill_completed_at is null)
            or u.contacts_computed_at is null or u.contacts_computed_at < u.contacts_dirty_at)`;
  return row.pending === 0;
}

async function naiveAccounts(emulator: EmulatorProcess, owners: string[], naiveSeconds: number) {
  const database = await createBenchDatabase('users_naive', 2);
  try {
    const started = performance.now();
    const deadline = started + naiveSeconds * 1000;
    let accounts = 0;
    let messages = 0;
    for (const owner of owners) {
      if (performance.now() > deadline) break;
      const connected = await connectMailboxes(database, 'google', { [owner]: emulator.refreshTokens[owner]! });
      const target = { ...connected.get(owner)!, owner: createOwner([owner]) };
      const provider = naiveProvider(database.sql, emulator.endpoints, target.accountId, 1_000_000_000);
      await provider.profile();
      const result = await naiveSync(database.sql, provider, target, Math.max(0, deadline - performance.now()));
      if (!result.complete) break;
      accounts++;
      messages += result.messages;
    }
    const seconds = (performance.now() - started) / 1000;
    return { accounts, messages, seconds: round(seconds, 1), accountsPerSecond: round(accounts / seconds, 2) };
  } finally {
    await database.drop();
  }
}
