/**
 * The chaos run's report: what was injected, which invariants held, and the figures that
 * must be 0 (duplicates, lost records, crashes); for outages, how the probed web server
 * answered. `failed` is true when any invariant failed.
 */
import { DIGEST_MAX_ATTEMPTS } from '../src/digest/schedule-digests.ts';
import type { DigestChaosResult } from '../testkit/chaos/digest-scenario.ts';
import type { FuzzResult } from './fuzz-scenario.ts';
import type { Comparison } from '../testkit/chaos/sync-snapshot.ts';
import type { SyncRunResult } from '../testkit/chaos/sync-scenario.ts';
import { PROBE_TIMEOUT_MS, type PhaseProbes } from '../testkit/chaos/web-prober.ts';

export interface ChaosSummary {
  scale: number;
  seed: number;
  /** How long each outage lasted (null: no outage part). */
  outageSeconds: number | null;
  startedAt: string;
  durationMs: number;
  sync: { part: 'crash' | 'faults' | 'outage'; run: SyncRunResult; comparison: Comparison; reference: { durationMs: number } }[];
  digest: DigestChaosResult | null;
  fuzz: FuzzResult | null;
  logDir: string;
}

export interface Invariant {
  part: string;
  name: string;
  ok: boolean;
  detail: string;
}

export function invariantsOf(summary: ChaosSummary): Invariant[] {
  const invariants: Invariant[] = [];
  for (const { part, run, comparison } of summary.sync) {
    for (const check of run.checks) invariants.push({ part, ...check });
    invariants.push({ part, name: 'no record lost', ok: comparison.lost === 0, detail: `${comparison.lost} lost` });
    invariants.push({ part, name: 'no duplicate row', ok: comparison.duplicates === 0, detail: `${comparison.duplicates} duplicates` });
    invariants.push({
      part,
      name: 'contacts equal the undisturbed run’s',
      ok: comparison.contactsDiffering === 0,
      detail: `${run.snapshot.contacts.size} contacts, ${comparison.contactsDiffering} differ`,
    });
    if (run.web) invariants.push(...webInvariants(part, run));
    invariants.push({
      part,
      name: 'cursors equal the undisturbed run’s',
      ok: comparison.cursorsDiffering === 0,
      detail:
        `${comparison.cursorsDiffering} differ` + (run.cursorExpiries > 0 ? ' (expired ones: at the provider’s current position)' : ''),
    });
  }
  if (summary.digest) {
    const d = summary.digest;
    const m = d.mailbox;
    invariants.push({
      part: 'digest',
      name: 'no user-week received two digests',
      ok: d.duplicateDeliveries === 0 && m.duplicates === 0,
      detail: `${d.duplicateDeliveries} accepted twice by the sink, ${m.duplicates} extra copies in the users' mailboxes`,
    });
    invariants.push({
      part: 'digest',
      name: 'every user-week delivered to the mailbox',
      ok: m.delivered === d.users,
      detail: `${m.delivered} of ${d.users}; unknown-outcome window ${m.windowDelivered} of ${m.window}`,
    });
    invariants.push({
      part: 'digest',
      name: 'every unknown outcome resolved',
      ok: m.unresolved === 0,
      detail: `${m.unresolved} still unknown or sending (${m.windowFound} found in the mailbox, ${m.windowResent} sent again)`,
    });
    invariants.push({
      part: 'digest',
      name: 'one digest row per user-week',
      ok: d.rows === d.users,
      detail: `${d.rows} rows for ${d.users} users`,
    });
    invariants.push({
      part: 'digest',
      name: 'every digest settled on its own',
      ok: d.unsettled === 0,
      detail: `${d.unsettled} still queued or preparing`,
    });
  }
  if (summary.fuzz) {
    for (const t of summary.fuzz.targets) {
      invariants.push({ part: 'fuzz', name: `${t.name}: no crash`, ok: t.crashes === 0, detail: t.failure ?? `${t.cases} cases` });
      invariants.push({
        part: 'fuzz',
        name: `${t.name}: bounded time and memory`,
        ok: t.slowestCaseMs <= summary.fuzz.slowCaseLimitMs && t.heapGrowthMb <= summary.fuzz.heapLimitMb,
        detail: `slowest case ${t.slowestCaseMs} ms, heap +${t.heapGrowthMb} MB`,
      });
    }
  }
  return invariants;
}

export function formatSummary(summary: ChaosSummary): { text: string; failed: boolean } {
  const lines: string[] = [];
  const invariants = invariantsOf(summary);
  const failed = invariants.some((i) => !i.ok);
  lines.push(
    `rekindle chaos — scale ${summary.scale}, seed ${summary.seed}, ${Math.round(summary.durationMs / 1000)} s, ${summary.startedAt}`,
  );

  const faults = new Map<string, number>();
  const add = (kind: string, n: number) => n > 0 && faults.set(kind, (faults.get(kind) ?? 0) + n);
  for (const { run } of summary.sync) {
    add('worker SIGKILL', run.kills);
    add('postgres crash-restart', run.postgresRestarts);
    add('redis flush', run.redisFlushes);
    add(`redis outage (${summary.outageSeconds} s, data kept)`, run.redisOutages);
    add(`postgres outage (${summary.outageSeconds} s, clean stop)`, run.postgresOutages);
    add('cursor expiry (all cursors)', run.cursorExpiries);
    for (const [kind, n] of Object.entries(run.faults)) add(`provider ${kind.replace('status:', 'HTTP ').replace('wire:', '')}`, n);
  }
  if (summary.digest) {
    add('digest worker SIGKILL', summary.digest.kills);
    for (const [kind, n] of Object.entries(summary.digest.smtpFaults)) add(`SMTP ${kind}`, n);
  }
  lines.push('', 'faults injected');
  for (const [kind, n] of [...faults].sort()) lines.push(`  ${kind.padEnd(34)} ${n}`);

  let lost = 0;
  let duplicates = 0;
  for (const { part, run, comparison, reference } of summary.sync) {
    lost += comparison.lost;
    duplicates += comparison.duplicates;
    lines.push(
      '',
      `${part}: ${run.snapshot.messages.length} messages, ${run.snapshot.events.length} events, ${run.snapshot.interactions.length} interactions, ${run.snapshot.contacts.size} contacts in ${Math.round(run.durationMs / 1000)} s (undisturbed ${Math.round(reference.durationMs / 1000)} s); ${run.workerStarts} worker starts, ${run.fullResyncs} full resyncs`,
      `  lost ${comparison.lost}, duplicates ${comparison.duplicates}, contacts differing ${comparison.contactsDiffering}, cursors differing ${comparison.cursorsDiffering}`,
    );
    for (const example of comparison.examples.slice(0, 5)) lines.push(`    ${example}`);
    if (run.web) lines.push(...webLines(run));
  }
  if (summary.digest) {
    const d = summary.digest;
    const m = d.mailbox;
    duplicates += d.duplicateDeliveries + m.duplicates;
    const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;
    lines.push(
      '',
      `digest: ${d.users} user-weeks, ${d.sendAttempts} messages reached the sink, ${d.accepted} accepted by the SMTP sink, ${d.kills} worker kills in ${Math.round(d.durationMs / 1000)} s`,
      `  statuses: ${Object.entries(d.statuses)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}`,
      `  in the users' mailboxes: ${m.delivered} of ${d.users} user-weeks delivered (${pct(m.delivered, d.users)}), ${m.duplicates} extra copies; ${d.duplicateDeliveries} accepted twice by the sink`,
      `  unknown-outcome window (dropped after DATA, or left sending by a killed worker): ${m.window} user-weeks, ` +
        `${m.windowDelivered} delivered (${pct(m.windowDelivered, m.window)}), ${m.windowDuplicates} duplicates in the mailbox; ` +
        `${m.windowFound} found in the synced mailbox, ${m.windowResent} sent again with the same Message-ID, ${m.unresolved} unresolved`,
      `  not delivered: ${d.missed} (${d.missedInSending} unresolved, ${d.missedGivenUp} refused by SMTP ${DIGEST_MAX_ATTEMPTS} times); ` +
        `${d.deliveredNotRecorded} accepted by the sink though the row is not sent`,
    );
  }
  if (summary.fuzz) {
    const cases = summary.fuzz.targets.reduce((n, t) => n + t.cases, 0);
    const crashes = summary.fuzz.targets.reduce((n, t) => n + t.crashes, 0);
    lines.push('', `fuzz: ${cases} cases, ${crashes} crashes`);
    for (const t of summary.fuzz.targets) {
      lines.push(
        `  ${t.name.padEnd(34)} ${String(t.cases).padStart(7)} cases, ${t.crashes} crashes, slowest ${t.slowestCaseMs} ms, heap +${t.heapGrowthMb} MB, ${Math.round(t.durationMs / 1000)} s`,
      );
    }
  }
  lines.push('', `invariants: ${invariants.filter((i) => i.ok).length} of ${invariants.length} held`);
  for (const i of invariants) lines.push(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.part.padEnd(7)} ${i.name} — ${i.detail}`);
  lines.push(
    '',
    `duplicates found: ${duplicates}   lost records: ${lost}   fuzz crashes: ${summary.fuzz?.targets.reduce((n, t) => n + t.crashes, 0) ?? 0}`,
  );
  lines.push(`worker logs: ${summary.logDir}`);
  return { text: lines.join('\n'), failed };
}

/** What the probed `rekindle serve` said, phase by phase. */
function webLines(run: SyncRunResult): string[] {
  const lines = ['  web (rekindle serve probed every 0.5 s: /healthz, /readyz, / and the rate-limited /connect/google)'];
  for (const p of run.web!) {
    const routes = Object.entries(p.statuses)
      .map(
        ([route, statuses]) =>
          `${route} ${Object.entries(statuses)
            .map(([status, n]) => `${status}×${n}`)
            .join(' ')}`,
      )
      .join('; ');
    lines.push(`    ${p.phase.padEnd(15)} ${p.answered} of ${p.probes} answered, worst ${p.worstMs} ms — ${routes}`);
  }
  for (const [server, ms] of Object.entries(run.readyAgainMs)) {
    lines.push(`    /readyz 200 again ${ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`} after ${server} was back`);
  }
  return lines;
}

function webInvariants(part: string, run: SyncRunResult): Invariant[] {
  const phases = run.web!;
  const probes = phases.reduce((n, p) => n + p.probes, 0);
  const answered = phases.reduce((n, p) => n + p.answered, 0);
  const worst = Math.max(0, ...phases.map((p) => p.worstMs));
  const invariants: Invariant[] = [
    {
      part,
      name: 'the web answered every probe',
      ok: probes > 0 && answered === probes,
      detail: `${answered} of ${probes} within ${PROBE_TIMEOUT_MS / 1000} s, worst ${worst} ms`,
    },
  ];
  for (const server of Object.keys(run.readyAgainMs)) {
    const down: PhaseProbes | undefined = phases.find((p) => p.phase === `${server} down`);
    const unready = down?.statuses.readyz['503'] ?? 0;
    invariants.push({
      part,
      name: `/readyz said 503 while ${server} was down`,
      ok: unready > 0 && down?.lastReady === '503',
      detail: down
        ? `${Object.entries(down.statuses.readyz)
            .map(([s, n]) => `${s}×${n}`)
            .join(' ')}`
        : 'no probe while it was down',
    });
    const after = run.readyAgainMs[server];
    invariants.push({
      part,
      name: `/readyz said 200 again after ${server} was back`,
      ok: after !== null && after !== undefined,
      detail: after == null ? 'never' : `after ${(after / 1000).toFixed(1)} s`,
    });
  }
  return invariants;
}
