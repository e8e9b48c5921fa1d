/**
 * How rekindle writes a date for a person, in one style on every page and in every mail: the
 * day, the month in full and the year, "2 December 2026", in the reader's timezone. An instant
 * (when the next digest goes, when something was done) adds the weekday and the time:
 * "Wednesday, 2 December 2026 at 14:00 GMT". Weeks are named by their first day the same way.
 *
 * Building an Intl.DateTimeFormat costs far more than formatting with one (a third of a
 * digest's CPU, measured by `npm run bench`): one per timezone and kind, kept.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

function formatter(kind: 'date' | 'instant', timeZone: string): Intl.DateTimeFormat {
  const key = `${kind} ${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    format =
      kind === 'date'
        ? new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone })
        : new Intl.DateTimeFormat('en-GB', {
            weekday: 'long',
            day: 'numeric',
            month: 'long',
            year: 'numeric',
            hour: '2-digit',
            minute: '2-digit',
            timeZone,
            timeZoneName: 'short',
          });
    formats.set(key, format);
  }
  return format;
}

/** `2 December 2026`, the day it is in `timezone`. */
export function formatDate(date: Date, timezone: string): string {
  return formatter('date', timezone).format(date);
}

/** A calendar day as stored (`2026-11-30`, a digest's week) in the same style: `30 November 2026`. */
export function formatCalendarDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? day : formatter('date', 'UTC').format(date);
}

/** `Wednesday, 2 December 2026 at 14:00 GMT`. */
export function formatInstant(date: Date, timezone: string): string {
  return formatter('instant', timezone).format(date);
}
