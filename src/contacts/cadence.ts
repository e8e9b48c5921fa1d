/**
 * A gap of at most this many days continues the same conversation (a thread answered the
 * next day, over a weekend) rather than separating two of them.
 */
export const BURST_GAP_DAYS = 2;
/** Fewer separate silences than this say nothing about a rhythm: null. */
export const MIN_SILENCES = 2;
/** Contact with no silence at all needs this many days before "every day or two" is a rhythm. */
export const MIN_STEADY_DAYS = 4;

/**
 * The typical gap, in days, between conversations with one person, from the sorted
 * distinct (UTC) day numbers on which they were in touch.
 *
 * Robust to bursts: a ten-message exchange over three days followed by three months of
 * silence is one conversation, not three, so gaps of up to BURST_GAP_DAYS are set aside and
 * the cadence is the median of the longer gaps (the silences between conversations). The
 * median, not the mean, so one long break does not swamp years of a steady rhythm. When
 * there are no silences at all (people in touch every day or two) the cadence is the median
 * of the short gaps instead. Below MIN_SILENCES silences (or MIN_STEADY_DAYS steady days)
 * there is not enough evidence and the answer is null.
 */
export function cadenceDays(sortedDays: readonly number[]): number | null {
  const gaps: number[] = [];
  const silences: number[] = [];
  for (let i = 1; i < sortedDays.length; i++) {
    const gap = sortedDays[i]! - sortedDays[i - 1]!;
    gaps.push(gap);
    if (gap > BURST_GAP_DAYS) silences.push(gap);
  }
  if (silences.length >= MIN_SILENCES) return median(silences);
  if (silences.length === 0 && sortedDays.length >= MIN_STEADY_DAYS) return median(gaps);
  return null;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  return values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
}
