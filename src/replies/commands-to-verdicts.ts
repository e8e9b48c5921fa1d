/**
 * What a reply's commands mean, as verdicts (src/verdicts/): numbers and names resolved against
 * the entries of the digest it answered, snooze and met days in the user's timezone, rhythms
 * in days. Commands that cannot be applied as written are reported, never guessed. Pure.
 */
import type { PersonRef } from '../verdicts/journal.ts';
import type { Verdict } from '../verdicts/apply-verdicts.ts';
import { describeCommand, metDay, rhythmDays, snoozeEnd, type ReplyCommand } from './parse-commands.ts';
import type { AppliedChange } from './render-confirmation.ts';
import { resolveEntries, type ResolvableEntry } from './resolve-entries.ts';

export interface ReplyContext {
  now: Date;
  timezone: string;
  /** The digest answered: "more" lists are for its week and go to its recipient. */
  weekOf: string;
  recipient: string;
  messageIdDomain: string;
}

export interface Translation {
  verdicts: Verdict[];
  /** How many times the reply says "undo". */
  undos: number;
  /** What the confirmation says about each person, in order. */
  said: AppliedChange[];
  paused: boolean;
  resumed: boolean;
  unsubscribed: boolean;
  /** Commands naming numbers or people the list does not have, or days it cannot use. */
  ignored: string[];
}

export function commandsToVerdicts(
  commands: ReplyCommand[],
  entries: (ResolvableEntry & { contact: string })[],
  context: ReplyContext,
): Translation {
  const t: Translation = { verdicts: [], undos: 0, said: [], paused: false, resumed: false, unsubscribed: false, ignored: [] };
  const byPosition = new Map(entries.map((e) => [e.position, e]));
  let more = false;
  for (const command of commands) {
    switch (command.verb) {
      case 'undo':
        t.undos++;
        continue;
      case 'pause':
      case 'resume':
      case 'stop':
        t.verdicts.push({ verb: command.verb });
        if (command.verb === 'pause') t.paused = true;
        else if (command.verb === 'resume') t.resumed = true;
        else t.unsubscribed = true;
        continue;
      case 'more':
        if (!more)
          t.verdicts.push({ verb: 'more', weekOf: context.weekOf, recipient: context.recipient, messageIdDomain: context.messageIdDomain });
        more = true;
        continue;
      case 'done':
      case 'never':
      case 'snooze':
      case 'met':
      case 'every': {
        const resolution = resolveEntries(command, entries);
        if (!resolution.ok) {
          t.ignored.push(`${describeCommand(command)}: ${resolution.problem}`);
          continue;
        }
        for (const n of resolution.missing) t.ignored.push(`${command.verb} ${n}: there is no ${n} in that list`);
        const until = command.verb === 'snooze' ? snoozeEnd(command, context.now, context.timezone) : null;
        if (command.verb === 'snooze' && !until) {
          t.ignored.push(`${describeCommand(command)}: that date has passed or is more than two years away`);
          continue;
        }
        const on = command.verb === 'met' ? metDay(command, context.now, context.timezone) : null;
        if (command.verb === 'met' && !on) {
          t.ignored.push(`${describeCommand(command)}: that day is still to come`);
          continue;
        }
        for (const position of resolution.positions) {
          const entry = byPosition.get(position)!;
          const who: PersonRef = { contact: entry.contact, name: entry.name ?? entry.email, position };
          const said: AppliedChange = { position, name: who.name, verb: command.verb, until: null };
          if (command.verb === 'snooze') {
            t.verdicts.push({ verb: 'snooze', who, until: until! });
            said.until = until;
          } else if (command.verb === 'met') {
            t.verdicts.push({ verb: 'met', who, on: on! });
            said.on = on!;
          } else if (command.verb === 'every') {
            const rhythm = command.duration ?? 'auto';
            t.verdicts.push({ verb: 'cadence', who, days: rhythmDays(rhythm) });
            said.rhythm = rhythm;
          } else {
            t.verdicts.push({ verb: command.verb, who });
          }
          t.said.push(said);
        }
      }
    }
  }
  return t;
}
