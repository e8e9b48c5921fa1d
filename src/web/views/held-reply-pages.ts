/** The pages of a held reply's link (GET and POST /replies/confirm/:token): what the reply asks for, and what applying it did. */
import { formatDate } from '../../digest/render-digest.ts';
import type { HeldReply } from '../../replies/held-replies.ts';
import { describeCommand } from '../../replies/parse-commands.ts';
import { type ConfirmationContent, renderConfirmation } from '../../replies/render-confirmation.ts';
import { resolveEntries } from '../../replies/resolve-entries.ts';
import type { DigestEntryName } from '../digest-entry-names.ts';
import { esc } from '../html.ts';

/** Each command of the held reply, with the people of the list it names, and the button that applies it. */
export function heldReplyPage(token: string, held: HeldReply, items: DigestEntryName[]): string {
  const asked = held.commands.map((command) => {
    const resolution = resolveEntries(command, items);
    const people = resolution.ok
      ? resolution.positions.map((p) => items.find((i) => i.position === p)!).map((i) => `${i.position}. ${i.name ?? i.email}`)
      : [];
    return `<li><code>${esc(describeCommand(command))}</code>${people.length ? ` — ${esc(people.join(', '))}` : ''}</li>`;
  });
  const sentAt = held.digest.sentAt ?? new Date();
  return `<h1>Apply this reply?</h1>
<p>A reply to your list of ${esc(formatDate(sentAt, held.digest.timezone))} came from <strong>${esc(held.sender ?? 'an unknown sender')}</strong>, and rekindle could not tell it was you, so it has not been applied.</p>
<p>It asks for:</p>
<ul>${asked.join('')}</ul>
<form method="post" action="/replies/confirm/${esc(token)}"><button type="submit">Apply it</button></form>
<p>If it was not you, close this page: nothing changes.</p>`;
}

/** The confirmation a reply's sender would have been mailed, and (`undoAction`: its signed undo URL) a button that takes it back. */
export function heldReplyAppliedPage(content: ConfirmationContent, undoAction: string | null): string {
  const text = renderConfirmation(content)
    .split('\n')
    .slice(2)
    .join('\n')
    .replace(
      /Changed your mind\? Reply with: undo/,
      undoAction ? 'Changed your mind? Reply “undo” to your list, or take it back here.' : 'Changed your mind? Reply “undo” to your list.',
    );
  const undo = undoAction
    ? `<form method="post" action="${esc(undoAction)}"><button type="submit" class="secondary">Take it back</button></form>`
    : '';
  return `<h1>Done</h1><pre class="confirmation">${esc(text.trim())}</pre>${undo}`;
}
