/**
 * Scenario `import`, the speed and memory of `rekindle import` on local files (issue 15):
 * - scan rate on the Enron maildir: reading each header block and turning it into metadata,
 *   with today's reader and full parse (the baseline: readMaildir + metaOf, one thread),
 *   with the header scanner in one thread, and spread over worker threads; each in a
 *   process of its own, best of `rounds` passes, with CPU per message (the machine is
 *   shared: the CPU figure says what an idle machine would do);
 * - end to end: the same maildir into a fresh database, contacts recomputed;
 * - peak RSS per mailbox size: maildirs and mbox files made by repeating the corpus with
 *   distinct Message-IDs, scanned, and imported end to end, each in a fresh process.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMaildir } from '../../src/import/read-maildir.ts';
import { defaultScanThreads } from '../../src/import/scan-pool.ts';
import { createBenchDatabase } from '../bench-env.ts';
import { loadAverage, round } from '../measure.ts';

export interface LocalImportOptions {
  /** Mailbox sizes for the memory runs (messages). */
  sizes: number[];
  /** Passes per scan-rate measurement. */
  rounds: number;
  enron: string | null;
  progress?: (line: string) => void;
}

interface ProcessFigures {
  mode: string;
  ingestPeakRssMb?: number;
  threads: number;
  messages: number;
  interactions: number | null;
  messagesPerSecond: number;
  cpuMicrosecondsPerMessage: number;
  peakRssMb: number;
}

const HEAP_CAP_MB = 128;
const child = fileURLToPath(new URL('../import-process.ts', import.meta.url));

function importProcess(args: string[], env: Record<string, string> = {}): Promise<ProcessFigures> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`import-process ${args.join(' ')} exited ${code}`)),
    );
  });
}

const figures = (f: ProcessFigures) => ({
  messages: f.messages,
  messagesPerSecond: Math.round(f.messagesPerSecond),
  cpuMicrosecondsPerMessage: round(f.cpuMicrosecondsPerMessage, 1),
  ...(f.ingestPeakRssMb === undefined ? {} : { peakRssBeforeRecomputeMb: round(f.ingestPeakRssMb, 0) }),
  peakRssMb: round(f.peakRssMb, 0),
});

export async function localImport(options: LocalImportOptions) {
  if (options.enron === null) return { skipped: 'no Enron corpus; set REKINDLE_CORPORA or --corpora' };
  const enron = options.enron;
  const threads = defaultScanThreads();
  const rounds = String(options.rounds);

  options.progress?.(`import: scan rate on ${enron}, baseline then scanner (0 and ${threads} threads), ${rounds} passes each`);
  const baseline = await importProcess(['baseline', 'maildir', enron, '0', rounds]);
  const oneThread = await importProcess(['scan', 'maildir', enron, '0', rounds]);
  const pooled = await importProcess(['scan', 'maildir', enron, String(threads), rounds]);

  options.progress?.('import: end to end into a fresh database');
  const database = await createBenchDatabase('local_import');
  let endToEnd: ProcessFigures;
  try {
    endToEnd = await importProcess(['import', 'maildir', enron], { DATABASE_URL: database.url });
  } finally {
    await database.drop();
  }

  const scratch = mkdtempSync(path.join(tmpdir(), 'rekindle-bench-import-'));
  const memory: ({ messages: number } & Record<'scanMaildir' | 'scanMbox' | 'importMaildir', ReturnType<typeof figures>>)[] = [];
  const importInFreshDatabase = async (maildir: string, env: Record<string, string> = {}, mode = 'import') => {
    const db = await createBenchDatabase('local_import_rss');
    try {
      return await importProcess([mode, 'maildir', maildir], { DATABASE_URL: db.url, ...env });
    } finally {
      await db.drop();
    }
  };
  let capped: ProcessFigures;
  try {
    let last = '';
    for (const size of options.sizes) {
      options.progress?.(`import: ${size} messages as a maildir and as an mbox`);
      if (last) rmSync(last, { recursive: true, force: true });
      last = path.join(scratch, String(size));
      const { maildir, mbox } = await synthesize(enron, last, size);
      const scanMaildir = await importProcess(['scan', 'maildir', maildir]);
      const scanMbox = await importProcess(['scan', 'mbox', mbox]);
      const imported = await importInFreshDatabase(maildir);
      memory.push({ messages: size, scanMaildir: figures(scanMaildir), scanMbox: figures(scanMbox), importMaildir: figures(imported) });
    }
    // V8 sizes the main thread's heap to the allocation rate, so part of a peak is pages it
    // keeps for the next burst: the largest import again under a heap cap shows how much.
    // Reading and storing only: a first recompute holds all of a user's interactions at once
    // (src/contact-store), which grows with the mailbox and would not fit the cap.
    options.progress?.(`import: ${options.sizes.at(-1)} messages stored again with --max-old-space-size=${HEAP_CAP_MB}`);
    capped = await importInFreshDatabase(path.join(last, 'maildir'), { NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}` }, 'ingest');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const peaks = (key: 'scanMaildir' | 'scanMbox' | 'importMaildir') => memory.map((m) => m[key].peakRssMb);
  const growth = (key: 'scanMaildir' | 'scanMbox' | 'importMaildir') => round(peaks(key).at(-1)! / peaks(key)[0]!, 2);
  const beforeRecompute = memory.map((m) => m.importMaildir.peakRssBeforeRecomputeMb!);
  return {
    corpus: enron,
    threads,
    scan: {
      baseline: figures(baseline),
      scannerOneThread: figures(oneThread),
      scannerThreads: { threads, ...figures(pooled) },
      speedupVsBaseline: round(pooled.messagesPerSecond / baseline.messagesPerSecond, 2),
      cpuSavedVsBaseline: round(1 - pooled.cpuMicrosecondsPerMessage / baseline.cpuMicrosecondsPerMessage, 2),
    },
    endToEnd: { ...figures(endToEnd), interactions: endToEnd.interactions },
    memory,
    largestImportWithHeapCap: { maxOldSpaceSizeMb: HEAP_CAP_MB, ...figures(capped) },
    /** Peak RSS of the largest size over the smallest's: 1.0 is flat. */
    rssGrowthLargestOverSmallest: {
      scanMaildir: growth('scanMaildir'),
      scanMbox: growth('scanMbox'),
      importMaildirBeforeRecompute: round(beforeRecompute.at(-1)! / beforeRecompute[0]!, 2),
      importMaildir: growth('importMaildir'),
    },
    loadAverageAfter: loadAverage(),
    target: { scanMessagesPerSecond: 20_000 },
  };
}

/**
 * `size` messages from the corpus, repeated as often as needed: copy k of a message gets
 * `k.` in front of its Message-ID (one added when it has none), so no two are the same
 * message. Written as a maildir (the corpus's own folders under `copy-k/`) and as one mbox.
 * Header blocks only, with a one-line body: bodies are never read.
 */
export async function synthesize(enron: string, dir: string, size: number): Promise<{ maildir: string; mbox: string }> {
  const maildir = path.join(dir, 'maildir');
  const mboxFile = path.join(dir, 'all.mbox');
  mkdirSync(maildir, { recursive: true });
  const mbox = createWriteStream(mboxFile);
  const made = new Set<string>();
  let written = 0;
  for (let copy = 0; written < size; copy++) {
    let inCopy = 0;
    for await (const raw of readMaildir(enron)) {
      if (written >= size) break;
      const headers =
        copy === 0
          ? raw.headers
          : /^Message-ID:\s*</im.test(raw.headers)
            ? raw.headers.replace(/^(Message-ID:\s*<)/im, `$1${copy}.`)
            : `Message-ID: <bench-${copy}-${inCopy}@synthetic>\n${raw.headers}`;
      const file = path.join(maildir, `copy-${copy}`, raw.origin);
      const parent = path.dirname(file);
      if (!made.has(parent)) {
        mkdirSync(parent, { recursive: true });
        made.add(parent);
      }
      writeFileSync(file, `${headers}\n\nbody\n`);
      const text = `From bench@synthetic Mon Jan  1 00:00:00 2001\n${headers.replace(/\r\n/g, '\n')}\n\nbody\n\n`;
      if (!mbox.write(text)) await new Promise<void>((resolve) => mbox.once('drain', () => resolve()));
      written++;
      inCopy++;
    }
  }
  await new Promise<void>((resolve, reject) => mbox.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { maildir, mbox: mboxFile };
}
