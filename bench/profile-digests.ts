/**
 * One round of the `users` scenario's digests only, from one worker process: for profiling
 * the digest job (`BENCH_WORKER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' node
 * bench/profile-digests.ts [digests]`) without the sync rounds before it. Prints the worker's
 * own CPU per digest (bench/worker-cpu.ts) and Postgres transactions per digest.
 */
import { randomBytes } from 'node:crypto';
import { startMailCatcher } from '../fakes/mail-catcher.ts';
import { createBenchDatabase, createBenchPrefix, workerEnv } from './bench-env.ts';
import { cpuSecondsOf, postgresTransactions, round, until } from './measure.ts';
import { cloneUsers, templateUser } from './scenarios/many-digests.ts';
import { clearWorkerCpu, readWorkerCpu } from './worker-cpu.ts';
import { startWorkerProcess } from './worker-process.ts';

const digests = Number(process.argv[2] ?? 500);
const database = await createBenchDatabase('digestprof', 6);
const queue = createBenchPrefix('digestprof');
const sink = await startMailCatcher();
try {
  const template = await templateUser(database);
  await cloneUsers(database, template, 'digest', digests, false);
  const env = workerEnv(database, queue.prefix, null, {
    SMTP_URL: sink.url,
    LINK_SECRETS: randomBytes(32).toString('hex'),
    MAIL_FROM: 'rekindle <digest@bench.example.com>',
  });
  await clearWorkerCpu(queue.prefix);
  const before = await postgresTransactions(database.sql);
  const started = performance.now();
  const worker = startWorkerProcess(env);
  let kernelCpu = 0;
  try {
    await until(
      'every digest handed over',
      async () =>
        (
          await database.sql<[{ n: number }]>`select count(*)::int as n from digests where status not in ('queued', 'preparing', 'sending')`
        )[0].n >= digests,
      60 * 60_000,
      200,
    );
  } finally {
    kernelCpu = cpuSecondsOf(worker.pid) ?? 0;
    await worker.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const transactions = (await postgresTransactions(database.sql)) - before;
  const cpu = await readWorkerCpu(queue.prefix);
  const outcomes = await database.sql`select status, count(*)::int as n from digests group by status`;
  process.stdout.write(
    `${JSON.stringify({
      digests,
      seconds: round(seconds, 1),
      digestsPerSecond: round(digests / seconds, 1),
      kernelCpuSeconds: round(kernelCpu, 2),
      digest: cpu.kinds.digest,
      outsideJobsCpuSeconds: cpu.outsideJobsCpuSeconds,
      totalCpuSeconds: cpu.totalCpuSeconds,
      postgresTransactionsPerDigest: round(transactions / digests, 1),
      outcomes: Object.fromEntries(outcomes.map((o) => [o.status, o.n])),
    })}\n`,
  );
} finally {
  await sink.close();
  await database.drop();
  await queue.cleanup();
}
