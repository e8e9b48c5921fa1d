/**
 * The digest stays short: five people, each in at most four lines of text in the plain-text
 * part (the link line under a person, when links are on, is an action, not text), whatever the
 * names, subjects and context. Rendered here at its worst: long names, long addresses, long
 * reasons, long subjects and titles, every context present.
 */
import { describe, expect, it } from 'vitest';
import type { MutualConnection } from '../../src/contacts/mutual-connection.ts';
import { CONTEXT_LINE_MAX, renderDigest, type DigestEntry } from '../../src/digest/render-digest.ts';
import { chooseOpener } from '../../src/digest/opener.ts';
import { parseCommandLine } from '../../src/replies/parse-commands.ts';

const DAY = 86_400_000;
const asOf = new Date('2025-06-02T06:00:00Z');
const long = (word: string, n: number) => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');
const LINK = '   Mark as done, snooze or never: ';

const mutual = (name: string | null): MutualConnection => ({
  contact: 'ana@lima.example',
  name,
  email: 'ana@lima.example',
  shared: 3,
  kinds: ['sent', 'meeting'],
  lastWroteAt: new Date(asOf.getTime() - 6 * DAY),
});

function entry(position: number, overrides: Partial<DigestEntry> = {}): DigestEntry {
  return {
    position,
    contact: `p${position}@example.com`,
    email: `p${position}@example.com`,
    name: `Person ${position}`,
    reason: 'The silence is about three times your usual gap.',
    lastContactAt: new Date(asOf.getTime() - 200 * DAY),
    cadenceDays: 30,
    lastSubject: 'Q3 roadmap',
    context: {
      opener: { code: 'catch-up', text: 'It’s been a while since ‘Q3 roadmap’. How are you?' },
      meeting: { title: 'Design review', at: new Date('2025-01-14T10:00:00Z'), people: 3 },
      mutual: mutual('Ana Lima'),
    },
    ...overrides,
  };
}

const worst = (position: number): DigestEntry =>
  entry(position, {
    email: `${'x'.repeat(60)}.${position}@${'very-long-subdomain.'.repeat(3)}example.com`,
    name: `${long('Maximiliana', 20)}\n\u202e${position}`,
    reason: `${long('The silence is long.', 12)} They wrote last, so a reply is the natural next step. ${long('They write from', 10)}`,
    lastSubject: `Re: ${long('subject', 80)}\r\nBcc: x@y`,
    context: {
      // The opener as chooseOpener makes it from a long subject: bounded by construction.
      opener: chooseOpener({
        codes: ['overdue', 'their-turn'],
        contact: { lastSubject: long('subject', 80), lastInboundAt: asOf, lastMeetingAt: null, domainChange: null, firstContactAt: asOf },
        meeting: null,
        asOf,
      }),
      meeting: { title: long('Quarterly business review', 20), at: new Date('2025-01-14T10:00:00Z'), people: 14 },
      mutual: mutual(long('Bartholomew', 15)),
    },
  });

/** Each person's lines in the plain-text part: from "N. " to the blank line after. */
function blocks(text: string): string[][] {
  const out: string[][] = [];
  let current: string[] | null = null;
  for (const line of text.split('\n')) {
    if (/^\d+\. /.test(line)) out.push((current = [line]));
    else if (line === '') current = null;
    else current?.push(line);
  }
  return out;
}

const render = (entries: DigestEntry[]) =>
  renderDigest({
    weekOf: '2025-06-02',
    asOf,
    entries,
    recipientName: 'Sam Rivera',
    schedule: { day: 1, hour: 8, timezone: 'Europe/Berlin' },
    unsubscribeUrl: 'https://rekindle.example/digest/unsubscribe/t',
    actionUrl: (position) => `https://rekindle.example/d/${'t'.repeat(40)}/${position}`,
  });

describe('the digest stays short', () => {
  it('worst case: five people, each in at most four lines of text, none wrapped, the fourth within its width', () => {
    const { text } = render([1, 2, 3, 4, 5].map(worst));
    const people = blocks(text);
    expect(people).toHaveLength(5);
    for (const lines of people) {
      const textLines = lines.filter((l) => !l.startsWith(LINK));
      expect(textLines.length, lines.join('\n')).toBeLessThanOrEqual(4);
      expect(lines.length - textLines.length).toBe(1);
      expect(textLines[3]!.length).toBeLessThanOrEqual(3 + CONTEXT_LINE_MAX);
      // What did not fit was left out whole: the mutual connection goes first, no half sentence.
      expect(textLines[3]).toMatch(/^ {3}Last subject: “[^”]+” · Last meeting: “[^”]+”, 14 January 2025, 14 people$/);
      expect(textLines[2]).toMatch(/^ {3}Why now: .+ Try: “Sorry for the slow reply about ‘[^’]+’!”$/);
    }
  });

  it('keeps everything when it fits: subject, meeting and the mutual connection on one line', () => {
    const { text, html } = render([entry(1)]);
    const [lines] = blocks(text);
    expect(lines).toEqual([
      '1. Person 1 <p1@example.com>',
      '   Last in touch 7 months ago (14 November 2024); you used to talk every 4 weeks.',
      '   Why now: The silence is about three times your usual gap. Try: “It’s been a while since ‘Q3 roadmap’. How are you?”',
      '   Last subject: “Q3 roadmap” · Last meeting: “Design review”, 14 January 2025, 3 people · Mutual: Ana Lima (on 3 of your messages and meetings with them; you wrote to Ana 6 days ago)',
      `${LINK}https://rekindle.example/d/${'t'.repeat(40)}/1`,
    ]);
    // The HTML says the same.
    expect(html).toContain('<span class="opener" style="color:#7a3b1d;">Try: “It’s been a while since ‘Q3 roadmap’. How are you?”</span>');
    expect(html).toContain(
      '>Last subject: “Q3 roadmap” · Last meeting: “Design review”, 14 January 2025, 3 people · Mutual: Ana Lima (on 3 of your messages and meetings with them; you wrote to Ana 6 days ago)</p>',
    );
  });

  it('says a meeting’s title once when it is the last subject, and "just the two of you" for two', () => {
    const { text } = render([
      entry(1, {
        lastSubject: 'Design review',
        context: {
          opener: { code: 'meeting', text: 'How have things been since ‘Design review’ in January 2025?' },
          meeting: { title: 'Design review', at: new Date('2025-01-14T10:00:00Z'), people: 2 },
          mutual: null,
        },
      }),
    ]);
    expect(blocks(text)[0]![3]).toBe('   Last meeting: “Design review”, 14 January 2025, just the two of you');
  });

  it('names a connection without a display name by address, and one written to today as "in the last day"', () => {
    const context = {
      ...entry(1).context!,
      meeting: null,
      mutual: { ...mutual(null), kinds: ['sent' as const], lastWroteAt: new Date(asOf.getTime() - 3_600_000) },
    };
    const { text } = render([entry(1, { context })]);
    expect(blocks(text)[0]![3]).toBe(
      '   Last subject: “Q3 roadmap” · Mutual: ana@lima.example (on 3 of your messages to them; you wrote to ana@lima.example in the last day)',
    );
  });

  it('says a name written surname first whole, not its first word', () => {
    const context = { ...entry(1).context!, meeting: null, mutual: mutual('Lima, Ana') };
    const { text } = render([entry(1, { context, lastSubject: null })]);
    expect(blocks(text)[0]![3]).toBe(
      '   Mutual: Lima, Ana (on 3 of your messages and meetings with them; you wrote to Lima, Ana 6 days ago)',
    );
  });

  it('a list recorded before context existed renders as it did', () => {
    const { text } = render([entry(1, { context: undefined })]);
    expect(blocks(text)[0]!.slice(2, 4)).toEqual([
      '   Why now: The silence is about three times your usual gap.',
      '   Last subject: “Q3 roadmap”',
    ]);
  });

  it('no line of it reads as a command, worst case included', () => {
    const { text } = render([1, 2, 3, 4, 5].map(worst).concat([entry(6)]));
    for (const line of text.split('\n')) expect(parseCommandLine(line), line).toBeNull();
  });
});
