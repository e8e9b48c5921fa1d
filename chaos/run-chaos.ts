/**
 * `npm run chaos`: rekindle under crashes, provider faults, Redis and Postgres outages,
 * duplicate-prone digest sends and hostile input, on loopback only, against a Postgres and a Redis of its own (so restarting
 * and flushing them disturbs nobody else). Prints what it injected, which invariants held,
 * and the duplicates, lost records and crashes it found — all of which should be 0.
 *
 *   npm run chaos                     full size (20,000 messages, 20 kills, 1,000 digests, 100,000 fuzz cases each)
 *   npm run chaos -- --quick          a few minutes: everything at a tenth
 *   npm run chaos -- --scale 0.5      any other size
 *   npm run chaos -- --only crash,faults,outage,digest,fuzz   a part of it
 *   npm run chaos -- --outage-seconds 15   shorter outages (default 60 s; 15 s with --quick)
 *   npm run chaos -- --json           the summary as JSON on stdout (progress goes to stderr)
 *   npm run chaos -- --seed 7         other random moments and faults
 *
 * Exits 1 when an invariant failed, 2 on bad arguments.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chaosMailbox } from '../testkit/chaos/chaos-mailbox.ts';
import { runDigestChaos } from '../testkit/chaos/digest-scenario.ts';
import { runFuzz } from './fuzz-scenario.ts';
import { startPrivateServers } from '../testkit/chaos/private-servers.ts';
import { formatSummary, invariantsOf, type ChaosSummary } from './summary.ts';
import { compareSnapshots, type SyncSnapshot } from '../testkit/chaos/sync-snapshot.ts';
import { runSync } from '../testkit/chaos/sync-scenario.ts';

const PARTS = ['crash', 'faults', 'outage', 'digest', 'fuzz'] as const;
type Part = (typeof PARTS)[number];

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        scale: { type: 'string' },
        only: { type: 'string' },
        json: { type: 'boolean', default: false },
        seed: { type: 'string', default: '1' },
        'outage-seconds': { type: 'string' },
        'log-dir': { type: 'string' },
      },
    }).values;
  } catch (error) {
    console.error(`chaos: ${(error as Error).message}`);
    return 2;
  }
  const scale = args.scale !== undefined ? Number(args.scale) : args.quick ? 0.1 : 1;
  const seed = Number(args.seed);
  const only = (args.only ?? PARTS.join(',')).split(',').map((p) => p.trim());
  const outageSeconds = args['outage-seconds'] !== undefined ? Number(args['outage-seconds']) : args.quick ? 15 : 60;
  if (
    !(scale > 0 && scale <= 1) ||
    !Number.isInteger(seed) ||
    only.some((p) => !PARTS.includes(p as Part)) ||
    !(outageSeconds > 0 && outageSeconds <= 600)
  ) {
    console.error(`chaos: --scale takes (0, 1], --seed an integer, --outage-seconds (0, 600], --only some of ${PARTS.join(',')}`);
    return 2;
  }
  const parts = new Set(only as Part[]);
  const log = (line: string) => console.error(line);
  const logDir = args['log-dir'] ?? join(process.cwd(), 'test-artifacts', 'chaos');
  mkdirSync(logDir, { recursive: true });

  const size = {
    messages: Math.round(20_000 * scale),
    kills: Math.max(3, Math.round(20 * scale)),
    digests: Math.max(20, Math.round(1_000 * scale)),
    fuzzCases: Math.max(1_000, Math.round(100_000 * scale)),
  };
  const summary: ChaosSummary = {
    scale,
    seed,
    outageSeconds: parts.has('outage') ? outageSeconds : null,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    sync: [],
    digest: null,
    fuzz: null,
    logDir,
  };
  const started = Date.now();

  if (parts.has('fuzz')) {
    log(`fuzz: ${size.fuzzCases} cases per target`);
    summary.fuzz = await runFuzz({ cases: size.fuzzCases, seed, log });
  }

  if (parts.has('crash') || parts.has('faults') || parts.has('outage') || parts.has('digest')) {
    const servers = await startPrivateServers();
    log(`private postgres and redis up (${servers.redisUrl})`);
    try {
      if (parts.has('crash') || parts.has('faults') || parts.has('outage')) {
        const references = new Map<number, Awaited<ReturnType<typeof runSync>>>();
        for (const part of ['crash', 'faults', 'outage'] as const) {
          if (!parts.has(part)) continue;
          // The faults and outage runs sync half the mailbox: every faulted request costs a
          // timeout or a Retry-After, each outage a minute or two, and the whole run must fit in
          // about twenty minutes.
          const messages = part === 'crash' ? size.messages : Math.round(size.messages / 2);
          const mailbox = chaosMailbox(messages, seed);
          const base = { servers, mailbox, workers: 2, seed, logDir, log, timeoutMs: 15 * 60_000 };
          let reference = references.get(messages);
          if (!reference) {
            log(`undisturbed run: ${mailbox.messages.length} messages, ${mailbox.events?.length ?? 0} events`);
            reference = await runSync({
              ...base,
              name: `undisturbed_${messages}`,
              kills: 0,
              restartPostgres: false,
              flushRedis: false,
              faultRate: 0,
              expireCursors: false,
            });
            references.set(messages, reference);
            log(`  done in ${Math.round(reference.durationMs / 1000)} s`);
          }
          log(`${part} run`);
          const calm = { kills: 0, restartPostgres: false, flushRedis: false, faultRate: 0, expireCursors: false };
          const run =
            part === 'crash'
              ? await runSync({ ...base, ...calm, name: 'crash', kills: size.kills, restartPostgres: true, flushRedis: true })
              : part === 'faults'
                ? await runSync({ ...base, ...calm, name: 'faults', faultRate: 0.1, expireCursors: true, seed: seed + 1 })
                : await runSync({
                    ...base,
                    ...calm,
                    name: 'outage',
                    redisOutageMs: outageSeconds * 1000,
                    postgresOutageMs: outageSeconds * 1000,
                    seed: seed + 2,
                  });
          // Cursors that expired on purpose cannot equal the undisturbed ones: they must stand
          // where the provider stands now, with nothing left to page through.
          const comparison = compareSnapshots(reference.snapshot, run.snapshot, (stream, want, got) => {
            if (run.cursorExpiries === 0) return JSON.stringify(want) === JSON.stringify(got);
            const cursor = got as { stage?: string; historyId?: string; syncToken?: string; pageToken?: string } | null;
            return stream === 'mail'
              ? cursor?.stage === 'history' && cursor.historyId === run.historyId && !cursor.pageToken
              : Boolean(cursor?.syncToken) && !cursor?.pageToken;
          });
          summary.sync.push({ part, run, comparison, reference: { durationMs: reference.durationMs } });
          log(`  done in ${Math.round(run.durationMs / 1000)} s: lost ${comparison.lost}, duplicates ${comparison.duplicates}`);
        }
      }
      if (parts.has('digest')) {
        log(`digest: ${size.digests} sends with crashes around the SMTP hand-off`);
        summary.digest = await runDigestChaos({ servers, digests: size.digests, seed, log, logDir });
      }
    } finally {
      await servers.stop();
    }
  }

  summary.durationMs = Date.now() - started;
  const { text, failed } = formatSummary(summary);
  const json = JSON.stringify({ ...summary, invariants: invariantsOf(summary) }, replacer, 2);
  // Both forms are kept beside the logs, whichever was printed.
  writeFileSync(join(logDir, 'summary.txt'), `${text}\n`);
  writeFileSync(join(logDir, 'summary.json'), `${json}\n`);
  console.log(args.json ? json : text);
  return failed ? 1 : 0;
}

/** Snapshots are for comparing; the report keeps their sizes. */
function replacer(key: string, value: unknown): unknown {
  if (key !== 'snapshot') return value;
  const s = value as SyncSnapshot;
  return {
    messages: s.messages.length,
    events: s.events.length,
    interactions: s.interactions.length,
    contacts: s.contacts.size,
    duplicateRows: s.duplicateRows,
  };
}

process.exitCode = await main();
