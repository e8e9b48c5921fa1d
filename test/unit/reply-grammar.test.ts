import { describe, expect, it } from 'vitest';
import { addDuration, parseCommandLine, snoozeEnd } from '../../src/replies/parse-commands.ts';
import { resolveEntries } from '../../src/replies/resolve-entries.ts';

describe('the reply grammar', () => {
  it.each([
    ['done 1 3', [{ verb: 'done', items: [1, 3] }]],
    ['done 1, 3-4', [{ verb: 'done', items: [1, 3, 4] }]],
    ['Done 1,3 and 5.', [{ verb: 'done', items: [1, 3, 5] }]],
    ['DONE 2 – 4!', [{ verb: 'done', items: [2, 3, 4] }]],
    ['done 3 3 1', [{ verb: 'done', items: [3, 1] }]],
    ['snooze 2 1m', [{ verb: 'snooze', items: [2], duration: '1m' }]],
    ['snooze 2', [{ verb: 'snooze', items: [2], duration: '1m' }]],
    ['snooze 2 3 2w', [{ verb: 'snooze', items: [2, 3], duration: '2w' }]],
    ['snooze 2 for 2 weeks', [{ verb: 'snooze', items: [2], duration: '2w' }]],
    ['snooze 2 3 weeks', [{ verb: 'snooze', items: [2], duration: '3w' }]],
    ['snooze 1 month', [{ verb: 'snooze', items: [1], duration: '1m' }]],
    ['snooze 4 10d', [{ verb: 'snooze', items: [4], duration: '10d' }]],
    ['snooze 4 1y', [{ verb: 'snooze', items: [4], duration: '1y' }]],
    ['never 4', [{ verb: 'never', items: [4] }]],
    ['undo', [{ verb: 'undo', items: [] }]],
    ['Undo.', [{ verb: 'undo', items: [] }]],
    ['unsubscribe', [{ verb: 'stop', items: [] }]],
    ['stop', [{ verb: 'stop', items: [] }]],
    ['Pause', [{ verb: 'pause', items: [] }]],
    ['RESUME!', [{ verb: 'resume', items: [] }]],
    ['more', [{ verb: 'more', items: [] }]],
    ['done 3 to 5', [{ verb: 'done', items: [3, 4, 5] }]],
    ['done: 1 3', [{ verb: 'done', items: [1, 3] }]],
    ['done Alice', [{ verb: 'done', items: [], names: ['alice'] }]],
    ['Done Alice Smith and Bo', [{ verb: 'done', items: [], names: ['alice smith', 'bo'] }]],
    ['never ada@example.org', [{ verb: 'never', items: [], names: ['ada@example.org'] }]],
    ['done Jonas Wéber', [{ verb: 'done', items: [], names: ['jonas wéber'] }]],
    ["done O'Brien", [{ verb: 'done', items: [], names: ["o'brien"] }]],
    ['snooze Alice 2w', [{ verb: 'snooze', items: [], names: ['alice'], duration: '2w' }]],
    ['snooze bo for a month', [{ verb: 'snooze', items: [], names: ['bo'], duration: '1m' }]],
    ['snooze 2 week', [{ verb: 'snooze', items: [2], duration: '1w' }]],
    ['snooze 2 until March', [{ verb: 'snooze', items: [2], until: '--03-01' }]],
    ['Snooze Alice until 15 March', [{ verb: 'snooze', items: [], names: ['alice'], until: '--03-15' }]],
    ['snooze 2 until March 3rd, 2027', [{ verb: 'snooze', items: [2], until: '2027-03-03' }]],
    ['snooze 2 until 2026-09-01', [{ verb: 'snooze', items: [2], until: '2026-09-01' }]],
    ['done 1, snooze Alice until May; never 4', [{ verb: 'done', items: [1] }, { verb: 'snooze', items: [], names: ['alice'], until: '--05-01' }, { verb: 'never', items: [4] }]],
    ['undo pause', [{ verb: 'undo', items: [] }, { verb: 'pause', items: [] }]],
    ['- done 2', [{ verb: 'done', items: [2] }]],
    ['done\u00a01\u00a03', [{ verb: 'done', items: [1, 3] }]],
    ['done 1 snooze 2 2w never 5', [{ verb: 'done', items: [1] }, { verb: 'snooze', items: [2], duration: '2w' }, { verb: 'never', items: [5] }]],
    ['done 1; never 2', [{ verb: 'done', items: [1] }, { verb: 'never', items: [2] }]],
  ])('%j', (line, commands) => {
    expect(parseCommandLine(line)).toEqual(commands);
  });

  it.each([
    'thanks!',
    'done',
    'done please',
    'done 1 and thanks',
    'I am done 1',
    'Reply with: done 1 3',
    'Wrote to 1 and 3?       Reply with: done 1 3',
    'Lists and ranges work as well, like: done 1, 3-4',
    'done 0',
    'done 100',
    'done 5-2',
    'done 1-99999',
    'snooze 2 10y',
    'snooze 2 0d',
    'snooze 2 2 fortnights',
    'never',
    'undo 3',
    '“done 1 3”',
    '1. Maya Chen <maya@chenlabs.io>',
    '',
    'never mind',
    'Never mind, thanks a lot for this',
    'done with it',
    'done all',
    'done 1 Alice',
    'More later.',
    'more please',
    'Stop these emails',
    'stop it',
    'pause 2',
    'Never suggest 4 again?  Reply with: never 4',
    'Done · Snooze · Never',
    'done one two three four five',
    'snooze 2 until the end of March',
    'snooze 2 until 2026-02-30',
    'snooze 2 until Smarch',
    'done Alice: thanks',
    'constructor',
  ])('%j is not a command', (line) => {
    expect(parseCommandLine(line)).toBeNull();
  });

  it('ends a snooze "until" a day at the start of that day in the user’s timezone, the next one when no year is given', () => {
    const now = new Date('2025-06-02T06:00:00Z');
    expect(snoozeEnd({ until: '--03-01' }, now, 'Europe/Berlin')?.toISOString()).toBe('2026-02-28T23:00:00.000Z');
    expect(snoozeEnd({ until: '--06-03' }, now, 'America/New_York')?.toISOString()).toBe('2025-06-03T04:00:00.000Z');
    expect(snoozeEnd({ until: '--06-02' }, now, 'UTC')?.toISOString()).toBe('2026-06-02T00:00:00.000Z');
    expect(snoozeEnd({ until: '2025-01-01' }, now, 'UTC')).toBeNull();
    expect(snoozeEnd({ until: '2029-01-01' }, now, 'UTC')).toBeNull();
    expect(snoozeEnd({ duration: '2w' }, now, 'UTC')?.toISOString()).toBe('2025-06-16T06:00:00.000Z');
  });

  describe('names resolve against that digest’s entries only', () => {
    const entries = [
      { position: 1, name: 'Ada Byron', email: 'ada@example.org' },
      { position: 2, name: 'Jonas Wéber', email: 'jonas.weber@example.de' },
      { position: 3, name: 'Alex Kim', email: 'alex@kim.example' },
      { position: 4, name: 'Alex Roe', email: 'roe@example.net' },
      { position: 5, name: null, email: 'grace.okafor@gmail.com' },
    ];
    it.each([
      [['ada'], [1]],
      [['ada byron'], [1]],
      [['byron'], [1]],
      [['jonas weber'], [2]],
      [['wéber'], [2]],
      [['alex kim'], [3]],
      [['roe'], [4]],
      [['grace okafor'], [5]],
      [['ada@example.org'], [1]],
      [['ada', 'roe'], [1, 4]],
    ])('%j → %j', (names, positions) => {
      expect(resolveEntries({ items: [], names }, entries)).toEqual({ ok: true, positions, missing: [] });
    });
    it('refuses a name that fits two people, and one that fits nobody', () => {
      expect(resolveEntries({ items: [], names: ['alex'] }, entries)).toEqual({ ok: false, problem: '“alex” could be 3 (Alex Kim) or 4 (Alex Roe); write the number instead' });
      expect(resolveEntries({ items: [], names: ['maya'] }, entries)).toEqual({ ok: false, problem: 'there is no one called “maya” in that list' });
    });
    it('keeps numbers as they are and reports those the list does not have', () => {
      expect(resolveEntries({ items: [2, 9] }, entries)).toEqual({ ok: true, positions: [2], missing: [9] });
    });
  });

  it('adds durations along the calendar', () => {
    const from = new Date('2025-01-31T08:00:00Z');
    expect(addDuration(from, '3d').toISOString()).toBe('2025-02-03T08:00:00.000Z');
    expect(addDuration(from, '2w').toISOString()).toBe('2025-02-14T08:00:00.000Z');
    expect(addDuration(new Date('2025-05-15T08:00:00Z'), '1m').toISOString()).toBe('2025-06-15T08:00:00.000Z');
    expect(addDuration(from, '1y').toISOString()).toBe('2026-01-31T08:00:00.000Z');
  });
});
