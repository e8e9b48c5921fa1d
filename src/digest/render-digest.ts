/**
 * The digest email, rendered from one list of numbered entries into a plain-text and an
 * HTML part that say the same thing in the same order with the same numbers. Pure.
 *
 * Nothing in it may ever be read back as a command when a mail client quotes it without
 * `>` (Outlook) or a reply keeps it whole: its first line is the quote sentinel (parsing a
 * reply stops there, see src/replies/strip-quoted.ts), and no line of it starts with a verb.
 * No images, no remote resources, no tracking: the HTML is self-contained.
 */
import { formatCalendarDay, formatDate } from '../dates/format-dates.ts';
import { humanDuration } from '../contacts/select-reconnects.ts';
import { withoutBidiControls } from '../mail/bidi-controls.ts';
import type { EntryContext } from './load-entry-context.ts';

export interface DigestEntry {
  position: number;
  /** Identity key (contacts.contact). */
  contact: string;
  email: string;
  name: string | null;
  reason: string;
  lastContactAt: Date;
  cadenceDays: number | null;
  lastSubject: string | null;
  /** Help to write: an opener, the last meeting shared, a mutual connection. Absent in lists recorded before it existed. */
  context?: EntryContext | null;
}

export interface DigestSchedule {
  /** 0 = Sunday … 6 = Saturday. */
  day: number;
  hour: number;
  timezone: string;
}

export interface DigestContent {
  /** Monday of the digest's week (YYYY-MM-DD). */
  weekOf: string;
  asOf: Date;
  entries: DigestEntry[];
  recipientName: string | null;
  schedule: DigestSchedule;
  /** Where the one-click and the mailto unsubscribe lead. */
  unsubscribeUrl: string;
  /**
   * The signed link of an entry (src/digest/action-links.ts), an alternative to replying;
   * `verb` preselects a button on its page. Without it the digest has no per-entry links.
   */
  actionUrl?: (position: number, verb?: 'done' | 'snooze' | 'never') => string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** The first line of every rekindle mail; a reply is read only down to it. */
export const QUOTE_SENTINEL = 'rekindle ·';

const DAY = 86_400_000;
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The instructions, as label and example; both parts show them alike. */
export const REPLY_EXAMPLES: [string, string, string?][] = [
  ['Wrote to 1 and 3?', 'done 1 3'],
  ['Not now for 2?', 'snooze 2 1m', '2w, 3d or 6m work too; a month if you leave it out'],
  ['Never suggest 4 again?', 'never 4'],
  ['Changed your mind?', 'undo', 'takes back your last change'],
];

export function renderDigest(content: DigestContent): RenderedMail {
  const subject = digestSubject(content.entries);
  return { subject, text: renderText(content), html: renderHtml(content, subject) };
}

export function digestSubject(entries: DigestEntry[]): string {
  const names = entries.map((e) => firstName(e));
  if (names.length === 0) return 'Nobody to reconnect with this week';
  if (names.length === 1) return `Reconnect this week: ${names[0]}`;
  if (names.length === 2) return `Reconnect this week: ${names[0]} and ${names[1]}`;
  return `Reconnect this week: ${names[0]}, ${names[1]} and ${names.length - 2} more`;
}

/**
 * Everything an entry says, as at most four lines of text: who; how long and how often; why
 * now, with the suggested opener; and what you share (the last subject, the last meeting
 * together, a mutual connection). The last line is kept to CONTEXT_LINE_MAX characters by
 * leaving out whole parts — the mutual connection first, then the last subject — never by
 * wrapping onto a fifth line or cutting a sentence. The same lines make the HTML.
 */
export function entryLines(
  entry: DigestEntry,
  asOf: Date,
  timezone: string,
): { who: string; when: string; why: string; opener: string | null; about: string | null } {
  const days = Math.max(0, (asOf.getTime() - entry.lastContactAt.getTime()) / DAY);
  const rhythm = entry.cadenceDays === null ? 'no regular rhythm yet' : `you used to talk every ${humanDuration(entry.cadenceDays)}`;
  return {
    who: entry.name ? `${clean(entry.name, 80)} <${entry.email}>` : entry.email,
    when: `Last in touch ${humanDuration(days)} ago (${formatDate(entry.lastContactAt, timezone)}); ${rhythm}.`,
    why: clean(entry.reason, 300),
    opener: entry.context ? `Try: “${clean(entry.context.opener.text, 120)}”` : null,
    about: entry.context
      ? contextLine(entry, entry.context, asOf, timezone)
      : entry.lastSubject
        ? `Last subject: “${clean(entry.lastSubject, 140)}”`
        : null,
  };
}

/** The longest the fourth line of an entry gets (its indent aside). */
export const CONTEXT_LINE_MAX = 200;

function contextLine(entry: DigestEntry, context: EntryContext, asOf: Date, timezone: string): string | null {
  const { meeting, mutual } = context;
  // A meeting's title is often the last subject: said once, with the meeting.
  const subject = entry.lastSubject && !(meeting?.title && sameText(meeting.title, entry.lastSubject)) ? entry.lastSubject : null;
  const parts: { drop: number; text: string }[] = [];
  if (subject) parts.push({ drop: 2, text: `Last subject: “${clean(subject, 80)}”` });
  if (meeting) {
    const people = meeting.people <= 2 ? 'just the two of you' : `${meeting.people} people`;
    const title = meeting.title ? `“${clean(meeting.title, 50)}”, ` : '';
    parts.push({ drop: 3, text: `Last meeting: ${title}${formatDate(meeting.at, timezone)}, ${people}` });
  }
  if (mutual) {
    const name = mutual.name ? clean(mutual.name, 40) : clean(mutual.email, 80);
    // "Ana" for "Ana Lima"; a name written "Lima, Ana" is said whole rather than guessed at.
    const first = mutual.name && !mutual.name.includes(',') ? clean(mutual.name.trim().split(/\s+/)[0]!, 40) : name;
    const where =
      mutual.kinds.length === 2
        ? 'messages and meetings with them'
        : mutual.kinds[0] === 'meeting'
          ? 'meetings with them'
          : 'messages to them';
    const since = (asOf.getTime() - mutual.lastWroteAt.getTime()) / DAY;
    const when = since < 1 ? 'in the last day' : `${humanDuration(since)} ago`;
    parts.push({ drop: 1, text: `Mutual: ${name} (on ${mutual.shared} of your ${where}; you wrote to ${first} ${when})` });
  }
  const line = () => parts.map((p) => p.text).join(' · ');
  while (parts.length > 1 && line().length > CONTEXT_LINE_MAX) {
    const first = parts.reduce((a, b) => (b.drop < a.drop ? b : a));
    parts.splice(parts.indexOf(first), 1);
  }
  return parts.length > 0 ? line() : null;
}

function sameText(a: string, b: string): boolean {
  return a.replace(/\s+/g, ' ').trim().toLowerCase() === b.replace(/\s+/g, ' ').trim().toLowerCase();
}

function renderText(content: DigestContent): string {
  const { entries, asOf, schedule } = content;
  const lines: string[] = [`${QUOTE_SENTINEL} your list for the week of ${formatCalendarDay(content.weekOf)}`, ''];
  lines.push(greeting(content), '');
  for (const entry of entries) {
    const e = entryLines(entry, asOf, schedule.timezone);
    lines.push(`${entry.position}. ${e.who}`, `   ${e.when}`, `   Why now: ${e.why}${e.opener ? ` ${e.opener}` : ''}`);
    if (e.about) lines.push(`   ${e.about}`);
    // Starts with no verb, so a reply that keeps this line is never read as a command.
    if (content.actionUrl) lines.push(`   Mark as done, snooze or never: ${content.actionUrl(entry.position)}`);
    lines.push('');
  }
  lines.push('How to answer: reply to this email with one instruction per line,', 'using the numbers above. For example:');
  const width = Math.max(...REPLY_EXAMPLES.map(([label]) => label.length));
  for (const [label, example, note] of REPLY_EXAMPLES) {
    lines.push(`  ${label.padEnd(width)}  Reply with: ${example}${note ? `   (${note})` : ''}`);
  }
  lines.push('Lists and ranges work as well, like: done 1, 3-4', '');
  if (content.actionUrl) lines.push('Or use the link under each person.', '');
  lines.push(`${footer(schedule)}`, `To stop these emails: ${content.unsubscribeUrl}`);
  return lines.join('\n') + '\n';
}

const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

function renderHtml(content: DigestContent, subject: string): string {
  const { entries, asOf, schedule } = content;
  const entryHtml = entries
    .map((entry) => {
      const e = entryLines(entry, asOf, schedule.timezone);
      const name = entry.name ? clean(entry.name, 80) : entry.email;
      return `<tr><td class="entry" id="entry-${entry.position}" data-number="${entry.position}" style="padding:16px 0;border-top:1px solid #e6e2da;">
<p style="margin:0 0 4px;font-size:18px;line-height:1.35;overflow-wrap:anywhere;word-break:break-word;"><span class="number" style="font-weight:700;color:#b4532a;">${entry.position}.</span> <strong class="name">${esc(name)}</strong>${entry.name ? ` <a href="mailto:${esc(entry.email)}" style="color:#555;font-size:15px;">&lt;${esc(entry.email)}&gt;</a>` : ''}</p>
<p style="margin:0 0 4px;color:#333;">${esc(e.when)}</p>
<p style="margin:0 0 4px;color:#333;">Why now: ${esc(e.why)}${e.opener ? ` <span class="opener" style="color:#7a3b1d;">${esc(e.opener)}</span>` : ''}</p>${e.about ? `\n<p class="context" style="margin:0;color:#555;overflow-wrap:anywhere;word-break:break-word;">${esc(e.about)}</p>` : ''}${content.actionUrl ? `\n${actionLinks(content.actionUrl, entry.position)}` : ''}
</td></tr>`;
    })
    .join('\n');
  const examples = REPLY_EXAMPLES.map(
    ([label, example, note]) =>
      `<li style="margin:0 0 4px;">${esc(label)} Reply with: <code style="background:#f3efe8;padding:1px 4px;border-radius:3px;white-space:nowrap;">${esc(example)}</code>${note ? ` <span style="color:#666;">(${esc(note)})</span>` : ''}</li>`,
  ).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${esc(subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f6f4ef;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;background:#f6f4ef;">
<tr><td align="center" style="padding:24px 8px;">
<table role="presentation" class="digest" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;width:100%;max-width:600px;background:#ffffff;border-radius:8px;">
<tr><td style="padding:20px 20px 8px;font-family:${FONT};font-size:16px;line-height:1.5;color:#222;">
<p style="margin:0 0 12px;font-size:13px;color:#777;">${esc(QUOTE_SENTINEL)} your list for the week of ${esc(formatCalendarDay(content.weekOf))}</p>
<p style="margin:0 0 8px;">${esc(greeting(content))}</p>
</td></tr>
<tr><td style="padding:0 20px;font-family:${FONT};font-size:16px;line-height:1.5;color:#222;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">
${entryHtml}
</table>
</td></tr>
<tr><td style="padding:16px 20px 20px;font-family:${FONT};font-size:15px;line-height:1.5;color:#333;border-top:1px solid #e6e2da;">
<p style="margin:0 0 8px;">How to answer: reply to this email with one instruction per line, using the numbers above. For example:</p>
<ul style="margin:0 0 8px;padding-left:20px;">
${examples}
</ul>
<p style="margin:0 0 12px;">Lists and ranges work as well, like: <code style="background:#f3efe8;padding:1px 4px;border-radius:3px;white-space:nowrap;">done 1, 3-4</code>${content.actionUrl ? ' Or use the links under each person.' : ''}</p>
<p style="margin:0;font-size:13px;color:#777;">${esc(footer(schedule))} <a href="${esc(content.unsubscribeUrl)}" style="color:#777;">Stop these emails</a>.</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

function actionLinks(url: NonNullable<DigestContent['actionUrl']>, position: number): string {
  const link = (verb: 'done' | 'snooze' | 'never', label: string) =>
    `<a class="action" data-verb="${verb}" href="${esc(url(position, verb))}" style="color:#b4532a;font-weight:600;">${label}</a>`;
  return `<p class="actions" style="margin:8px 0 0;font-size:15px;">${link('done', 'Done')} &middot; ${link('snooze', 'Snooze')} &middot; ${link('never', 'Never')}</p>`;
}

function greeting(content: DigestContent): string {
  const hello = content.recipientName ? `Hi ${clean(content.recipientName.split(/\s+/)[0]!, 40)}, here` : 'Here';
  const n = content.entries.length;
  return `${hello} ${n === 1 ? 'is someone' : `are ${n} people`} you have lost touch with. A short note is all it takes.`;
}

function footer(schedule: DigestSchedule): string {
  return `rekindle writes every ${DAYS[schedule.day] ?? 'Monday'} at ${String(schedule.hour).padStart(2, '0')}:00 (${schedule.timezone}), from mail and calendar metadata only.`;
}

function firstName(entry: DigestEntry): string {
  return entry.name ? clean(entry.name, 40) : entry.email;
}

/** One line of at most `max` characters, without control characters. */
/** One line of text from mail (a name, a subject): no control, line-breaking or bidi characters, at most `max` long. */
function clean(value: string, max: number): string {
  const flat = withoutBidiControls(value)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this removes
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function esc(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// One style for dates on every page and in every mail (src/dates/format-dates.ts).
export { formatDate } from '../dates/format-dates.ts';
