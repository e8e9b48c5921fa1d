/**
 * A person's rhythm at a glance: one bar per month of personal messages and meetings over the
 * last two years, as inline SVG (no script, no remote resource, only presentation attributes:
 * the pages' Content Security Policy forbids inline styles). The picture carries its own text
 * equivalent — a <title> and the same words as its accessible name — so a screen reader, or a
 * browser that shows no SVG, says what the bars show. Pure: counts and dates in, markup out.
 */
import { esc, formatDay } from './html.ts';

/** Months shown: two years, the current month last. */
export const RHYTHM_MONTHS = 24;

const BAR = 4;
const GAP = 1;
const HEIGHT = 24;
/** The tallest bar leaves this much room at the top; a month with any exchange is at least MIN_BAR tall. */
const HEADROOM = 2;
const MIN_BAR = 2;

export interface RhythmInput {
  /** Personal messages and meetings per month, oldest first, the current month last. */
  counts: readonly number[];
  /** The latest of them (null when there was none in the window). */
  lastAt: Date | null;
  /** The user's timezone, for the date in the text. */
  timezone: string;
}

/** The sentence the picture stands for: "14 messages or meetings in the last 24 months; the last on 3 March 2026." */
export function rhythmText(input: RhythmInput): string {
  checkCounts(input.counts);
  const total = input.counts.reduce((sum, n) => sum + n, 0);
  const months = input.counts.length;
  const span = months === 1 ? 'this month' : `the last ${months} months`;
  if (total === 0) return `No messages or meetings with them in ${span}.`;
  const what = total === 1 ? '1 message or meeting' : `${total} messages or meetings`;
  return `${what} with them in ${span}${input.lastAt ? `; the last on ${formatDay(input.lastAt, input.timezone)}` : ''}.`;
}

/** The SVG: a faint baseline, and one bar per month with any exchange, scaled to the busiest month. */
export function rhythmSparkline(input: RhythmInput): string {
  const text = rhythmText(input);
  const { counts } = input;
  const width = counts.length * (BAR + GAP) - GAP;
  const most = Math.max(0, ...counts);
  const bars = counts
    .map((count, i) => {
      if (count === 0) return '';
      const height = Math.max(MIN_BAR, Math.round((count / most) * (HEIGHT - HEADROOM)));
      // The current month is still running: drawn lighter, since it is not over yet.
      const fill = i === counts.length - 1 ? '#d9a58c' : '#b4532a';
      return `<rect x="${i * (BAR + GAP)}" y="${HEIGHT - height}" width="${BAR}" height="${height}" fill="${fill}"/>`;
    })
    .join('');
  return `<svg class="rhythm" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(text)}" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}"><title>${esc(text)}</title><line x1="0" y1="${HEIGHT - 0.5}" x2="${width}" y2="${HEIGHT - 0.5}" stroke="#e6e2da" stroke-width="1"/>${bars}</svg>`;
}

/**
 * Monthly counts as the picture takes them: `months` entries ending with `endMonth`
 * (`YYYY-MM`), zero where a month has no row. Rows outside the window are left out.
 */
export function monthlySeries(rows: readonly { month: string; count: number }[], endMonth: string, months = RHYTHM_MONTHS): number[] {
  const end = parseMonth(endMonth);
  const series = new Array<number>(months).fill(0);
  for (const row of rows) {
    const at = parseMonth(row.month);
    const back = end - at;
    if (back < 0 || back >= months) continue;
    series[months - 1 - back]! += row.count;
  }
  return series;
}

/** `YYYY-MM` as a month number (year × 12 + month), for counting months apart. */
function parseMonth(month: string): number {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) throw new RangeError(`not a month: ${month}`);
  return Number(match[1]) * 12 + Number(match[2]) - 1;
}

function checkCounts(counts: readonly number[]): void {
  if (counts.length === 0) throw new RangeError('a rhythm needs at least one month');
  for (const n of counts) if (!Number.isInteger(n) || n < 0) throw new RangeError(`not a count: ${n}`);
}
