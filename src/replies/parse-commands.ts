/**
 * The reply grammar, one line at a time. A line is a command only when the whole line is:
 * it starts with a verb and every word after it is an entry (a number, a range, a name or
 * an address of that digest's people), a duration (snooze), or another command. Anything
 * else — a greeting, a signature, a sentence that merely mentions "done 1", any line with a
 * question mark, a colon or a quotation mark in it — is not a command and is reported back,
 * never half-understood.
 *
 *   done 1 3          done 1, 3-4        done Alice         done Alice Smith and Bo
 *   snooze 2 1m       snooze 2 for 2 weeks   snooze Alice until March   snooze 2 until 2026-03-15
 *   never 4           undo               pause     resume     stop (or unsubscribe)     more
 *   met 2             called Alice yesterday     met 2 on 2026-03-15     met 2 on 15 March
 *   every 2m 3        every 2 weeks Alice        every auto 3   (auto: back to the learned rhythm)
 *   done 1 snooze 2 2w never 5   (several on a line; any case)
 *
 * Names are kept as written (lower-cased); they are resolved against that digest's own
 * entries when the reply is applied (src/replies/resolve-entries.ts), never here.
 */

export type Verb = 'done' | 'snooze' | 'never' | 'met' | 'every' | 'undo' | 'pause' | 'resume' | 'stop' | 'more';

export interface ReplyCommand {
  verb: Verb;
  /** Entry numbers of the digest, as written (ranges expanded, duplicates removed). */
  items: number[];
  /** Entries named rather than numbered (`done alice`, `done ada@example.org`), lower-cased. */
  names?: string[];
  /**
   * Snooze: how long, normalized to `<n>d|w|m|y` (a month when neither this nor `until` is given).
   * Every: the expected gap, the same way, or `auto` (the rhythm learned from mail).
   */
  duration?: string;
  /** Snooze only, instead of `duration`: `YYYY-MM-DD`, or `--MM-DD` when no year was written (the next one). */
  until?: string;
  /** Met only: the day, `YYYY-MM-DD`, `--MM-DD` (the last such day), or `yesterday`; absent: today. */
  on?: string;
}

/** Entry numbers beyond this are not numbers of a digest. */
export const MAX_ITEM = 99;
/** The longest snooze, in days. */
export const MAX_SNOOZE_DAYS = 2 * 366;
export const DEFAULT_SNOOZE = '1m';
/** The longest rhythm a person can set, in days. */
export const MAX_CADENCE_DAYS = 5 * 366;
/** A name of more words than this is a sentence, not a name. */
const MAX_NAME_WORDS = 4;

const VERBS = new Map<string, Verb>([
  ['done', 'done'],
  ['snooze', 'snooze'],
  ['never', 'never'],
  ['undo', 'undo'],
  ['pause', 'pause'],
  ['resume', 'resume'],
  ['stop', 'stop'],
  ['unsubscribe', 'stop'],
  ['more', 'more'],
  ['met', 'met'],
  ['called', 'met'],
  ['every', 'every'],
]);
const TAKES_ENTRIES = new Set<Verb>(['done', 'snooze', 'never', 'met', 'every']);
const UNITS = new Map<string, 'd' | 'w' | 'm' | 'y'>(
  Object.entries({
    d: 'd',
    day: 'd',
    days: 'd',
    w: 'w',
    wk: 'w',
    wks: 'w',
    week: 'w',
    weeks: 'w',
    m: 'm',
    mo: 'm',
    mos: 'm',
    mth: 'm',
    mths: 'm',
    month: 'm',
    months: 'm',
    y: 'y',
    yr: 'y',
    yrs: 'y',
    year: 'y',
    years: 'y',
  } as const),
);
const UNIT_DAYS = { d: 1, w: 7, m: 31, y: 366 } as const;
const MONTHS = new Map<string, number>(
  Object.entries({
    jan: 1,
    january: 1,
    feb: 2,
    february: 2,
    mar: 3,
    march: 3,
    apr: 4,
    april: 4,
    may: 5,
    jun: 6,
    june: 6,
    jul: 7,
    july: 7,
    aug: 8,
    august: 8,
    sep: 9,
    sept: 9,
    september: 9,
    oct: 10,
    october: 10,
    nov: 11,
    november: 11,
    dec: 12,
    december: 12,
  }),
);
/**
 * Words that make a "name" part of a sentence instead ("never mind", "done with it", "done
 * all, thanks"): a line holding one is no command at all.
 */
const NOT_NAMES = new Set([
  'a',
  'all',
  'an',
  'and',
  'again',
  'at',
  'for',
  'from',
  'i',
  'in',
  'is',
  'it',
  'me',
  'mind',
  'my',
  'no',
  'now',
  'of',
  'ok',
  'okay',
  'on',
  'please',
  'so',
  'thank',
  'thanks',
  'that',
  'the',
  'this',
  'those',
  'to',
  'today',
  'up',
  'was',
  'we',
  'with',
  'yes',
  'you',
  // "met him last week", "called them yesterday": a sentence, not a name and a day.
  'him',
  'her',
  'them',
  'us',
  'last',
  'ago',
  'yesterday',
  'tomorrow',
]);

type Token =
  | { kind: 'number'; value: number }
  | { kind: 'range'; from: number; to: number }
  | { kind: 'duration'; amount: number; unit: string }
  | { kind: 'date'; value: string }
  | { kind: 'email'; value: string }
  | { kind: 'word'; value: string }
  | { kind: 'sep' };

/** The commands on one line, or null when the line is not entirely commands. */
export function parseCommandLine(line: string): ReplyCommand[] | null {
  const tokens = tokenize(line);
  if (!tokens || tokens.length === 0) return null;
  const commands: ReplyCommand[] = [];
  let i = 0;
  while (i < tokens.length) {
    const head = tokens[i]!;
    if (head.kind === 'sep' && commands.length > 0) {
      i++;
      continue;
    }
    const verb = head.kind === 'word' ? VERBS.get(head.value) : undefined;
    if (!verb) return null;
    i++;
    if (!TAKES_ENTRIES.has(verb)) {
      commands.push({ verb, items: [] });
      continue;
    }
    // "every" says the rhythm first: `every 2m 3`, `every auto Alice`.
    let rhythm: string | undefined;
    if (verb === 'every') {
      const read = readRhythm(tokens, i);
      if (!read) return null;
      rhythm = read.duration;
      i = read.next;
    }
    const parsed = parseEntries(tokens, i, verb);
    if (!parsed) return null;
    i = parsed.next;
    if (rhythm) parsed.command.duration = rhythm;
    commands.push(parsed.command);
  }
  return commands.length > 0 ? commands : null;
}

/** Entries (and a snooze's duration) from `tokens[start]` up to the next verb or the end. */
function parseEntries(tokens: Token[], start: number, verb: Verb): { command: ReplyCommand; next: number } | null {
  const items: number[] = [];
  const names: string[] = [];
  let words: string[] = [];
  const endName = (): boolean => {
    if (words.length === 0) return true;
    if (words.length > MAX_NAME_WORDS || words.some((w) => NOT_NAMES.has(w))) return false;
    const name = words.join(' ');
    if (!names.includes(name)) names.push(name);
    words = [];
    return true;
  };
  let i = start;
  let duration: string | undefined;
  let until: string | undefined;
  let on: string | undefined;
  for (; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (verb === 'met' && (items.length > 0 || names.length > 0 || words.length > 0)) {
      const day = parseMetDay(tokens, i);
      if (day === null) return null;
      if (day) {
        if (!endName()) return null;
        on = day.on;
        i = day.next;
        break;
      }
    }
    if (verb === 'snooze' && (items.length > 0 || names.length > 0 || words.length > 0)) {
      const rest = parseDuration(tokens, i);
      if (rest === null) return null;
      if (rest) {
        if (!endName()) return null;
        ({ duration, until } = rest);
        i = rest.next;
        break;
      }
    }
    if (token.kind === 'number') {
      if (!endName() || token.value < 1 || token.value > MAX_ITEM) return null;
      if (!items.includes(token.value)) items.push(token.value);
    } else if (token.kind === 'range') {
      if (!endName() || token.from < 1 || token.to > MAX_ITEM || token.to < token.from) return null;
      for (let n = token.from; n <= token.to; n++) if (!items.includes(n)) items.push(n);
    } else if (token.kind === 'email') {
      if (!endName()) return null;
      if (!names.includes(token.value)) names.push(token.value);
    } else if (token.kind === 'word') {
      if (VERBS.get(token.value)) {
        // A verb ends the name before it and starts the next command.
        if (!endName()) return null;
        break;
      }
      words.push(token.value);
    } else if (token.kind === 'sep') {
      if (!endName()) return null;
    } else {
      return null;
    }
  }
  if (!endName()) return null;
  // Numbers or names, not both: "snooze 2 2 fortnights" is a typo, not two entries.
  if ((items.length === 0) === (names.length === 0)) return null;
  const command: ReplyCommand = { verb, items };
  if (names.length > 0) command.names = names;
  if (verb === 'snooze') {
    if (until) command.until = until;
    else command.duration = duration ?? DEFAULT_SNOOZE;
  }
  if (on) command.on = on;
  return { command, next: i };
}

/** `every`'s rhythm at `tokens[i]`: `auto`, or a duration as a snooze's (`2m`, `2 months`, `a month`, `month`). */
function readRhythm(tokens: Token[], i: number): { duration: string; next: number } | null {
  const token = tokens[i];
  if (token?.kind === 'word' && token.value === 'auto') return { duration: 'auto', next: i + 1 };
  const read = readDuration(tokens, i, false);
  if (!read || read.amount < 1 || read.amount * UNIT_DAYS[read.unit] > MAX_CADENCE_DAYS) return null;
  return { duration: `${read.amount}${read.unit}`, next: read.next };
}

/**
 * A met's day at `tokens[i]`, running to the end of the command: `today`, `yesterday`,
 * `2026-03-15`, `on 2026-03-15`, `on 15 March [2026]`, `on March 15th`. False when there is
 * none here; null when it is one but malformed.
 */
function parseMetDay(tokens: Token[], i: number): { on?: string; next: number } | false | null {
  const token = tokens[i]!;
  if (token.kind === 'date') return endsCommand(tokens, i + 1) ? { on: token.value, next: i + 1 } : null;
  if (token.kind !== 'word') return false;
  if (token.value === 'today') return endsCommand(tokens, i + 1) ? { next: i + 1 } : null;
  if (token.value === 'yesterday') return endsCommand(tokens, i + 1) ? { on: 'yesterday', next: i + 1 } : null;
  if (token.value !== 'on') return false;
  const day = parseUntil(tokens, i + 1);
  return day ? { on: day.until, next: day.next } : null;
}

/**
 * A snooze's duration at `tokens[i]`, running to the end of the command: `2w`, `2 weeks`,
 * `for 2 weeks`, `for a month`, `week`, `until March`, `until 3 March 2026`, `until 2026-03-15`.
 * False when there is none here; null when it is one but malformed, too long or in the past.
 */
function parseDuration(tokens: Token[], i: number): { duration?: string; until?: string; next: number } | false | null {
  let j = i;
  const word = (k: number) => (tokens[k]?.kind === 'word' ? (tokens[k] as { value: string }).value : undefined);
  if (word(j) === 'until' || word(j) === 'till' || word(j) === 'til') return parseUntil(tokens, j + 1);
  const hasFor = word(j) === 'for';
  if (hasFor) j++;
  const read = readDuration(tokens, j, true);
  if (read === null) return null;
  if (!read) return hasFor ? null : false;
  const { amount, unit } = read;
  j = read.next;
  if (amount < 1 || amount * UNIT_DAYS[unit] > MAX_SNOOZE_DAYS) return null;
  if (!endsCommand(tokens, j)) return null;
  return { duration: `${amount}${unit}`, next: j };
}

/**
 * An amount and unit at `tokens[j]`: `2w`, `2 weeks`, `a month`, or a bare unit word (`week`)
 * — at the end of a command only when `bareAtEnd` (a snooze's), anywhere otherwise. False when
 * there is none; null for a number with an unknown unit (`2 fortnights` is a typo, not two entries).
 */
function readDuration(
  tokens: Token[],
  j: number,
  bareAtEnd: boolean,
): { amount: number; unit: 'd' | 'w' | 'm' | 'y'; next: number } | false | null {
  const word = (k: number) => (tokens[k]?.kind === 'word' ? (tokens[k] as { value: string }).value : undefined);
  const token = tokens[j];
  if (token?.kind === 'duration') {
    const unit = UNITS.get(token.unit);
    return unit ? { amount: token.amount, unit, next: j + 1 } : null;
  }
  if (token?.kind === 'number' && word(j + 1) && UNITS.get(word(j + 1)!))
    return { amount: token.value, unit: UNITS.get(word(j + 1)!)!, next: j + 2 };
  if ((word(j) === 'a' || word(j) === 'an' || word(j) === 'one') && word(j + 1) && UNITS.get(word(j + 1)!))
    return { amount: 1, unit: UNITS.get(word(j + 1)!)!, next: j + 2 };
  if (word(j) && UNITS.get(word(j)!) && word(j)!.length > 1 && (!bareAtEnd || endsCommand(tokens, j + 1)))
    return { amount: 1, unit: UNITS.get(word(j)!)!, next: j + 1 };
  return false;
}

/** `until` followed by a month (and day, and year) or an ISO date; the rest of the command. */
function parseUntil(tokens: Token[], i: number): { until: string; next: number } | null {
  const parts: Token[] = [];
  let j = i;
  const yearAfterComma = (k: number) =>
    tokens[k]?.kind === 'sep' && tokens[k + 1]?.kind === 'number' && (tokens[k + 1] as { value: number }).value >= 2000;
  while (j < tokens.length && (!endsCommand(tokens, j) || yearAfterComma(j))) parts.push(tokens[j++]!);
  const only = parts[0];
  if (parts.length === 1 && only?.kind === 'date') return { until: only.value, next: j };
  let month: number | undefined;
  let day: number | undefined;
  let year: number | undefined;
  for (const part of parts) {
    if (part.kind === 'word' && MONTHS.has(part.value) && month === undefined) month = MONTHS.get(part.value);
    else if (part.kind === 'word' && /^\d{1,2}(st|nd|rd|th)$/.test(part.value) && day === undefined) day = parseInt(part.value, 10);
    else if (part.kind === 'duration' && /^(st|nd|rd|th)$/.test(part.unit) && day === undefined) day = part.amount;
    else if (part.kind === 'number' && part.value >= 1 && part.value <= 31 && day === undefined) day = part.value;
    else if (part.kind === 'number' && part.value >= 2000 && part.value <= 2100 && year === undefined) year = part.value;
    else if (part.kind === 'sep' || (part.kind === 'word' && part.value === 'the') || (part.kind === 'word' && part.value === 'of'))
      continue;
    else return null;
  }
  if (month === undefined) return null;
  const d = day ?? 1;
  if (d > daysInMonth(month, year ?? 2024)) return null;
  const mm = String(month).padStart(2, '0');
  const dd = String(d).padStart(2, '0');
  return { until: year ? `${year}-${mm}-${dd}` : `--${mm}-${dd}`, next: j };
}

/** The command ends at `tokens[i]`: the line ends, or a separator or a verb comes next. */
function endsCommand(tokens: Token[], i: number): boolean {
  const token = tokens[i];
  if (token === undefined || token.kind === 'sep') return true;
  return token.kind === 'word' && VERBS.get(token.value) !== undefined;
}

function daysInMonth(month: number, year: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const TOKEN =
  /([^\s@,;:<>"]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+)|(\d{4}-\d{2}-\d{2})|(\d+)\s*(?:-|–|—|to\b)\s*(\d+)|(\d+)([a-z]+)\b|(\d+)|([\p{L}\p{M}][\p{L}\p{M}'’.-]*)|([,;&+])|(\S)/gu;

/** Tokens of a line, or null when it holds anything a command never does (`?`, `:`, quotes, …). */
function tokenize(line: string): Token[] | null {
  const normalized = line
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]/g, ' ')
    // A list bullet before the command, and closing punctuation after it.
    .replace(/^\s*(?:[-*•]\s+)?/, '')
    .replace(/[.!]+\s*$/, '')
    // "done: 1 3" — a colon right after the verb.
    .replace(/^(\p{L}+):(?=\s|$)/u, '$1');
  const tokens: Token[] = [];
  for (const m of normalized.matchAll(TOKEN)) {
    if (m[1]) tokens.push({ kind: 'email', value: m[1] });
    else if (m[2]) {
      const date = new Date(`${m[2]}T00:00:00Z`);
      if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== m[2]) return null;
      tokens.push({ kind: 'date', value: m[2] });
    } else if (m[3] && m[4]) tokens.push({ kind: 'range', from: Number(m[3]), to: Number(m[4]) });
    else if (m[5] && m[6]) tokens.push({ kind: 'duration', amount: Number(m[5]), unit: m[6] });
    else if (m[7]) tokens.push({ kind: 'number', value: Number(m[7]) });
    else if (m[8]) {
      const word = m[8].replace(/[.'’-]+$/, '');
      tokens.push(word === 'and' ? { kind: 'sep' } : { kind: 'word', value: word });
    } else if (m[9]) tokens.push({ kind: 'sep' });
    else return null;
  }
  return tokens;
}

/** Adds a normalized duration (`2w`, `1m`) to a date; months and years follow the calendar. */
export function addDuration(from: Date, duration: string): Date {
  const match = /^(\d+)([dwmy])$/.exec(duration);
  if (!match) throw new RangeError(`not a duration: ${duration}`);
  const n = Number(match[1]);
  const date = new Date(from.getTime());
  switch (match[2]) {
    case 'd':
      date.setUTCDate(date.getUTCDate() + n);
      break;
    case 'w':
      date.setUTCDate(date.getUTCDate() + 7 * n);
      break;
    case 'm':
      date.setUTCMonth(date.getUTCMonth() + n);
      break;
    case 'y':
      date.setUTCFullYear(date.getUTCFullYear() + n);
      break;
  }
  return date;
}

/**
 * When a snooze ends: `now` plus its duration, or the start of its `until` day in the user's
 * timezone (without a year: the next such day after today). Null when that day has passed
 * or is more than MAX_SNOOZE_DAYS away.
 */
export function snoozeEnd(command: Pick<ReplyCommand, 'duration' | 'until'>, now: Date, timezone: string): Date | null {
  if (!command.until) return addDuration(now, command.duration ?? DEFAULT_SNOOZE);
  const today = localDate(now, timezone);
  let target: string;
  if (command.until.startsWith('--')) {
    const monthDay = command.until.slice(2);
    const year = Number(today.slice(0, 4));
    target = `${year}-${monthDay}` > today ? `${year}-${monthDay}` : `${year + 1}-${monthDay}`;
    // 29 February in a year without one: the day after.
    if (Number.isNaN(new Date(`${target}T00:00:00Z`).getTime()) || new Date(`${target}T00:00:00Z`).toISOString().slice(0, 10) !== target) {
      target = `${target.slice(0, 4)}-03-01`;
    }
  } else {
    target = command.until;
  }
  if (target <= today) return null;
  const end = startOfLocalDay(target, timezone);
  if (end.getTime() - now.getTime() > MAX_SNOOZE_DAYS * 86_400_000) return null;
  return end;
}

function localDate(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Midnight of a calendar day in a timezone, as an instant. */
function startOfLocalDay(day: string, timezone: string): Date {
  const utcMidnight = new Date(`${day}T00:00:00Z`);
  // The zone's offset at that moment, applied once and checked once (DST changes at 02:00, not midnight, almost everywhere).
  const offset = (d: Date) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
        .formatToParts(d)
        .map((p) => [p.type, p.value]),
    );
    const asUtc = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    );
    return asUtc - d.getTime();
  };
  const first = new Date(utcMidnight.getTime() - offset(utcMidnight));
  return new Date(utcMidnight.getTime() - offset(first));
}

/** `done 1, 3 · snooze 2 2w · met alice on 2026-03-15 · every 2m 3` — a command as a person would write it. */
export function describeCommand(command: ReplyCommand): string {
  const entries = [...command.items.map(String), ...(command.names ?? [])].join(', ');
  if (command.verb === 'every') return `every ${command.duration ?? 'auto'}${entries ? ` ${entries}` : ''}`;
  const when =
    command.verb === 'snooze'
      ? command.until
        ? ` until ${command.until.replace(/^--/, '')}`
        : command.duration
          ? ` ${command.duration}`
          : ''
      : command.verb === 'met' && command.on
        ? command.on === 'yesterday'
          ? ' yesterday'
          : ` on ${command.on.replace(/^--/, '')}`
        : '';
  return `${command.verb}${entries ? ` ${entries}` : ''}${when}`;
}

/**
 * The day a `met` means, as an instant: now for today (or no day), the start of that day in
 * the user's timezone otherwise (`--MM-DD`: the last such day). Null for a day still to come.
 */
export function metDay(command: Pick<ReplyCommand, 'on'>, now: Date, timezone: string): Date | null {
  if (!command.on) return now;
  const today = localDate(now, timezone);
  let day: string;
  if (command.on === 'yesterday') day = localDate(new Date(now.getTime() - 86_400_000), timezone);
  else if (command.on.startsWith('--')) {
    const year = Number(today.slice(0, 4));
    day = `${year}-${command.on.slice(2)}` <= today ? `${year}-${command.on.slice(2)}` : `${year - 1}-${command.on.slice(2)}`;
    // 29 February in a year without one: the day before.
    const parsed = new Date(`${day}T00:00:00Z`);
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day) day = `${day.slice(0, 4)}-02-28`;
  } else day = command.on;
  if (day > today) return null;
  return day === today ? now : startOfLocalDay(day, timezone);
}

/** Average days of each unit, for a rhythm (a month is a twelfth of a year). */
const RHYTHM_UNIT_DAYS = { d: 1, w: 7, m: 365.25 / 12, y: 365.25 } as const;

/** An `every` duration in days; null for `auto`. */
export function rhythmDays(duration: string): number | null {
  if (duration === 'auto') return null;
  const match = /^(\d+)([dwmy])$/.exec(duration);
  if (!match) throw new RangeError(`not a duration: ${duration}`);
  return Math.round(Number(match[1]) * RHYTHM_UNIT_DAYS[match[2] as keyof typeof RHYTHM_UNIT_DAYS] * 10) / 10;
}
