/**
 * Days within this many days of a conversation's first day belong to that conversation: the
 * answer the next day, the follow-up over the weekend. Bounded from the first day rather
 * than chained from day to day, so daily contact still splits into conversations instead of
 * merging into one endless one.
 */
export const CONVERSATION_WINDOW_DAYS = 2;
/** At least this many gaps (three separate conversations) before a rhythm is claimed. */
export const MIN_GAPS = 2;
/** Gaps longer than this quantile of all gaps weigh no more than it (see cadenceDays). */
export const LONG_GAP_QUANTILE = 0.75;

/**
 * The typical gap, in days, between conversations with one person, from the sorted distinct
 * (UTC) day numbers on which they were in touch; null below MIN_GAPS gaps.
 *
 * 1. Days are grouped into conversations (CONVERSATION_WINDOW_DAYS), so ten messages over
 *    three days followed by three months of silence are one conversation, not ten.
 * 2. The cadence is the length-weighted median of the gaps between conversation starts: the
 *    gap that half of the relationship's time is spent in. Weighting by length keeps quick
 *    follow-ups from posing as the rhythm (a quarterly mentor with a scheduling mail a week
 *    before each meeting is "every ~3 months", not "every week"), where a plain median of
 *    alternating 7- and 84-day gaps would say 7.
 * 3. Each gap's weight is capped at the LONG_GAP_QUANTILE gap, so one long break cannot own
 *    the answer: a friend written to weekly, then not for a year, then weekly again, stays
 *    "weekly".
 *
 * The resolution is a few days: people in touch every day read as every three or four days,
 * which is all a reconnect reminder needs to know about them.
 */
export function cadenceDays(sortedDays: readonly number[]): number | null {
  const gaps: number[] = [];
  let start = -Infinity;
  for (const day of sortedDays) {
    if (day - start <= CONVERSATION_WINDOW_DAYS) continue;
    if (Number.isFinite(start)) gaps.push(day - start);
    start = day;
  }
  if (gaps.length < MIN_GAPS) return null;

  gaps.sort((a, b) => a - b);
  const cap = gaps[Math.ceil(LONG_GAP_QUANTILE * gaps.length) - 1]!;
  let total = 0;
  for (const gap of gaps) total += Math.min(gap, cap);
  let running = 0;
  for (const gap of gaps) {
    running += Math.min(gap, cap);
    if (running * 2 >= total) return gap;
  }
  return gaps.at(-1)!;
}
