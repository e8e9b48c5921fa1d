/**
 * The pure parts of verdicts: how list verdicts move the list's state and how undo takes a
 * change back part by part; how a reply's commands become verdicts; and what a confirmation
 * says about the new verbs and about an undo (never a line that reads back as a command).
 */
import { describe, expect, it } from 'vitest';
import { commandsToVerdicts } from '../../src/replies/commands-to-verdicts.ts';
import { parseCommandLine } from '../../src/replies/parse-commands.ts';
import { renderConfirmation } from '../../src/replies/render-confirmation.ts';
import type { ListState } from '../../src/verdicts/journal.ts';
import { sameMark } from '../../src/verdicts/journal.ts';
import { nextListState, takeBackList } from '../../src/verdicts/list-state.ts';

const now = new Date('2025-06-02T06:00:00.000Z');
const earlier = '2025-05-01T10:00:00.000Z';
const on: ListState = { pausedAt: null, pausedReason: null, stoppedAt: null };

describe('list verdicts', () => {
  it.each<[string, ListState, Parameters<typeof nextListState>[1], ListState]>([
    ['pause', on, 'pause', { pausedAt: now.toISOString(), pausedReason: 'user', stoppedAt: null }],
    [
      'pause keeps an earlier pause’s time and makes it the user’s',
      { ...on, pausedAt: earlier, pausedReason: 'bounced' },
      'pause',
      { pausedAt: earlier, pausedReason: 'user', stoppedAt: null },
    ],
    [
      'resume clears a pause of any reason and the unsubscribe',
      { pausedAt: earlier, pausedReason: 'complaint', stoppedAt: earlier },
      'resume',
      on,
    ],
    ['stop keeps the first unsubscribe', { ...on, stoppedAt: earlier }, 'stop', { ...on, stoppedAt: earlier }],
    ['a bounce pauses', on, 'bounce', { pausedAt: now.toISOString(), pausedReason: 'bounced', stoppedAt: null }],
    [
      'a bounce never replaces the user’s pause',
      { ...on, pausedAt: earlier, pausedReason: 'user' },
      'bounce',
      { ...on, pausedAt: earlier, pausedReason: 'user' },
    ],
  ])('%s', (_, before, verb, after) => {
    expect(nextListState(before, verb, now)).toEqual(after);
  });

  it('undo restores each part only while it still holds what the change wrote', () => {
    const paused = nextListState(on, 'pause', now);
    expect(takeBackList(paused, on, paused)).toEqual({ state: on, conflict: false });
    // Unsubscribed since: the pause is taken back, the unsubscribe stays.
    const pausedAndStopped = { ...paused, stoppedAt: now.toISOString() };
    expect(takeBackList(pausedAndStopped, on, paused)).toEqual({ state: { ...on, stoppedAt: now.toISOString() }, conflict: false });
    // Resumed and bounced since: the pause now is rekindle's, not the one the change wrote.
    const bounced = { pausedAt: '2025-06-03T00:00:00.000Z', pausedReason: 'bounced' as const, stoppedAt: null };
    expect(takeBackList(bounced, on, paused)).toEqual({ state: null, conflict: true });
    // Timestamps compare as instants, whatever their text (rows migrated from the old journal).
    expect(takeBackList({ ...paused, pausedAt: '2025-06-02 06:00:00+00' }, on, paused)).toEqual({ state: on, conflict: false });
  });

  it('compares marks as instants', () => {
    expect(
      sameMark(
        { status: 'done', markedAt: '2025-06-02T06:00:00.000Z', until: null },
        { status: 'done', markedAt: '2025-06-02T08:00:00+02:00', until: null },
      ),
    ).toBe(true);
    expect(sameMark({ status: 'done', markedAt: earlier, until: null }, { status: 'never', markedAt: earlier, until: null })).toBe(false);
    expect(sameMark(null, null)).toBe(true);
  });
});

describe('a reply’s commands as verdicts', () => {
  const entries = [
    { position: 1, contact: 'ada@example.org', email: 'ada@example.org', name: 'Ada Byron' },
    { position: 2, contact: 'bo@example.net', email: 'bo@example.net', name: null },
  ];
  const context = { now, timezone: 'UTC', weekOf: '2025-06-02', recipient: 'sam@example.com', messageIdDomain: 'rekindle.test' };
  const read = (text: string) =>
    commandsToVerdicts(
      text.split('\n').flatMap((l) => parseCommandLine(l) ?? []),
      entries,
      context,
    );

  it('resolves people against the digest and dates what needs a date', () => {
    const t = read('met 1 on 2025-05-20\nevery 2w bo\nevery auto 1\nsnooze 2 until 2025-07-01\nundo\nundo\npause\nmore\nmore');
    expect(t.undos).toBe(2);
    expect(t.paused).toBe(true);
    expect(t.verdicts).toEqual([
      { verb: 'met', who: { contact: 'ada@example.org', name: 'Ada Byron', position: 1 }, on: new Date('2025-05-20T00:00:00.000Z') },
      { verb: 'cadence', who: { contact: 'bo@example.net', name: 'bo@example.net', position: 2 }, days: 14 },
      { verb: 'cadence', who: { contact: 'ada@example.org', name: 'Ada Byron', position: 1 }, days: null },
      {
        verb: 'snooze',
        who: { contact: 'bo@example.net', name: 'bo@example.net', position: 2 },
        until: new Date('2025-07-01T00:00:00.000Z'),
      },
      { verb: 'pause' },
      { verb: 'more', weekOf: '2025-06-02', recipient: 'sam@example.com', messageIdDomain: 'rekindle.test' },
    ]);
    expect(t.said.map((s) => [s.verb, s.position, s.rhythm ?? s.on ?? s.until])).toEqual([
      ['met', 1, new Date('2025-05-20T00:00:00.000Z')],
      ['every', 2, '2w'],
      ['every', 1, 'auto'],
      ['snooze', 2, new Date('2025-07-01T00:00:00.000Z')],
    ]);
    expect(t.ignored).toEqual([]);
  });

  it('refuses a met in the future, a number the list lacks and a name that fits nobody', () => {
    const t = read('met 1 on 2025-06-10\nmet 3\nevery 2m zed');
    expect(t.verdicts).toEqual([]);
    expect(t.ignored).toEqual([
      'met 1 on 2025-06-10: that day is still to come',
      'met 3: there is no 3 in that list',
      'every 2m zed: there is no one called “zed” in that list',
    ]);
  });
});

describe('the confirmation', () => {
  const base = { changes: [], undone: [], nothingToUndo: false, unsubscribed: false, ignored: [], timezone: 'UTC' };

  it('says what met and every did, and offers the web undo; no line of it reads as a command', () => {
    const text = renderConfirmation({
      ...base,
      changes: [
        { position: 2, name: 'Bo Chen', verb: 'met', until: null, on: new Date('2025-05-20T00:00:00Z') },
        { position: 3, name: 'Cy Young', verb: 'every', until: null, rhythm: '2m' },
        { position: 1, name: 'Ada Byron', verb: 'every', until: null, rhythm: 'auto' },
      ],
      undoUrl: 'https://rekindle.test/undo/t',
    });
    expect(text).toContain('Counted as in touch on 20 May 2025:\n  2. Bo Chen');
    expect(text).toContain('Expected to be in touch every 2 months:\n  3. Cy Young');
    expect(text).toContain('Back to the rhythm rekindle learned from your mail:\n  1. Ada Byron');
    expect(text).toContain('Changed your mind? Reply with: undo\nOr take this reply back on the web: https://rekindle.test/undo/t');
    for (const line of text.split('\n')) expect(parseCommandLine(line), line).toBeNull();
  });

  it('names where what an undo took back was said, and what it left because it changed since', () => {
    const text = renderConfirmation({
      ...base,
      undone: [{ name: 'Ada Byron', position: 1 }],
      undoneFrom: ['link'],
      undoneSettings: true,
      kept: [{ name: 'Bo Chen', position: null }],
    });
    expect(text).toContain('Taken back, as before your last click on a digest link:\n  1. Ada Byron');
    expect(text).toContain('Your weekly list is back to how it was before your last click on a digest link.');
    expect(text).toContain('Left as they are, because they changed again since:\n  Bo Chen');
    expect(renderConfirmation({ ...base, undone: [{ name: 'Ada', position: 1 }] })).toContain('Taken back, as before your last reply:');
    for (const line of text.split('\n')) expect(parseCommandLine(line), line).toBeNull();
  });
});
