/**
 * The first sync's progress as a bar. Providers say nothing of how much history a mailbox
 * holds, so the bar counts what is known: the two parts of a first sync (mail, calendar)
 * finished; while neither has, it is an indeterminate bar (moving, no share claimed). The text
 * beside it says how far each part got.
 */
import { esc, formatDay } from '../html.ts';
import type { MailboxStatus } from '../user-status.ts';

export function syncBar(m: MailboxStatus, tz: string): string {
  if (m.state === 'imported' || m.state === 'needs_reauth') return '';
  if (m.state === 'synced')
    return '<p class="sync-progress"><progress value="1" max="1" aria-label="First sync: done"></progress> <span>First sync done.</span></p>';
  const part = (label: string, stream: MailboxStatus['mail'], items: string) =>
    !stream
      ? `${label}: not started`
      : stream.backfillCompletedAt
        ? `${label}: done`
        : `${label}: reading${label === 'mail' && stream.backfillOldestAt ? `, back to ${formatDay(stream.backfillOldestAt, tz)} so far` : ''} (${stream.items} ${items})`;
  const finished = [m.mail, m.calendar].filter((x) => x?.backfillCompletedAt).length;
  const text = `First sync — ${part('mail', m.mail, m.mail?.items === 1 ? 'message' : 'messages')}; ${part('calendar', m.calendar, m.calendar?.items === 1 ? 'event' : 'events')}.`;
  const bar =
    finished === 0
      ? `<progress aria-label="${esc(text)}"></progress>`
      : `<progress value="${finished}" max="2" aria-label="${esc(text)}"></progress>`;
  return `<p class="sync-progress">${bar} <span>${esc(text)}</span></p>`;
}
