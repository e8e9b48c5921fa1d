import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from 'postgres';

export const seconds = (ms: number) => Math.round(ms) / 1000;
export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export function loadAverage(): [number, number, number] {
  const [a, b, c] = loadavg();
  return [round(a!), round(b!), round(c!)];
}

/** Resident set and its peak (VmRSS, VmHWM) of a process, in MB; null when it is gone. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { rssMb: round(field('VmRSS'), 1), peakMb: round(field('VmHWM'), 1) };
  } catch {
    return null;
  }
}

/** Polls `check` until it returns something, or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Percentiles of a list of numbers (nearest rank). */
export function percentiles(values: number[], points = [50, 90, 99, 100]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const result: Record<string, number> = {};
  for (const p of points) {
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    result[p === 100 ? 'max' : `p${p}`] = sorted.length === 0 ? 0 : round(sorted[index]!, 3);
  }
  return result;
}

/** CPU seconds (user + system) a process has used so far; null when it is gone. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The machine's busy and total CPU time so far (all cores), from /proc/stat, in seconds. */
function machineCpu(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const ticks = values.map(Number);
  const idle = ticks[3]! + (ticks[4] ?? 0);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** Starts a measurement of how busy the whole machine is (every process, ours or not). */
export function machineBusy(): () => number {
  const start = machineCpu();
  return () => {
    const end = machineCpu();
    return round((end.busy - start.busy) / Math.max(0.01, end.total - start.total), 2);
  };
}

/**
 * Transactions (statements outside one count one each) the database has run so far, by every
 * connection: read before and after a round to compare the work two processes ask of Postgres
 * with one's. Backends report when they end or go idle, so read it after the workers stopped.
 */
export async function postgresTransactions(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select (xact_commit + xact_rollback)::float8 as n from pg_stat_database where datname = current_database()`;
  return row?.n ?? 0;
}
