/**
 * The emulators' own header reading (fakes/shared/mail-headers.ts), written apart from the
 * product's parser: it must read what Gmail and Graph read, or the fakes would lie to the
 * tests about what a real server answers.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeEncodedWords,
  HeaderFields,
  headerBlockOf,
  parseHeaderBlock,
  parseHeaderDate,
  parseMailboxes,
} from '../../fakes/shared/mail-headers.ts';

describe('the fakes’ header reading', () => {
  it('splits the block at the first empty line and unfolds continuation lines', () => {
    const raw = 'From: a@x.org\r\nSubject: one\r\n two\r\nX-Empty:\r\n\r\nBody: not a header\r\n';
    const headers = parseHeaderBlock(headerBlockOf(raw));
    expect(headers).toEqual([
      { name: 'From', value: 'a@x.org' },
      { name: 'Subject', value: 'one two' },
      { name: 'X-Empty', value: '' },
    ]);
    const fields = new HeaderFields([...headers, { name: 'subject', value: 'again' }]);
    expect(fields.get('SUBJECT')).toBe('one two');
    expect(fields.all('Subject')).toEqual(['one two', 'again']);
    expect(fields.has('Body')).toBe(false);
  });

  it('reads mailboxes: quoted names with commas, groups, the comment form, and skips what has no address', () => {
    expect(
      parseMailboxes(
        '"Smith, Ann" <ann@x.org>, Bob <bob@y.org>',
        'Team: c@z.org, d@z.org;',
        'e@w.org (Eve Doe)',
        'undisclosed-recipients:;',
        'not an address',
      ),
    ).toEqual([
      { email: 'ann@x.org', name: 'Smith, Ann' },
      { email: 'bob@y.org', name: 'Bob' },
      { email: 'c@z.org', name: null },
      { email: 'd@z.org', name: null },
      { email: 'e@w.org', name: 'Eve Doe' },
    ]);
  });

  it('decodes encoded words in names and subjects, joining adjacent words', () => {
    expect(decodeEncodedWords('=?UTF-8?B?SsO8cmdlbg==?= =?ISO-8859-1?Q?M=FCller?=')).toBe('JürgenMüller');
    expect(decodeEncodedWords('Re: =?utf-8?q?caf=C3=A9_time?=')).toBe('Re: café time');
    expect(decodeEncodedWords('=?x-unknown?Q?abc?=')).toBe('=?x-unknown?Q?abc?=');
    expect(parseMailboxes('=?UTF-8?Q?Ren=C3=A9e?= <renee@x.org>')).toEqual([{ email: 'renee@x.org', name: 'Renée' }]);
  });

  it('reads RFC 5322 dates, two-digit years as §4.3 says, and refuses what is no date', () => {
    expect(parseHeaderDate('Mon, 4 Dec 2000 10:00:00 -0800 (PST)')?.toISOString()).toBe('2000-12-04T18:00:00.000Z');
    expect(parseHeaderDate('4 Dec 01 10:00:00 +0000')?.toISOString()).toBe('2001-12-04T10:00:00.000Z');
    expect(parseHeaderDate('4 Dec 99 10:00:00 +0000')?.toISOString()).toBe('1999-12-04T10:00:00.000Z');
    expect(parseHeaderDate('yesterday')).toBeNull();
    expect(parseHeaderDate('1 Jan 1970 00:00:00 +0000')).toBeNull();
    expect(parseHeaderDate(null)).toBeNull();
  });
});
