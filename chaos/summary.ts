/**
 * The chaos run's report: what was injected, which invariants held, and the figures that
 * must be 0 (duplicates, lost records, crashes). `failed` is true when any invariant failed.
 */
import type { DigestChaosResult } from '../testkit/chaos/digest-scenario.ts';
import type { FuzzResult } from './fuzz-scenario.ts';
import type { Comparison } from '../testkit/chaos/sync-snapshot.ts';
import type { SyncRunResult } from '../testkit/chaos/sync-scenario.ts';

export interface ChaosSummary {
  scale: number;
  seed: number;
  startedAt: string;
  durationMs: number;
  sync: { part: 'crash' | 'faults'; run: SyncRunResult; comparison: Comparison; reference: { durationMs: number } }[];
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
    invariants.push({
      part: 'digest',
      name: 'no user-week received two digests',
      ok: d.duplicateDeliveries === 0 && d.duplicateReceipts === 0,
      detail: `${d.duplicateDeliveries} accepted twice, ${d.duplicateReceipts} possibly delivered twice (accepted or dropped after the final dot)`,
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
  }
  if (summary.digest) {
    const d = summary.digest;
    duplicates += d.duplicateDeliveries + d.duplicateReceipts;
    lines.push(
      '',
      `digest: ${d.users} user-weeks, ${d.sendAttempts} messages reached the sink, ${d.accepted} accepted by the SMTP sink, ${d.kills} worker kills in ${Math.round(d.durationMs / 1000)} s`,
      `  duplicates ${d.duplicateDeliveries} (accepted twice), ${d.duplicateReceipts} (possibly delivered twice: accepted, or dropped after the final dot)`,
      `  statuses: ${Object.entries(d.statuses)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}`,
      `  remaining window — digests that never reached the user: ${d.missed} of ${d.users} (${((100 * d.missed) / Math.max(1, d.users)).toFixed(1)}%): ` +
        `${d.missedInSending} killed between recording the send and SMTP's answer, ${d.missedGivenUp} refused by SMTP ${5} times; ` +
        `${d.deliveredNotRecorded} reached the sink though the row never saw the 250`,
      `  ${d.statuses.sending ?? 0} left in sending (${d.sendingBeforeStop} before the workers were stopped): ${(d.kills > 0 ? (d.statuses.sending ?? 0) / d.kills : 0).toFixed(1)} per kill`,
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
