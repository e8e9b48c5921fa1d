/**
 * Reading local mail and calendars: folder names, maildir trees, mbox files, iCalendar
 * files, learning the owner's addresses, and progress output. Fixtures are written by the
 * tests into a temporary folder.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeAddress } from '../../src/contacts/normalize-address.ts';
import { metaOf } from '../../src/import/import-mail.ts';
import { isSentFolderName, skippedFolderReason } from '../../src/import/folder-names.ts';
import { OwnerAddressLearner } from '../../src/import/learn-owner-addresses.ts';
import { createProgress } from '../../src/import/progress.ts';
import type { RawMessage } from '../../src/import/raw-message.ts';
import { parseIcs } from '../../src/import/read-ics.ts';
import { countMaildir, folderOf, readMaildir } from '../../src/import/read-maildir.ts';
import { classifyLabels, countMbox, gmailLabels, readMbox } from '../../src/import/read-mbox.ts';
import { message } from '../../testkit/inference-fixtures.ts';

const root = mkdtempSync(path.join(tmpdir(), 'rekindle-import-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(relative: string, content: string | Buffer): string {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

async function collect(messages: AsyncIterable<RawMessage>): Promise<RawMessage[]> {
  const list: RawMessage[] = [];
  for await (const m of messages) list.push(m);
  return list;
}

const mail = (id: string, from: string, to: string, extra = '') =>
  `Message-ID: <${id}@x>\r\nDate: Mon, 3 Jun 2024 10:00:00 +0000\r\nFrom: ${from}\r\nTo: ${to}\r\nSubject: ${id}\r\n${extra}\r\nBody of ${id}\r\nFrom: not a header\r\n`;

describe('folder names', () => {
  it.each([
    ['sent', true],
    ['sent_items', true],
    ['_sent_mail', true],
    ['Sent Items', true],
    ['.Sent', true],
    ['INBOX.Sent', true],
    ['Gesendete Objekte', true],
    ['Éléments envoyés', true],
    ['inbox', false],
    ['sentiments', false],
    ['discussion_threads', false],
  ])('%s is a sent folder: %s', (name, sent) => {
    expect(isSentFolderName(name)).toBe(sent);
  });

  it.each([
    ['Drafts', 'draft'],
    ['Junk E-mail', 'spam'],
    ['Spam', 'spam'],
    ['Chats', 'chat'],
    ['junk', null],
    ['deleted_items', null],
    ['Trash', null],
    ['inbox', null],
  ])('%s is skipped: %s', (name, reason) => {
    expect(skippedFolderReason(name)).toBe(reason);
  });

  it.each([
    [['inbox'], 'inbox', null],
    [['inbox', 'projects'], 'inbox', null],
    [['sent_items'], 'sent', null],
    [['archive', 'sent'], 'sent', null],
    [['all_documents'], 'other', null],
    [['drafts'], 'other', 'draft'],
    [['cur'], 'other', null],
  ])('a file under %j is in %s (skip %s)', (segments, folder, skip) => {
    expect(folderOf(segments)).toEqual({ folder, skip });
  });
});

describe('readMaildir', () => {
  const dir = path.join(root, 'kim');
  write('kim/inbox/1', mail('in1', 'Ann <ann@x.org>', 'kim@acme.com'));
  write('kim/inbox/2', mail('in2', 'Bo <bo@x.org>', 'kim@acme.com', 'X-Big: yes\r\n') + 'x'.repeat(3_000_000));
  write('kim/inbox/projects/10', mail('in3', 'Cy <cy@x.org>', 'kim@acme.com'));
  write('kim/sent_items/1', mail('out1', 'kim@acme.com', 'ann@x.org'));
  write('kim/_sent_mail/1', mail('out2', 'kim@acme.com', 'bo@x.org'));
  write('kim/drafts/1', mail('draft1', 'kim@acme.com', 'cy@x.org'));
  write('kim/cur/1700000000.M1.host:2,S', mail('md1', 'Dee <dee@x.org>', 'kim@acme.com'));
  write('kim/tmp/1700000001.M2.host', mail('partial', 'Eve <eve@x.org>', 'kim@acme.com'));
  write('kim/inbox/.DS_Store', 'binary');
  write('kim/inbox/3', 'no header block at all, and no empty line');

  it('reads sent folders first, then the rest, skipping tmp/ and dot-files; header blocks only', async () => {
    const messages = await collect(readMaildir(dir));
    expect(messages.map((m) => [m.origin, m.folder, m.skip ?? null])).toEqual([
      ['_sent_mail/1', 'sent', null],
      ['sent_items/1', 'sent', null],
      ['cur/1700000000.M1.host:2,S', 'other', null],
      ['drafts/1', 'other', 'draft'],
      ['inbox/1', 'inbox', null],
      ['inbox/2', 'inbox', null],
      ['inbox/3', 'inbox', null],
      ['inbox/projects/10', 'inbox', null],
    ]);
    const big = messages.find((m) => m.origin === 'inbox/2')!;
    expect(big.headers).toContain('X-Big: yes');
    expect(big.headers).not.toContain('Body of');
    expect(await countMaildir(dir)).toBe(8);
  });

  it('names every message by its header block, so a second read gives the same ids', async () => {
    const first = (await collect(readMaildir(dir))).map((m) => m.providerId);
    const second = (await collect(readMaildir(dir))).map((m) => m.providerId);
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });

  it('says clearly when the path is not a folder', async () => {
    await expect(collect(readMaildir(path.join(dir, 'inbox/1')))).rejects.toThrow(/not a directory/);
  });
});

describe('readMbox', () => {
  const file = write(
    'takeout.mbox',
    [
      'From 1@xxx Mon Jun 03 10:00:00 +0000 2024',
      'X-GM-THRID: 1700',
      'X-Gmail-Labels: Sent,Opened',
      'Message-ID: <a@x>',
      'Date: Mon, 3 Jun 2024 10:00:00 +0000',
      'From: Kim <kim@gmail.com>',
      'To: ann@x.org',
      'Subject: Lunch',
      '',
      'Body line',
      '>From the archives: an escaped line',
      '',
      'From 2@xxx Tue Jun 04 10:00:00 +0000 2024',
      'X-Gmail-Labels: Inbox,Category Promotions,',
      ' Unread',
      'Message-ID: <b@x>',
      'Date: Tue, 4 Jun 2024 10:00:00 +0000',
      'From: shop@deals.example',
      'To: kim@gmail.com',
      'Subject: =?UTF-8?Q?R=C3=A9duction?=',
      '',
      'From 3@xxx Wed Jun 05 10:00:00 +0000 2024',
      'X-Gmail-Labels: Drafts',
      'Message-ID: <c@x>',
      'Date: Wed, 5 Jun 2024 10:00:00 +0000',
      'From: kim@gmail.com',
      '',
      'draft body',
      '',
    ].join('\r\n'),
  );

  it('streams each message’s header block with the folder, tab and skip reason of its labels', async () => {
    const messages = await collect(readMbox(file));
    expect(messages.map((m) => [m.folder, m.category ?? null, m.skip ?? null])).toEqual([
      ['sent', null, null],
      ['inbox', 'promotions', null],
      ['other', null, 'draft'],
    ]);
    expect(messages[0]!.headers).not.toContain('Body line');
    expect(metaOf(messages[0]!)).toMatchObject({ message: { threadId: '1700', subject: 'Lunch', folder: 'sent' } });
    expect(metaOf(messages[1]!)).toMatchObject({ message: { subject: 'Réduction', flags: { category: 'promotions' } } });
    expect(await countMbox(file)).toBe(3);
  });

  it.each([
    [['inbox', 'sent'], { folder: 'sent', category: null, skip: null }],
    [['inbox', 'category updates'], { folder: 'inbox', category: 'updates', skip: null }],
    [['spam'], { folder: 'other', category: null, skip: 'spam' }],
    [['trash', 'inbox'], { folder: 'inbox', category: null, skip: 'trash' }],
    [['chat'], { folder: 'other', category: null, skip: 'chat' }],
    [['archived', 'important'], { folder: 'other', category: null, skip: null }],
  ])('labels %j → %j', (labels, expected) => {
    expect(classifyLabels(labels)).toEqual(expected);
  });

  it('reads folded label headers', () => {
    expect(gmailLabels('X-Gmail-Labels: Inbox,\r\n Sent\r\nSubject: x')).toEqual(['inbox', 'sent']);
  });
});

describe('parseIcs', () => {
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Berlin',
    'BEGIN:STANDARD',
    'DTSTART:19701025T030000',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    'DTSTART:19700329T020000',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'END:DAYLIGHT',
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    'UID:weekly@x',
    'DTSTART;TZID=Europe/Berlin:20240102T100000',
    'DTEND;TZID=Europe/Berlin:20240102T103000',
    'RRULE:FREQ=WEEKLY;COUNT=4',
    'EXDATE;TZID=Europe/Berlin:20240109T100000',
    'SUMMARY:1:1 Ann',
    'ORGANIZER;CN=Kim:mailto:kim@acme.com',
    'ATTENDEE;CN=Kim;PARTSTAT=ACCEPTED:mailto:kim@acme.com',
    'ATTENDEE;CN=Ann Lee;PARTSTAT=ACCEPTED:mailto:ann@x.org',
    'ATTENDEE;CUTYPE=ROOM;CN=Room 1:mailto:room1@acme.com',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:weekly@x',
    'RECURRENCE-ID;TZID=Europe/Berlin:20240116T100000',
    'DTSTART;TZID=Europe/Berlin:20240117T150000',
    'DTEND;TZID=Europe/Berlin:20240117T153000',
    'SUMMARY:1:1 Ann (moved)',
    'ORGANIZER:mailto:kim@acme.com',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:kim@acme.com',
    'ATTENDEE;PARTSTAT=DECLINED:mailto:ann@x.org',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:cancelled@x',
    'DTSTART:20240301T090000Z',
    'STATUS:CANCELLED',
    'SUMMARY:Gone',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:allday@x',
    'DTSTART;VALUE=DATE:20240401',
    'SUMMARY:Offsite',
    'ATTENDEE;PARTSTAT=TENTATIVE:mailto:kim@acme.com',
    'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bo@x.org',
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');

  const { events, skipped } = parseIcs(ics, new Set(['kim@acme.com']), new Date('2024-06-01T00:00:00Z'), normalizeAddress);

  it('expands recurrences in the file’s time zone, without excluded dates, with moved instances', () => {
    const weekly = events.filter((e) => e.iCalUid === 'weekly@x');
    expect(weekly.map((e) => [e.start!.toISOString(), e.subject])).toEqual([
      ['2024-01-02T09:00:00.000Z', '1:1 Ann'],
      ['2024-01-17T14:00:00.000Z', '1:1 Ann (moved)'],
      ['2024-01-23T09:00:00.000Z', '1:1 Ann'],
    ]);
    expect(new Set(weekly.map((e) => e.providerId)).size).toBe(3);
    expect(skipped).toEqual({});
  });

  it('reads organizer, attendees, responses, rooms, the owner, status and all-day events', () => {
    const first = events.find((e) => e.iCalUid === 'weekly@x')!;
    expect(first.organizer).toEqual({ email: 'kim@acme.com', name: 'Kim' });
    expect(first.attendees).toEqual([
      { email: 'kim@acme.com', name: 'Kim', responseStatus: 'accepted', self: true, organizer: true, resource: false },
      { email: 'ann@x.org', name: 'Ann Lee', responseStatus: 'accepted', self: false, organizer: false, resource: false },
      { email: 'room1@acme.com', name: 'Room 1', responseStatus: 'none', self: false, organizer: false, resource: true },
    ]);
    const moved = events.find((e) => e.subject === '1:1 Ann (moved)')!;
    expect(moved.attendees.find((a) => a.email === 'ann@x.org')!.responseStatus).toBe('declined');
    expect(events.find((e) => e.iCalUid === 'cancelled@x')!.status).toBe('cancelled');
    const allDay = events.find((e) => e.iCalUid === 'allday@x')!;
    expect([allDay.allDay, allDay.attendees.map((a) => a.responseStatus)]).toEqual([true, ['tentative', 'needsAction']]);
  });

  it('rejects a file that is not iCalendar', () => {
    expect(() => parseIcs('hello', new Set(), new Date(), normalizeAddress)).toThrow();
  });
});

describe('learning the owner’s addresses from their sent mail', () => {
  it.each([
    [
      'two sent messages from an alias',
      [
        ['sent', 'kim.w@home.example'],
        ['sent', 'Kim.W@home.example'],
      ],
      ['kim.w@home.example'],
    ],
    ['one sent message teaches nothing', [['sent', 'kim.w@home.example']], []],
    [
      'inbox mail teaches nothing',
      [
        ['inbox', 'ann@x.org'],
        ['inbox', 'ann@x.org'],
      ],
      [],
    ],
    [
      'a known address is not learned again',
      [
        ['sent', 'kim@acme.com'],
        ['sent', 'kim@acme.com'],
      ],
      [],
    ],
    [
      'an automated sender is never the owner',
      [
        ['sent', 'no-reply@acme.com'],
        ['sent', 'no-reply@acme.com'],
      ],
      [],
    ],
  ])('%s', (_, seen, learned) => {
    const learner = new OwnerAddressLearner(['kim@acme.com']);
    const result = seen.flatMap(([folder, from]) =>
      learner.observe(message({ folder: folder as 'sent' | 'inbox', from: { email: from!, name: null } })),
    );
    expect(result).toEqual(learned);
  });
});

describe('progress', () => {
  const sink = (tty: boolean) => {
    const written: string[] = [];
    return { written, stream: { isTTY: tty, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream };
  };

  it('prints a plain line about every tenth of the way when not on a terminal', () => {
    const { written, stream } = sink(false);
    let clock = 0;
    const progress = createProgress({ label: 'Importing', total: 100, stream, now: () => (clock += 100) });
    for (let done = 1; done <= 100; done++) progress.update(done);
    progress.finish();
    expect(written).toHaveLength(11);
    expect(written.at(-1)).toMatch(/^Importing: 100% 100\/100 messages, \d+\/s\n$/);
    expect(written.every((line) => !line.includes('\r'))).toBe(true);
  });

  it('redraws one bar in place on a terminal', () => {
    const { written, stream } = sink(true);
    let clock = 0;
    const progress = createProgress({ label: 'Importing', total: 4, stream, now: () => (clock += 1000) });
    for (let done = 1; done <= 4; done++) progress.update(done);
    progress.finish();
    expect(written.every((line) => line.startsWith('\r'))).toBe(true);
    expect(written.at(-1)).toContain('[########################] 100% 4/4 messages');
  });
});
