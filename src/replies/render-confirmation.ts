/**
 * The answer to a reply: what was done, to whom, and which lines were not understood. Like
 * the digest it starts with the quote sentinel and no line of it starts with a verb, so a
 * reply to the confirmation ("undo") never reads the confirmation itself as commands.
 */
import { QUOTE_SENTINEL, formatDate } from '../digest/render-digest.ts';

export interface AppliedChange {
  position: number;
  name: string;
  verb: 'done' | 'snooze' | 'never';
  until: Date | null;
}

export interface ConfirmationContent {
  changes: AppliedChange[];
  /** Entries of the reply's undo, restored to what they were before. */
  undone: { name: string; position: number }[];
  /** An undo found nothing to take back. */
  nothingToUndo: boolean;
  unsubscribed: boolean;
  /** Lines not understood, and commands naming a number the list does not have. */
  ignored: string[];
  timezone: string;
  /** Set when the reply changed nothing for a reason the person should know. */
  notice?: string;
}

export function renderConfirmation(content: ConfirmationContent): string {
  const lines = [`${QUOTE_SENTINEL} your reply`, ''];
  if (content.notice) lines.push(content.notice, '');
  const names = (verb: AppliedChange['verb']) => content.changes.filter((c) => c.verb === verb);
  const list = (items: { position: number; name: string }[]) => items.map((c) => `  ${c.position}. ${c.name}`);
  const done = names('done');
  if (done.length) lines.push('Marked as written to (they come back once you have been in touch again and time has passed):', ...list(done), '');
  const snoozed = names('snooze');
  for (const until of [...new Set(snoozed.map((c) => c.until!.getTime()))]) {
    lines.push(`Snoozed until ${formatDate(new Date(until), content.timezone)}:`, ...list(snoozed.filter((c) => c.until!.getTime() === until)), '');
  }
  const never = names('never');
  if (never.length) lines.push('Not suggested again:', ...list(never), '');
  if (content.undone.length) lines.push('Taken back, as before your last reply:', ...list(content.undone), '');
  if (content.nothingToUndo) lines.push('There was nothing to take back.', '');
  if (content.unsubscribed) lines.push('You will get no more weekly lists.', '');
  if (content.ignored.length) lines.push('Not understood, so ignored:', ...content.ignored.map((l) => `  “${l}”`), '');
  if (content.changes.length === 0 && content.undone.length === 0 && !content.unsubscribed && !content.notice) {
    lines.push('Nothing was changed. Write one instruction per line, like these:', '  Wrote to 1 and 3?  Reply with: done 1 3', '  Not now for 2?     Reply with: snooze 2 1m', '');
  }
  if (content.changes.length > 0) lines.push('Changed your mind? Reply with: undo', '');
  return lines.join('\n');
}
