/**
 * The rhythm picture on "who is due": what its text says (the only thing a screen reader gets),
 * how its bars follow the counts, and how monthly rows become the two-year series.
 */
import { describe, expect, it } from 'vitest';
import { monthlySeries, RHYTHM_MONTHS, rhythmSparkline, rhythmText } from '../../src/web/rhythm-sparkline.ts';

const months = (pairs: Record<number, number>, length = RHYTHM_MONTHS) => Array.from({ length }, (_, i) => pairs[i] ?? 0);

const bars = (svg: string) =>
  [...svg.matchAll(/<rect x="(\d+)" y="(\d+)" width="4" height="(\d+)" fill="([^"]+)"\/>/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    height: Number(m[3]),
    fill: m[4],
  }));

describe('rhythmText', () => {
  it.each<[string, number[], Date | null, string, string]>([
    [
      'counts and the last day, in the app’s date style and the user’s timezone',
      months({ 3: 4, 10: 2, 20: 8 }),
      new Date('2026-03-03T10:00:00Z'),
      'Europe/Berlin',
      '14 messages or meetings with them in the last 24 months; the last on 3 March 2026.',
    ],
    [
      'the last day is the user’s, not UTC’s',
      months({ 23: 1 }),
      new Date('2026-03-03T23:30:00Z'),
      'Asia/Tokyo',
      '1 message or meeting with them in the last 24 months; the last on 4 March 2026.',
    ],
    ['nothing in two years says so, and names no day', months({}), null, 'UTC', 'No messages or meetings with them in the last 24 months.'],
    ['without a known last day, says less', months({ 5: 2 }), null, 'UTC', '2 messages or meetings with them in the last 24 months.'],
    [
      'a one-month window',
      [3],
      new Date('2026-12-01T00:00:00Z'),
      'UTC',
      '3 messages or meetings with them in this month; the last on 1 December 2026.',
    ],
  ])('%s', (_what, counts, lastAt, timezone, text) => {
    expect(rhythmText({ counts, lastAt, timezone })).toBe(text);
  });

  it.each([[[]], [[1, -1]], [[1.5]], [[Number.NaN]]])('refuses counts that are not counts: %j', (counts) => {
    expect(() => rhythmText({ counts, lastAt: null, timezone: 'UTC' })).toThrow(RangeError);
  });
});

describe('rhythmSparkline', () => {
  it('is an image named by its text, with the same text as its title, and no script or style', () => {
    const input = { counts: months({ 0: 1, 23: 2 }), lastAt: new Date('2026-12-01T12:00:00Z'), timezone: 'UTC' };
    const svg = rhythmSparkline(input);
    const text = rhythmText(input);
    expect(svg.startsWith('<svg class="rhythm" xmlns="http://www.w3.org/2000/svg" role="img"')).toBe(true);
    expect(svg).toContain(`aria-label="${text}"`);
    expect(svg).toContain(`<title>${text}</title>`);
    expect(svg).not.toMatch(/<script|style=|on\w+=/i);
    expect(svg).toContain('width="119" height="24" viewBox="0 0 119 24"');
  });

  it('draws one bar per month with any exchange, at its place, scaled to the busiest month', () => {
    const svg = rhythmSparkline({ counts: months({ 0: 1, 5: 11, 10: 22, 23: 11 }), lastAt: null, timezone: 'UTC' });
    expect(bars(svg)).toEqual([
      // 1/22 of 22 px rounds to 1: raised to the 2 px any month with an exchange gets.
      { x: 0, y: 22, height: 2, fill: '#b4532a' },
      { x: 25, y: 13, height: 11, fill: '#b4532a' },
      { x: 50, y: 2, height: 22, fill: '#b4532a' },
      // The current month is lighter: it is not over.
      { x: 115, y: 13, height: 11, fill: '#d9a58c' },
    ]);
  });

  it('draws no bar for a silent two years, only the baseline', () => {
    const svg = rhythmSparkline({ counts: months({}), lastAt: null, timezone: 'UTC' });
    expect(bars(svg)).toEqual([]);
    expect(svg).toContain('<line x1="0" y1="23.5" x2="119" y2="23.5"');
  });
});

describe('monthlySeries', () => {
  it('places rows by month, the end month last, across a year boundary', () => {
    const series = monthlySeries(
      [
        { month: '2026-12', count: 3 },
        { month: '2026-01', count: 2 },
        { month: '2025-12', count: 5 },
        { month: '2025-01', count: 7 },
      ],
      '2026-12',
    );
    expect(series).toHaveLength(24);
    expect(series[23]).toBe(3);
    expect(series[12]).toBe(2);
    expect(series[11]).toBe(5);
    expect(series[0]).toBe(7);
    expect(series.reduce((a, b) => a + b, 0)).toBe(17);
  });

  it('leaves out rows before the window and after its end, and adds two rows of one month', () => {
    const series = monthlySeries(
      [
        { month: '2024-12', count: 9 },
        { month: '2027-01', count: 9 },
        { month: '2026-06', count: 1 },
        { month: '2026-06', count: 2 },
      ],
      '2026-12',
    );
    expect(series.reduce((a, b) => a + b, 0)).toBe(3);
    expect(series[17]).toBe(3);
  });

  it.each(['2026-13', '2026-00', '26-01', ''])('refuses %j as a month', (month) => {
    expect(() => monthlySeries([{ month, count: 1 }], '2026-12')).toThrow(RangeError);
    expect(() => monthlySeries([], month)).toThrow(RangeError);
  });
});
