/**
 * What rekindle writes back about a reply: the confirmation of what was done (with an undo),
 * and the notice about a reply it did not apply because it could not tell the owner sent it
 * (with a link to confirm it). Like the digest, each starts with the marker line and no line
 * of it starts with a verb, so a reply to it ("undo") never reads it back as commands.
 */
import type { VerdictSource } from '../db/schema.ts';
import { QUOTE_SENTINEL, formatDate } from '../digest/render-digest.ts';
import { describeCommand, type ReplyCommand } from './parse-commands.ts';
import { MAX_COMMANDS, MAX_NOTICES_PER_USER_DAY } from './reply-limits.ts';

export interface AppliedChange {
  position: number;
  name: string;
  verb: 'done' | 'snooze' | 'never' | 'met' | 'every';
  /** snooze: until when. */
  until: Date | null;
  /** met: the day counted as being in touch. */
  on?: Date;
  /** every: the rhythm as written (`2m`), or `auto`. */
  rhythm?: string;
}

/** A person or a list setting named by what an undo took back. */
export interface UndoneItem {
  name: string;
  /** The number in the list it was said through; null when said elsewhere. */
  position: number | null;
}

export interface ConfirmationContent {
  changes: AppliedChange[];
  /** Entries of the reply's undo, restored to what they were before. */
  undone: UndoneItem[];
  /** An undo took back a pause, a resume or a stop. */
  undoneSettings?: boolean;
  /** Where what the undo took back had been said (one channel, or several). */
  undoneFrom?: VerdictSource[];
  /** What an undo left as it is, because it was changed again since. */
  kept?: UndoneItem[];
  /** A web page that takes this reply's changes back (absent when links cannot be signed here). */
  undoUrl?: string;
  /** An undo found nothing to take back. */
  nothingToUndo: boolean;
  unsubscribed: boolean;
  paused?: boolean;
  resumed?: boolean;
  /** `more`: a list of the next people was sent (how many), nobody was due, or too many were asked for. */
  more?: { sent: number } | { nobody: true } | { limit: number };
  /** Lines not understood, and commands naming a number or a name the list does not have. */
  ignored: string[];
  timezone: string;
  /** Set when the reply changed nothing for a reason the person should know. */
  notice?: string;
  /** Commands past the most one reply may carry (MAX_COMMANDS), not applied. */
  dropped?: number;
}

export function renderConfirmation(content: ConfirmationContent): string {
  const lines = [`${QUOTE_SENTINEL} your reply`, ''];
  if (content.notice) lines.push(content.notice, '');
  const names = (verb: AppliedChange['verb']) => content.changes.filter((c) => c.verb === verb);
  const list = (items: { position: number | null; name: string }[]) =>
    items.map((c) => (c.position === null ? `  ${c.name}` : `  ${c.position}. ${c.name}`));
  const done = names('done');
  if (done.length)
    lines.push('Marked as written to (they come back once you have been in touch again and time has passed):', ...list(done), '');
  const snoozed = names('snooze');
  for (const until of [...new Set(snoozed.map((c) => c.until!.getTime()))]) {
    lines.push(
      `Snoozed until ${formatDate(new Date(until), content.timezone)}:`,
      ...list(snoozed.filter((c) => c.until!.getTime() === until)),
      '',
    );
  }
  const never = names('never');
  if (never.length) lines.push('Not suggested again:', ...list(never), '');
  const met = names('met');
  for (const on of [...new Set(met.map((c) => c.on!.getTime()))]) {
    lines.push(
      `Counted as in touch on ${formatDate(new Date(on), content.timezone)}:`,
      ...list(met.filter((c) => c.on!.getTime() === on)),
      '',
    );
  }
  const every = names('every');
  for (const rhythm of [...new Set(every.map((c) => c.rhythm!))]) {
    lines.push(
      rhythm === 'auto' ? 'Back to the rhythm rekindle learned from your mail:' : `Expected to be in touch ${rhythmLabel(rhythm)}:`,
      ...list(every.filter((c) => c.rhythm === rhythm)),
      '',
    );
  }
  const before = undoneLabel(content.undoneFrom);
  if (content.undone.length) lines.push(`Taken back, as before ${before}:`, ...list(content.undone), '');
  if (content.undoneSettings) lines.push(`Your weekly list is back to how it was before ${before}.`, '');
  if (content.kept?.length) lines.push('Left as they are, because they changed again since:', ...list(content.kept), '');
  if (content.nothingToUndo) lines.push('There was nothing to take back.', '');
  if (content.paused) lines.push('Your weekly list is paused. Reply with "resume" to get it again.', '');
  if (content.resumed) lines.push('Your weekly list is on again; the next one comes on its usual day.', '');
  if (content.unsubscribed) lines.push('You will get no more weekly lists.', '');
  if (content.more) {
    if ('sent' in content.more)
      lines.push(
        `A list of ${content.more.sent} more ${content.more.sent === 1 ? 'person' : 'people'} is on its way in a separate email.`,
        '',
      );
    else if ('nobody' in content.more) lines.push('Nobody else is due for a note right now; your next list comes on its usual day.', '');
    else lines.push(`You asked for more ${content.more.limit} times this week already; your next list comes on its usual day.`, '');
  }
  if (content.dropped) lines.push(droppedLine(content.dropped), '');
  if (content.ignored.length) lines.push('Not understood, so ignored:', ...content.ignored.map((l) => `  “${l}”`), '');
  const changedSomething =
    content.changes.length > 0 ||
    content.undone.length > 0 ||
    Boolean(content.kept?.length) ||
    content.undoneSettings ||
    content.unsubscribed ||
    content.paused ||
    content.resumed ||
    content.more !== undefined;
  if (!changedSomething && !content.notice && !content.nothingToUndo) {
    lines.push(
      'Nothing was changed. Write one instruction per line, like these:',
      '  Wrote to 1 and 3?  Reply with: done 1 3',
      '  Not now for 2?     Reply with: snooze 2 1m',
      '  A break from the lists?  Reply with: pause',
      '',
    );
  }
  if (content.changes.length > 0 || content.paused || content.unsubscribed) {
    lines.push(
      'Changed your mind? Reply with: undo',
      ...(content.undoUrl ? [`Or take this reply back on the web: ${content.undoUrl}`] : []),
      '',
    );
  }
  return lines.join('\n');
}

/** The line about commands past the most one reply may carry. */
function droppedLine(dropped: number): string {
  return `${dropped} more ${dropped === 1 ? 'command was' : 'commands were'} not applied: a reply takes at most ${MAX_COMMANDS} commands. Send the rest in another reply.`;
}

/** `2m` → "every 2 months", `1w` → "every week". */
export function rhythmLabel(rhythm: string): string {
  const match = /^(\d+)([dwmy])$/.exec(rhythm);
  if (!match) return rhythm;
  const unit = { d: 'day', w: 'week', m: 'month', y: 'year' }[match[2] as 'd' | 'w' | 'm' | 'y'];
  return match[1] === '1' ? `every ${unit}` : `every ${match[1]} ${unit}s`;
}

/** What an undo restored things to "before": the channel the undone change came through. */
function undoneLabel(sources: VerdictSource[] | undefined): string {
  const distinct = [...new Set(sources ?? ['reply'])];
  if (distinct.length > 1) return 'your last changes';
  switch (distinct[0]) {
    case 'link':
      return 'your last click on a digest link';
    case 'settings':
      return 'your last change in settings';
    case 'web':
      return 'your last change on the “who is due” page';
    case 'unsubscribe':
      return 'you unsubscribed';
    default:
      return 'your last reply';
  }
}

export interface HeldNoticeContent {
  /** When the list the reply answered was sent. */
  digestSentAt: Date;
  timezone: string;
  /** Who the reply came from (the From address). */
  sender: string;
  /** Why it was not applied. */
  reason: 'sender' | 'unverified';
  /** What it asked for, each with the people it names (when they resolve). */
  commands: { command: ReplyCommand; people: string[] }[];
  /** Commands past the most one reply may carry: not kept, so the link does not apply them. */
  dropped?: number;
  /** The one-click link that applies it; absent when links cannot be signed here. */
  confirmUrl: string | null;
  expiresAt: Date;
}

/**
 * The notice to the owner, at the owner's own address, about a reply rekindle would not apply
 * on its own word. It never quotes the reply's text (a forger could write anything): only the
 * commands it read.
 */
export function renderHeldNotice(content: HeldNoticeContent): string {
  const why =
    content.reason === 'sender'
      ? `It came from ${content.sender}, which is not the address this list was sent to, so rekindle did not act on it.`
      : `It says it is from ${content.sender}, but your mail provider's signature on it could not be checked, so rekindle did not act on it.`;
  const lines = [
    `${QUOTE_SENTINEL} a reply to check`,
    '',
    `rekindle received a reply to your list of ${formatDate(content.digestSentAt, content.timezone)}.`,
    why,
    '',
    'It asked for:',
    ...content.commands.map(({ command, people }) => `  “${describeCommand(command)}”${people.length ? ` (${people.join(', ')})` : ''}`),
    '',
    ...(content.dropped
      ? [
          `It asked for ${content.dropped} more, not shown here and not applied by the link: a reply takes at most ${MAX_COMMANDS} commands.`,
          '',
        ]
      : []),
  ];
  if (content.confirmUrl) {
    lines.push(
      `If that was you, apply it with one click (until ${formatDate(content.expiresAt, content.timezone)}):`,
      `  ${content.confirmUrl}`,
      '',
      'If it was not you, ignore this email: nothing has changed.',
    );
  } else {
    lines.push(
      'If that was you, please reply to the list again from your own address. If it was not you, ignore this email: nothing has changed.',
    );
  }
  lines.push(
    '',
    `You get at most one such email a day for each address that writes, and at most ${MAX_NOTICES_PER_USER_DAY} a day in all.`,
  );
  return lines.join('\n') + '\n';
}
