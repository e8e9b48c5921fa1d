/** Journal entries (src/verdicts/journal.ts) as a person reads them, on every page that shows or undoes one. */
import type { VerdictSource } from '../../db/schema.ts';
import type { JournalChange, JournalEntry } from '../../verdicts/journal.ts';
import type { Undone } from '../../verdicts/undo-verdicts.ts';
import { esc, formatDay, formatInstant } from '../html.ts';

/** Where a change was said, as a person reads it. */
export const SAID: Record<VerdictSource, string> = {
  reply: 'your reply',
  link: 'a digest link',
  settings: 'your settings',
  web: 'the “who is due” page',
  unsubscribe: 'the unsubscribe link',
  bounce: 'a bounce',
};

/** One change as a person reads it: "Ada Byron: marked done". */
export function describeChange(change: JournalChange, timezone: string): string {
  switch (change.kind) {
    case 'mark':
      return change.verb === 'done'
        ? `${change.name}: marked done`
        : change.verb === 'never'
          ? `${change.name}: never suggested again`
          : `${change.name}: snoozed${change.after?.until ? ` until ${formatDay(new Date(change.after.until), timezone)}` : ''}`;
    case 'met':
      return `${change.name}: counted as in touch on ${formatDay(new Date(change.after!), timezone)}`;
    case 'cadence':
      return change.after === null
        ? `${change.name}: back to the rhythm learned from your mail`
        : `${change.name}: expected about every ${Math.round(change.after)} days`;
    case 'list':
      return change.verb === 'pause'
        ? 'Your weekly list: paused'
        : change.verb === 'resume'
          ? 'Your weekly list: on again'
          : change.verb === 'stop'
            ? 'Your weekly list: unsubscribed'
            : 'Your weekly list: its pause or subscription';
  }
}

/** The undo link's question (GET /undo/:token): what the entry changed, and the button that takes it back. */
export function undoQuestionPage(token: string, entry: JournalEntry, timezone: string): string {
  return `<h1>Take it back?</h1>
<p>What ${esc(SAID[entry.source])} changed on ${esc(formatInstant(entry.appliedAt, timezone))}:</p>
<ul id="changes">${entry.changes.map((c) => `<li>${esc(describeChange(c, timezone))}</li>`).join('')}</ul>
<form method="post" action="/undo/${esc(token)}"><button type="submit">Take it back</button></form>
<p class="muted">Anything changed again since stays as it is. Nothing changes until you press the button.</p>`;
}

/** What taking an entry back did: the changes restored, and those left because they changed again since. */
export function takenBackPage(undone: Pick<Undone, 'source' | 'restored' | 'kept'>, timezone: string): string {
  const list = (changes: JournalChange[]) => `<ul>${changes.map((c) => `<li>${esc(describeChange(c, timezone))}</li>`).join('')}</ul>`;
  return `<h1>Taken back</h1>
${undone.restored.length ? `<p id="result">Back to how it was before ${esc(SAID[undone.source])}:</p>${list(undone.restored)}` : ''}
${undone.kept.length ? `<p id="kept">Left as it is, because it changed again since:</p>${list(undone.kept)}` : ''}`;
}
