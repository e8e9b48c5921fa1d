/**
 * Replies as Gmail, Outlook, Apple Mail, iPhone Mail and Thunderbird write them (fixtures
 * written in their styles, after the real client formats in shared/corpora/reply-fixtures)
 * must all read as the same commands; and nothing rekindle itself wrote may ever read as one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderDigest, type DigestEntry } from '../../src/digest/render-digest.ts';
import { parseCommandLine } from '../../src/replies/parse-commands.ts';
import { readCommands, readInbound } from '../../src/replies/read-reply.ts';
import { stripQuoted } from '../../src/replies/strip-quoted.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/replies/${name}`, import.meta.url));

const expected = {
  commands: [
    { verb: 'done', items: [1, 3, 4] },
    { verb: 'snooze', items: [2], duration: '2w' },
    { verb: 'never', items: [5] },
  ],
  ignored: ['Thanks!'],
};

describe('replies from real mail clients', () => {
  it.each(['gmail.eml', 'outlook.eml', 'outlook-html-only.eml', 'apple-mail.eml', 'iphone.eml', 'thunderbird-bottom-posted.eml'])(
    '%s reads as the same commands, with only the person’s own words ignored',
    async (name) => {
      const mail = await readInbound(fixture(name));
      expect(readCommands(mail)).toEqual(expected);
      expect(mail.references).toContain('<rk.digest1@localhost>');
      expect(mail.recipients).toContain('reply+t0ken@localhost');
      expect(mail.from).toBe('sam@example.com');
      expect(mail.automated).toBeNull();
    },
  );

  it('decodes the subject and finds the message id', async () => {
    const mail = await readInbound(fixture('gmail.eml'));
    expect(mail.subject).toBe('Re: Reconnect this week: Maya Chen, Jonas Wéber and 1 more');
    expect(mail.messageId).toBe('<CAF=abc123+xyz@mail.gmail.com>');
  });

  it.each([
    [
      'an Outlook header block with starred names',
      'never 2\n\n ------------------------------\n\n*From:* rekindle\n*Sent:* 2025-06-02\n*To:* sam@example.com\n*Subject:* Reconnect\n\ndone 1 3\n',
    ],
    ['Outlook’s original-message rule', 'never 2\n\n-----Original Message-----\nFrom: rekindle\nSent: Monday\n\ndone 1 3\n'],
    ['a Gmail forward', 'never 2\n\n---------- Forwarded message ---------\nFrom: rekindle <r@x>\nDate: Mon\n\ndone 1 3\n'],
    ['an Apple forward', 'never 2\n\nBegin forwarded message:\n\nFrom: rekindle <r@x>\n\ndone 1 3\n'],
    ['a signature', 'never 2\n-- \nSam\ndone 1 3\n'],
    [
      'a Norwegian attribution wrapped before its colon',
      'never 2\n\ntir. 3. jun. 2025 kl. 08:00 skrev rekindle <reply+x@localhost\n>:\n\n> done 1 3\n',
    ],
    ['a German attribution', 'never 2\n\nAm Mo., 2. Juni 2025 um 08:00 Uhr schrieb rekindle <r@x>:\n> done 1 3\n'],
  ])('stops at %s', (_, text) => {
    expect(readCommands({ subject: 'Re: x', text })).toEqual({ commands: [{ verb: 'never', items: [2] }], ignored: [] });
  });

  it('reads the mailto unsubscribe subject as a command', () => {
    expect(readCommands({ subject: 'unsubscribe', text: '' }).commands).toEqual([{ verb: 'stop', items: [] }]);
  });
});

describe('rekindle’s own words are never commands', () => {
  const asOf = new Date('2025-06-02T06:00:00Z');
  const entries: DigestEntry[] = Array.from({ length: 5 }, (_, i) => ({
    position: i + 1,
    contact: `p${i}@example.com`,
    email: `p${i}@example.com`,
    name: i % 2 ? null : `Person ${i}`,
    reason: 'You last talked 4 months ago; you used to talk every 3 weeks; they wrote last.',
    lastContactAt: new Date(asOf.getTime() - (100 + i) * 86_400_000),
    cadenceDays: i === 3 ? null : 21,
    lastSubject: i === 4 ? null : 'done 1 3',
  }));
  const digest = renderDigest({
    weekOf: '2025-06-02',
    asOf,
    entries,
    recipientName: 'Sam Rivera',
    schedule: { day: 1, hour: 8, timezone: 'UTC' },
    unsubscribeUrl: 'http://localhost:3000/digest/unsubscribe/t',
  });

  it('no line of the digest’s text is a command, even without the sentinel that stops reading', () => {
    for (const line of digest.text.split('\n')) expect(parseCommandLine(line), line).toBeNull();
  });

  it('a reply that pastes the whole digest unquoted reads no command from it', () => {
    expect(readCommands({ subject: 'Re: x', text: `done 2\n\n${digest.text}` }).commands).toEqual([{ verb: 'done', items: [2] }]);
  });

  it('however a client re-wraps the digest, no line of it becomes a command', () => {
    const words = digest.text.replace(/^.*\n/, '').split(/\s+/).filter(Boolean);
    for (let width = 8; width <= 80; width++) {
      const lines: string[] = [];
      let line = '';
      for (const word of words) {
        if (line && line.length + 1 + word.length > width) {
          lines.push(line);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      lines.push(line);
      const found = lines.filter((l) => parseCommandLine(l) !== null);
      // Wrapping can cut an example out of its sentence; the sentinel line above still stops reading.
      expect(
        readCommands({ subject: '', text: `${digest.text.split('\n')[0]}\n${lines.join('\n')}` }).commands,
        `width ${width}: ${found.join(' | ')}`,
      ).toEqual([]);
    }
  });

  it('strips nothing from a reply that has no quote at all', () => {
    expect(stripQuoted('done 1\r\n\r\nnever 2\r\nthanks')).toEqual(['done 1', 'never 2', 'thanks']);
  });
});
