import { describe, expect, it } from 'vitest';
import { addDuration, parseCommandLine } from '../../src/replies/parse-commands.ts';

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
    ['unsubscribe', [{ verb: 'unsubscribe', items: [] }]],
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
  ])('%j is not a command', (line) => {
    expect(parseCommandLine(line)).toBeNull();
  });

  it('adds durations along the calendar', () => {
    const from = new Date('2025-01-31T08:00:00Z');
    expect(addDuration(from, '3d').toISOString()).toBe('2025-02-03T08:00:00.000Z');
    expect(addDuration(from, '2w').toISOString()).toBe('2025-02-14T08:00:00.000Z');
    expect(addDuration(new Date('2025-05-15T08:00:00Z'), '1m').toISOString()).toBe('2025-06-15T08:00:00.000Z');
    expect(addDuration(from, '1y').toISOString()).toBe('2026-01-31T08:00:00.000Z');
  });
});
