/**
 * When a user's digest is due: the most recent occurrence of their digest day and hour in
 * their own timezone, and the week it belongs to. Pure; the clock is a parameter.
 */

export interface DigestScheduleSetting {
  /** 0 = Sunday … 6 = Saturday. */
  day: number;
  /** 0–23, local. */
  hour: number;
  /** IANA timezone, e.g. `Europe/Berlin`. */
  timezone: string;
}

const DAY = 86_400_000;

/**
 * The week (its Monday, `YYYY-MM-DD`, in the user's timezone) of the latest digest slot at or
 * before `now`. One digest per user and week: the week is the key that keeps it to one.
 * Null for a timezone the runtime does not know.
 */
export function currentDigestWeek(now: Date, schedule: DigestScheduleSetting): string | null {
  const local = localParts(now, schedule.timezone);
  if (!local) return null;
  const today = Date.UTC(local.year, local.month - 1, local.day);
  const weekday = new Date(today).getUTCDay();
  let back = (weekday - schedule.day + 7) % 7;
  if (back === 0 && local.hour < schedule.hour) back = 7;
  const slotDay = new Date(today - back * DAY);
  const monday = new Date(slotDay.getTime() - ((slotDay.getUTCDay() + 6) % 7) * DAY);
  return monday.toISOString().slice(0, 10);
}

const formats = new Map<string, Intl.DateTimeFormat | null>();

function localParts(now: Date, timezone: string): { year: number; month: number; day: number; hour: number } | null {
  let format = formats.get(timezone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        hourCycle: 'h23',
      });
    } catch {
      format = null;
    }
    formats.set(timezone, format);
  }
  if (!format) return null;
  const parts = Object.fromEntries(format.formatToParts(now).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour) };
}

/** True for a timezone name the runtime knows. */
export function isKnownTimezone(timezone: string): boolean {
  return localParts(new Date(0), timezone) !== null;
}
