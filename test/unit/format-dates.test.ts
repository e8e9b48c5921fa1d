/**
 * Dates in one style wherever a person reads them: the digest (text and HTML), the confirmation
 * of a reply and the web pages all write "2 December 2026" (an instant adds the weekday and the
 * time), in the reader's timezone, from the one formatter in src/dates/format-dates.ts.
 */
import { describe, expect, it } from 'vitest';
import { formatCalendarDay, formatDate, formatInstant } from '../../src/dates/format-dates.ts';
import { renderDigest } from '../../src/digest/render-digest.ts';
import { renderConfirmation } from '../../src/replies/render-confirmation.ts';
import { formatDay, formatInstant as pageInstant } from '../../src/web/html.ts';

const MONTHS = 'January|February|March|April|May|June|July|August|September|October|November|December';
const ONE_STYLE = new RegExp(`^\\d{1,2} (${MONTHS}) \\d{4}$`);
/** Dates written any other way: ISO days, short months, month first. */
const OTHER_STYLES = [
  /\b\d{4}-\d{2}-\d{2}\b/,
  /\b\d{1,2} (Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b(?!\w)/,
  new RegExp(`\\b(${MONTHS}) \\d{1,2},? \\d{4}`),
];

describe('one date style', () => {
  const at = new Date('2026-03-01T23:30:00Z');

  it('writes a day as day, month in full, year, in the reader’s timezone', () => {
    expect(formatDate(at, 'UTC')).toBe('1 March 2026');
    expect(formatDate(at, 'Europe/Berlin')).toBe('2 March 2026');
    expect(formatDate(at, 'America/New_York')).toBe('1 March 2026');
    expect(formatCalendarDay('2026-11-30')).toBe('30 November 2026');
    expect(formatInstant(at, 'Europe/Berlin')).toMatch(/^Monday,? 2 March 2026,? at 00:30 (CET|GMT\+1)$/);
  });

  it('the pages use the same formatter', () => {
    expect(formatDay(at, 'Asia/Tokyo')).toBe(formatDate(at, 'Asia/Tokyo'));
    expect(pageInstant(at, 'Asia/Tokyo')).toBe(formatInstant(at, 'Asia/Tokyo'));
  });

  it('the digest writes its week and every last contact in it, in text and HTML', () => {
    const digest = renderDigest({
      weekOf: '2026-11-30',
      asOf: new Date('2026-12-02T08:00:00Z'),
      entries: [
        {
          position: 1,
          contact: 'ada@example.org',
          email: 'ada@example.org',
          name: 'Ada',
          reason: 'You used to write every few weeks.',
          lastContactAt: new Date('2026-06-14T10:00:00Z'),
          cadenceDays: 21,
          lastSubject: null,
        },
      ],
      recipientName: 'Sam',
      schedule: { day: 1, hour: 8, timezone: 'Europe/London' },
      unsubscribeUrl: 'http://localhost:3000/digest/unsubscribe/t',
    });
    for (const part of [digest.text, digest.html]) {
      expect(part).toContain('your list for the week of 30 November 2026');
      expect(part).toContain('(14 June 2026)');
      for (const other of OTHER_STYLES) expect(part.replace(/https?:\/\/\S+/g, ''), String(other)).not.toMatch(other);
    }
  });

  it('the confirmation of a reply writes its dates the same way', () => {
    const text = renderConfirmation({
      changes: [
        { position: 1, name: 'Ada', verb: 'snooze', until: new Date('2027-01-05T00:00:00Z') },
        { position: 2, name: 'Bo', verb: 'met', until: null, on: new Date('2026-11-20T12:00:00Z') },
      ],
      undone: [],
      nothingToUndo: false,
      unsubscribed: false,
      ignored: [],
      timezone: 'UTC',
    });
    expect(text).toContain('Snoozed until 5 January 2027:');
    expect(text).toContain('Counted as in touch on 20 November 2026:');
    for (const found of text.matchAll(new RegExp(`\\d{1,2} (${MONTHS}) \\d{4}`, 'g'))) expect(found[0]).toMatch(ONE_STYLE);
    for (const other of OTHER_STYLES) expect(text.replace(/https?:\/\/\S+/g, '')).not.toMatch(other);
  });
});
