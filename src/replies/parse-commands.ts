/**
 * The reply grammar, one line at a time. A line is a command only when the whole line is:
 * it starts with a verb and every word after it is a number, a range or (for snooze) a
 * duration. Anything else — a greeting, a signature, a sentence that merely mentions
 * "done 1" — is ignored and reported back, never half-understood.
 *
 *   done 1 3          done 1, 3-4        snooze 2 1m       snooze 2 for 2 weeks
 *   never 4           undo               done 1 snooze 2 2w never 5   (several on a line)
 *   unsubscribe
 */

export type Verb = 'done' | 'snooze' | 'never' | 'undo' | 'unsubscribe';

export interface ReplyCommand {
  verb: Verb;
  /** Entry numbers of the digest, as written (ranges expanded, duplicates removed). */
  items: number[];
  /** Snooze only: how long, normalized to `<n>d|w|m|y` (a month when not given). */
  duration?: string;
}

/** Entry numbers beyond this are not numbers of a digest. */
export const MAX_ITEM = 99;
/** The longest snooze, in days. */
export const MAX_SNOOZE_DAYS = 2 * 366;
export const DEFAULT_SNOOZE = '1m';

const VERBS = new Set<Verb>(['done', 'snooze', 'never', 'undo', 'unsubscribe']);
const UNITS: Record<string, 'd' | 'w' | 'm' | 'y'> = {
  d: 'd', day: 'd', days: 'd',
  w: 'w', wk: 'w', wks: 'w', week: 'w', weeks: 'w',
  m: 'm', mo: 'm', mos: 'm', mth: 'm', mths: 'm', month: 'm', months: 'm',
  y: 'y', yr: 'y', yrs: 'y', year: 'y', years: 'y',
};
const UNIT_DAYS = { d: 1, w: 7, m: 31, y: 366 } as const;

/** The commands on one line, or null when the line is not entirely a command. */
export function parseCommandLine(line: string): ReplyCommand[] | null {
  const tokens = tokenize(line);
  if (tokens.length === 0 || !VERBS.has(tokens[0] as Verb)) return null;
  const commands: ReplyCommand[] = [];
  let i = 0;
  while (i < tokens.length) {
    const verb = tokens[i++] as Verb;
    if (!VERBS.has(verb)) return null;
    if (verb === 'undo' || verb === 'unsubscribe') {
      commands.push({ verb, items: [] });
      continue;
    }
    const items: number[] = [];
    while (i < tokens.length) {
      const token = tokens[i]!;
      // "snooze 2 3 weeks": a number followed by a unit is the duration, not an entry.
      if (verb === 'snooze' && items.length > 0 && /^\d+$/.test(token) && UNITS[tokens[i + 1] ?? '']) break;
      const range = parseItems(token);
      if (range === undefined) break;
      if (range === null) return null;
      for (const n of range) if (!items.includes(n)) items.push(n);
      i++;
    }
    if (items.length === 0) return null;
    const command: ReplyCommand = { verb, items };
    if (verb === 'snooze') {
      if (tokens[i] === 'for') i++;
      const duration = parseDuration(tokens, i);
      if (duration === null) return null;
      if (duration) {
        command.duration = duration.value;
        i += duration.tokens;
      } else {
        command.duration = DEFAULT_SNOOZE;
      }
    }
    commands.push(command);
  }
  return commands;
}

/** `3` → [3], `3-5` → [3,4,5]; undefined when the token is no number at all; null when it is an impossible one. */
function parseItems(token: string): number[] | null | undefined {
  const range = /^(\d+)(?:-(\d+))?$/.exec(token);
  if (!range) return undefined;
  const from = Number(range[1]);
  const to = range[2] === undefined ? from : Number(range[2]);
  if (from < 1 || to > MAX_ITEM || to < from) return null;
  return Array.from({ length: to - from + 1 }, (_, k) => from + k);
}

/** A duration at `tokens[i]`: `2w`, `2 weeks`, `week`; false when there is none; null when it is malformed or too long. */
function parseDuration(tokens: string[], i: number): { value: string; tokens: number } | false | null {
  const first = tokens[i];
  if (first === undefined) return false;
  let amount: number;
  let unit: 'd' | 'w' | 'm' | 'y' | undefined;
  let used: number;
  const joined = /^(\d+)([a-z]+)$/.exec(first);
  if (joined) {
    amount = Number(joined[1]);
    unit = UNITS[joined[2]!];
    used = 1;
  } else if (/^\d+$/.test(first)) {
    amount = Number(first);
    unit = UNITS[tokens[i + 1] ?? ''];
    used = 2;
  } else {
    amount = 1;
    unit = UNITS[first];
    used = 1;
  }
  if (!unit || amount < 1 || amount * UNIT_DAYS[unit] > MAX_SNOOZE_DAYS) return null;
  return { value: `${amount}${unit}`, tokens: used };
}

function tokenize(line: string): string[] {
  const normalized = line
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u00a0\u2000-\u200b\u202f\u205f\u3000]/g, ' ')
    // A list bullet before the command, and closing punctuation after it.
    .replace(/^\s*(?:[-*•]\s+)?/, '')
    .replace(/[.!]+\s*$/, '')
    .replace(/(\d)\s*[-–—]\s*(\d)/g, '$1-$2');
  return normalized
    .split(/[\s,;&+]+/)
    .filter((token) => token.length > 0 && token !== 'and');
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
