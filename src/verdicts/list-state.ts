/**
 * Whether a user's weekly list goes out (the digest_paused_* and digest_stopped_at columns of
 * users), and how each list verdict moves it. The transitions are pure; the verdicts module is
 * the only writer.
 */
import type { TransactionSql } from 'postgres';
import { sameInstant, type ListState, type PauseReason } from './journal.ts';

export type ListVerb = 'pause' | 'resume' | 'stop' | 'bounce';

export async function readListState(tx: TransactionSql, userId: string): Promise<ListState | null> {
  const [row] = await tx<{ pausedAt: Date | null; pausedReason: PauseReason | null; stoppedAt: Date | null }[]>`
    select digest_paused_at as "pausedAt", digest_paused_reason as "pausedReason", digest_stopped_at as "stoppedAt" from users where id = ${userId}`;
  if (!row) return null;
  return { pausedAt: row.pausedAt?.toISOString() ?? null, pausedReason: row.pausedReason, stoppedAt: row.stoppedAt?.toISOString() ?? null };
}

export async function writeListState(tx: TransactionSql, userId: string, state: ListState): Promise<void> {
  await tx`
    update users set digest_paused_at = ${state.pausedAt}, digest_paused_reason = ${state.pausedReason}, digest_stopped_at = ${state.stoppedAt}
     where id = ${userId}`;
}

/**
 * - pause: the user's pause; it keeps the time of a pause already there, and makes it theirs.
 * - resume: no pause (of any reason) and no unsubscribe.
 * - stop: unsubscribed, since the first time.
 * - bounce: rekindle's pause after a hard bounce or a complaint; never replaces a pause already there.
 */
export function nextListState(state: ListState, verb: ListVerb, now: Date, reason: Exclude<PauseReason, 'user'> = 'bounced'): ListState {
  switch (verb) {
    case 'pause':
      return { ...state, pausedAt: state.pausedAt ?? now.toISOString(), pausedReason: 'user' };
    case 'resume':
      return { pausedAt: null, pausedReason: null, stoppedAt: null };
    case 'stop':
      return { ...state, stoppedAt: state.stoppedAt ?? now.toISOString() };
    case 'bounce':
      return state.pausedAt ? state : { ...state, pausedAt: now.toISOString(), pausedReason: reason };
  }
}

/** The two parts of the state a change can touch on its own: the pause and the unsubscribe. */
const PARTS: (keyof ListState)[][] = [['pausedAt', 'pausedReason'], ['stoppedAt']];

const samePart = (a: ListState, b: ListState, part: (keyof ListState)[]) =>
  part.every((field) => (field === 'pausedReason' ? a[field] === b[field] : sameInstant(a[field], b[field])));

export function sameListState(a: ListState, b: ListState): boolean {
  return PARTS.every((part) => samePart(a, b, part));
}

/**
 * Takes back a change from `before` to `after` out of the current state, part by part: a part
 * is restored only while it still holds what the change wrote (a later pause, resume or bounce
 * stays). Null when no part could be restored; `conflict` when some part had changed since.
 */
export function takeBackList(current: ListState, before: ListState, after: ListState): { state: ListState | null; conflict: boolean } {
  let state: ListState | null = null;
  let conflict = false;
  for (const part of PARTS) {
    if (samePart(before, after, part)) continue;
    if (!samePart(current, after, part)) {
      conflict = true;
      continue;
    }
    const next: Record<string, unknown> = { ...(state ?? current) };
    for (const field of part) next[field] = before[field];
    state = next as unknown as ListState;
  }
  return { state, conflict };
}
