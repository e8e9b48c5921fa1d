/** Earliest plausible date of an e-mail; anything older is a broken Date header. */
const EARLIEST = Date.UTC(1971, 0, 1);
/** Clocks drift; a message dated more than a day ahead is not trusted. */
const FUTURE_SLACK_MS = 24 * 60 * 60 * 1000;

/**
 * Parses an RFC 5322 Date header, tolerating the common deviations (missing weekday, named
 * zones, trailing comments, two-digit years). Returns null for anything implausible.
 */
export function parseMailDate(value: string | null | undefined, now: number = Date.now()): Date | null {
  if (!value) return null;
  const cleaned = value
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    // "Mon, 1 Jan 01 10:00:00" → four-digit year, the way RFC 5322 §4.3 reads it.
    .replace(/^((?:\w{3},\s*)?\d{1,2} \w{3} )(\d{2})( )/, (_, a: string, yy: string, b: string) => {
      const year = Number(yy);
      return `${a}${year < 50 ? 2000 + year : 1900 + year}${b}`;
    });
  const ms = Date.parse(cleaned);
  if (Number.isNaN(ms) || ms < EARLIEST || ms > now + FUTURE_SLACK_MS) return null;
  return new Date(ms);
}
