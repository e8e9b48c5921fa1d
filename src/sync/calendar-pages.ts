import type { Sql } from 'postgres';
import type { ProviderAccount } from '../providers/types.ts';
import { ingestCalendar, type CalendarIngestTarget } from './ingest-calendar.ts';
import type { CommittedPage } from './mail-pages.ts';

/** Reads calendar pages one after another, committing each before yielding it. */
export async function* readCalendarPages(
  cursor: unknown,
  options: { sql: Sql; provider: ProviderAccount; target: CalendarIngestTarget; maxPages: number },
): AsyncGenerator<CommittedPage> {
  for (let listed = 0; listed < options.maxPages; listed++) {
    const page = await options.provider.calendar.nextPage(cursor);
    await ingestCalendar(options.sql, options.target, page.events, page.replaced);
    let oldest: Date | null = null;
    for (const e of page.events) if (e.start && (!oldest || e.start < oldest)) oldest = e.start;
    yield { items: page.events.length, oldest, caughtUp: page.caughtUp, phase: page.phase, cursor: page.cursor };
    if (page.caughtUp) return;
    cursor = page.cursor;
  }
}
