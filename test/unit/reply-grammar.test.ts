import { describe, expect, it } from 'vitest';
import { addDuration, describeCommand, metDay, parseCommandLine, rhythmDays, snoozeEnd } from '../../src/replies/parse-commands.ts';
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
    [
      'done 1, snooze Alice until May; never 4',
      [
        { verb: 'done', items: [1] },
        { verb: 'snooze', items: [], names: ['alice'], until: '--05-01' },
        { verb: 'never', items: [4] },
      ],
    ],
    [
      'undo pause',
      [
        { verb: 'undo', items: [] },
        { verb: 'pause', items: [] },
      ],
    ],
    ['- done 2', [{ verb: 'done', items: [2] }]],
    ['done\u00a01\u00a03', [{ verb: 'done', items: [1, 3] }]],
    [
      'done 1 snooze 2 2w never 5',
      [
        { verb: 'done', items: [1] },
        { verb: 'snooze', items: [2], duration: '2w' },
        { verb: 'never', items: [5] },
      ],
    ],
    [
      'done 1; never 2',
      [
        { verb: 'done', items: [1] },
        { verb: 'never', items: [2] },
      ],
    ],
    ['met 2', [{ verb: 'met', items: [2] }]],
    ['Called 2 3', [{ verb: 'met', items: [2, 3] }]],
    ['met Alice yesterday', [{ verb: 'met', items: [], names: ['alice'], on: 'yesterday' }]],
    ['met 2 today', [{ verb: 'met', items: [2] }]],
    ['met 2 on 2026-03-15', [{ verb: 'met', items: [2], on: '2026-03-15' }]],
    ['met 2 2026-03-15', [{ verb: 'met', items: [2], on: '2026-03-15' }]],
    ['called Bo on 15 March', [{ verb: 'met', items: [], names: ['bo'], on: '--03-15' }]],
    ['met 2 on March 3rd, 2026', [{ verb: 'met', items: [2], on: '2026-03-03' }]],
    ['every 2m 3', [{ verb: 'every', items: [3], duration: '2m' }]],
    ['every 2 weeks Alice', [{ verb: 'every', items: [], names: ['alice'], duration: '2w' }]],
    ['every month 3, 4', [{ verb: 'every', items: [3, 4], duration: '1m' }]],
    ['every a year 1', [{ verb: 'every', items: [1], duration: '1y' }]],
    ['Every auto 3', [{ verb: 'every', items: [3], duration: 'auto' }]],
    [
      'done 1 met 2 every 6m 3',
      [
        { verb: 'done', items: [1] },
        { verb: 'met', items: [2] },
        { verb: 'every', items: [3], duration: '6m' },
      ],
    ],
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
    'met',
    'Met him last week',
    'met her yesterday',
    'Met 3 times',
    'met 2 on Monday',
    'met 2 on the 15th',
    'met 2 tomorrow',
    'met 2 on 2026-02-30',
    'every 2 3',
    'every 3',
    'every 2m',
    'every 10y 3',
    'every 0d 3',
    'every 2m 3 4w',
    'every other week 3',
    'called it a day',
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
      [
        ['ada', 'roe'],
        [1, 4],
      ],
    ])('%j → %j', (names, positions) => {
      expect(resolveEntries({ items: [], names }, entries)).toEqual({ ok: true, positions, missing: [] });
    });
    it('refuses a name that fits two people, and one that fits nobody', () => {
      expect(resolveEntries({ items: [], names: ['alex'] }, entries)).toEqual({
        ok: false,
        problem: '“alex” could be 3 (Alex Kim) or 4 (Alex Roe); write the number instead',
      });
      expect(resolveEntries({ items: [], names: ['maya'] }, entries)).toEqual({
        ok: false,
        problem: 'there is no one called “maya” in that list',
      });
    });
    it('keeps numbers as they are and reports those the list does not have', () => {
      expect(resolveEntries({ items: [2, 9] }, entries)).toEqual({ ok: true, positions: [2], missing: [9] });
    });
  });

  it('dates a met in the user’s timezone: now for today, the start of that day otherwise, the last such day without a year', () => {
    const now = new Date('2025-06-02T06:00:00Z');
    expect(metDay({}, now, 'UTC')).toEqual(now);
    expect(metDay({ on: '2025-06-02' }, now, 'UTC')).toEqual(now);
    expect(metDay({ on: 'yesterday' }, now, 'Europe/Berlin')?.toISOString()).toBe('2025-05-31T22:00:00.000Z');
    expect(metDay({ on: '2025-05-20' }, now, 'America/New_York')?.toISOString()).toBe('2025-05-20T04:00:00.000Z');
    expect(metDay({ on: '--05-20' }, now, 'UTC')?.toISOString()).toBe('2025-05-20T00:00:00.000Z');
    expect(metDay({ on: '--06-03' }, now, 'UTC')?.toISOString()).toBe('2024-06-03T00:00:00.000Z');
    expect(metDay({ on: '--02-29' }, now, 'UTC')?.toISOString()).toBe('2025-02-28T00:00:00.000Z');
    expect(metDay({ on: '2025-06-03' }, now, 'UTC')).toBeNull();
  });

  it('turns a rhythm into days: weeks as seven, months and years on average; auto is none', () => {
    expect(rhythmDays('2w')).toBe(14);
    expect(rhythmDays('2m')).toBe(60.9);
    expect(rhythmDays('1y')).toBe(365.3);
    expect(rhythmDays('auto')).toBeNull();
  });

  it('describes new commands as they would be written', () => {
    expect(describeCommand({ verb: 'every', items: [3], duration: '2m' })).toBe('every 2m 3');
    expect(describeCommand({ verb: 'met', items: [2], on: '--03-15' })).toBe('met 2 on 03-15');
    expect(describeCommand({ verb: 'met', items: [], names: ['bo'], on: 'yesterday' })).toBe('met bo yesterday');
    for (const line of ['every 2m 3', 'met 2 on 2026-03-15', 'met bo yesterday'])
      expect(describeCommand(parseCommandLine(line)![0]!)).toBe(line);
  });

  it('adds durations along the calendar', () => {
    const from = new Date('2025-01-31T08:00:00Z');
    expect(addDuration(from, '3d').toISOString()).toBe('2025-02-03T08:00:00.000Z');
    expect(addDuration(from, '2w').toISOString()).toBe('2025-02-14T08:00:00.000Z');
    expect(addDuration(new Date('2025-05-15T08:00:00Z'), '1m').toISOString()).toBe('2025-06-15T08:00:00.000Z');
    expect(addDuration(from, '1y').toISOString()).toBe('2026-01-31T08:00:00.000Z');
  });
});
