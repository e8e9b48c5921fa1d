/** The suggested opener: one template per main reason, filled only with what the data shows. */
import { describe, expect, it } from 'vitest';
import type { ReconnectReasonCode } from '../../src/contacts/select-reconnects.ts';
import type { ContactSummary } from '../../src/contacts/types.ts';
import { chooseOpener, OPENER_QUOTE_MAX } from '../../src/digest/opener.ts';

const DAY = 86_400_000;
const asOf = new Date('2025-06-02T06:00:00Z');
const daysAgo = (n: number) => new Date(asOf.getTime() - n * DAY);

type OpenerContact = Parameters<typeof chooseOpener>[0]['contact'];
const base: OpenerContact = {
  lastSubject: 'Q3 roadmap',
  lastInboundAt: daysAgo(100),
  lastMeetingAt: null,
  domainChange: null,
  firstContactAt: new Date('2021-01-10T00:00:00Z'),
};
const meeting = { title: 'Design review', at: new Date('2025-01-14T10:00:00Z'), people: 3 };
const open = (codes: ReconnectReasonCode[], contact: Partial<ContactSummary> = {}, withMeeting = false) =>
  chooseOpener({ codes: ['overdue', ...codes], contact: { ...base, ...contact }, meeting: withMeeting ? meeting : null, asOf });

describe('chooseOpener: the main reason picks the template', () => {
  it.each([
    {
      name: 'a new organization → congratulate, hedged as the reason is',
      got: () => open(['new-domain', 'their-turn'], { domainChange: { from: 'enron.com', to: 'dynegy.com', since: daysAgo(90) } }),
      code: 'congratulate',
      text: 'I see you write from dynegy.com now: congratulations if it’s a new role!',
    },
    {
      name: 'they wrote last → answer their last subject',
      got: () => open(['their-turn']),
      code: 'answer',
      text: 'Sorry for the slow reply about ‘Q3 roadmap’!',
    },
    {
      name: 'they wrote last, but a meeting came after their mail → not "their" subject',
      got: () => open(['their-turn'], { lastMeetingAt: daysAgo(50), lastSubject: 'Design review' }),
      code: 'answer',
      text: 'Sorry for the slow reply to your last message!',
    },
    {
      name: 'they wrote last, subjects switched off',
      got: () => open(['their-turn'], { lastSubject: null }),
      code: 'answer',
      text: 'Sorry for the slow reply to your last message!',
    },
    {
      name: 'the anniversary of the first contact',
      got: () => open(['anniversary'], { firstContactAt: new Date('2022-06-04T00:00:00Z') }),
      code: 'anniversary',
      text: 'We first got in touch 3 years ago this week. How are you?',
    },
    {
      name: 'a long friendship → a coffee or a call',
      got: () => open(['long-friendship'], {}, true),
      code: 'coffee',
      text: 'It’s been too long. Coffee or a call soon?',
    },
    {
      name: 'a meeting shared → mention it',
      got: () => open([], {}, true),
      code: 'meeting',
      text: 'How have things been since ‘Design review’ in January 2025?',
    },
    {
      name: 'a meeting without a title',
      got: () => chooseOpener({ codes: ['overdue'], contact: base, meeting: { ...meeting, title: null }, asOf }),
      code: 'meeting',
      text: 'How have things been since we met in January 2025?',
    },
    {
      name: 'only the silence → catch up on the last subject',
      got: () => open([]),
      code: 'catch-up',
      text: 'It’s been a while since ‘Q3 roadmap’. How are you?',
    },
    {
      name: 'only the silence, no subject',
      got: () => open([], { lastSubject: null }),
      code: 'catch-up',
      text: 'It’s been a while. How are you?',
    },
  ])('$name', ({ got, code, text }) => {
    expect(got()).toEqual({ code, text });
  });

  it('names the month of a meeting in the user’s timezone, as the digest dates it', () => {
    const lateJanuary = { ...meeting, at: new Date('2025-01-31T23:30:00Z') };
    const inBerlin = chooseOpener({ codes: ['overdue'], contact: base, meeting: lateJanuary, asOf, timezone: 'Europe/Berlin' });
    const inNewYork = chooseOpener({ codes: ['overdue'], contact: base, meeting: lateJanuary, asOf, timezone: 'America/New_York' });
    expect(inBerlin.text).toBe('How have things been since ‘Design review’ in February 2025?');
    expect(inNewYork.text).toBe('How have things been since ‘Design review’ in January 2025?');
  });

  it('never claims a new job without the domain change that made the reason', () => {
    expect(open(['new-domain']).code).toBe('catch-up');
  });

  it('keeps a long subject to one short phrase, on one line', () => {
    const { text } = open(['their-turn'], { lastSubject: `Re:\n${'very long subject '.repeat(20)}` });
    expect(text).not.toMatch(/\n/);
    const quoted = /‘(.*)’/.exec(text)![1]!;
    expect(quoted.length).toBeLessThanOrEqual(OPENER_QUOTE_MAX);
    expect(quoted.endsWith('…')).toBe(true);
  });
});
