import { readFile } from 'node:fs/promises';
import { parseIcs, type IcsReadResult } from '../mail/ical-events.ts';

export { HORIZON_DAYS, MAX_OCCURRENCES, parseIcs, type IcsReadResult } from '../mail/ical-events.ts';

/** The events of an iCalendar file (`rekindle import ics`), read as src/mail/ical-events.ts reads any iCalendar. */
export async function readIcs(
  file: string,
  owner: ReadonlySet<string>,
  now: Date,
  normalize: (email: string) => string | null,
): Promise<IcsReadResult> {
  return parseIcs(await readFile(file, 'utf8'), owner, now, normalize);
}
