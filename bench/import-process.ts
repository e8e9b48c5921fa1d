/**
 * One local import in a process of its own, for figures that belong to a process (peak
 * RSS, CPU): `node bench/import-process.ts scan|baseline|ingest|import maildir|mbox <path> [threads] [rounds]`.
 * `scan` reads and scans every message (the part that grows with the mailbox) with the
 * header scanner on `threads` worker threads (0: in this thread); `baseline` does the same
 * with today's reader and full parse (readMaildir + metaOf, one thread); `ingest` also
 * stores them in the database at DATABASE_URL, and `import` then recomputes the contacts,
 * through the same functions as `rekindle import` (the peak is reported for both parts:
 * a first recompute reads all of the user's interactions at once). `rounds` repeats a scan in the same process (the first
 * pays for a cold cache and compilation). Prints one JSON line.
 */
import { recomputeContacts } from '../src/contact-store/recompute-contacts.ts';
import { createDatabase } from '../src/db/client.ts';
import { importMail } from '../src/import/import-mail.ts';
import { ensureLocalAccount } from '../src/import/local-account.ts';
import { metaOf } from '../src/import/import-mail.ts';
import { listMaildir, readMaildir } from '../src/import/read-maildir.ts';
import { listMbox, readMbox } from '../src/import/read-mbox.ts';
import { createScanPool, defaultScanThreads } from '../src/import/scan-pool.ts';

const [mode, kind, source, threadArg, roundArg] = process.argv.slice(2);
if (!source || !['scan', 'baseline', 'ingest', 'import'].includes(mode!) || (kind !== 'maildir' && kind !== 'mbox')) {
  process.stderr.write('usage: node bench/import-process.ts scan|baseline|ingest|import maildir|mbox <path> [threads] [rounds]\n');
  process.exit(2);
}
const threads = threadArg === undefined || threadArg === '' ? defaultScanThreads() : Number(threadArg);
const rounds = Number(roundArg ?? 1);
const pool = createScanPool(mode === 'baseline' ? 0 : threads);
const runs: { messages: number; seconds: number; cpuSeconds: number }[] = [];
let interactions: number | null = null;
let ingestPeakRssMb: number | null = null;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
try {
  for (let round = 0; round < (mode === 'import' || mode === 'ingest' ? 1 : rounds); round++) {
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    let messages = 0;
    if (mode === 'scan') {
      for await (const _ of pool.scan(kind === 'maildir' ? listMaildir(source) : listMbox(source))) messages++;
    } else if (mode === 'baseline') {
      for await (const raw of kind === 'maildir' ? readMaildir(source) : readMbox(source)) {
        if (!raw.skip) metaOf(raw);
        messages++;
      }
    } else {
      const database = createDatabase(process.env.DATABASE_URL!, { max: 3 });
      try {
        const account = await ensureLocalAccount(database.sql, `bench-${process.pid}@example.com`);
        const jobs = kind === 'maildir' ? listMaildir(source) : listMbox(source);
        const summary = await importMail(database.sql, account, pool.scan(jobs), { storeSubjects: true });
        ingestPeakRssMb = peakRssMb();
        if (mode === 'import') await recomputeContacts(database.sql, account.userId);
        messages = summary.read;
        interactions = summary.interactions;
      } finally {
        await database.close();
      }
    }
    const cpu = process.cpuUsage(cpuStart);
    runs.push({ messages, seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  }
} finally {
  await pool.close();
}
const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
process.stdout.write(
  JSON.stringify({
    mode,
    threads: mode === 'baseline' ? 0 : threads,
    messages: best.messages,
    interactions,
    runs,
    messagesPerSecond: best.messages / best.seconds,
    // CPU of the whole process, scanner threads included, per message.
    cpuMicrosecondsPerMessage: (best.cpuSeconds / best.messages) * 1e6,
    // Peak resident set of the whole process, scanner threads included (getrusage ru_maxrss):
    // of reading and storing alone, and in all (the recompute included).
    ...(ingestPeakRssMb !== null ? { ingestPeakRssMb } : {}),
    peakRssMb: peakRssMb(),
  }) + '\n',
);
