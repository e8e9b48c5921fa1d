/**
 * Seeding the Google emulator from disk: maildirs (a few Enron files read in place, and small
 * synthetic ones written to a temp dir) and JSON seed files.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gmail as gmailApi } from '@googleapis/gmail';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadMailboxSeed,
  mailboxSeedFromMaildir,
  startGoogleEmulator,
  type GoogleEmulator,
  type MailboxSeed,
  type MaildirSeed,
} from '../../fakes/google/index.ts';
import { parseMailDate } from '../../src/mail/parse-date.ts';
import { corpus } from '../../testkit/corpora.ts';

const ENRON = corpus('enron-inbox/maildir');
const OWNER = 'owner@example.com';

let dir: string;
let emulator: GoogleEmulator | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rekindle-google-seed-'));
});

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function put(path: string, lines: string[] | Buffer) {
  const file = join(dir, path);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, Array.isArray(lines) ? lines.join('\r\n') + '\r\n\r\nbody\r\n' : lines);
}

function header(seed: MailboxSeed, index: number, name: string): string | undefined {
  return seed.messages[index]!.headers!.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

async function gmailFor(seed: MailboxSeed) {
  emulator = await startGoogleEmulator();
  emulator.addMailbox(seed);
  const auth = new OAuth2Client({
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    endpoints: { oauth2TokenUrl: emulator.tokenUrl },
  });
  auth.setCredentials({ refresh_token: emulator.issueRefreshToken(seed.email) });
  return gmailApi({ version: 'v1', rootUrl: emulator.url, auth, retry: false });
}

describe('Google emulator seeds: maildir', () => {
  it('serves a few Enron maildir files read in place, newest first, dated by their Date header', async () => {
    const seed = await mailboxSeedFromMaildir(join(ENRON, 'bailey-s'), { email: 'susan.bailey@enron.com' });
    expect(seed.messages.length).toBeGreaterThan(0);
    expect(seed.messages.length + seed.skipped.length).toBe(4);
    expect(seed.messages.every((m) => m.labelIds!.join() === 'INBOX')).toBe(true);

    const gmail = await gmailFor(seed);
    const listed = await gmail.users.messages.list({ userId: 'me', labelIds: ['INBOX'] });
    expect(listed.data.messages).toHaveLength(seed.messages.length);
    const fetched = await Promise.all(
      listed.data.messages!.map(
        async (m) =>
          (await gmail.users.messages.get({ userId: 'me', id: m.id!, format: 'metadata', metadataHeaders: ['Date', 'Subject'] })).data,
      ),
    );
    const dates = fetched.map((m) => Number(m.internalDate));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    for (const message of fetched) {
      const date = message.payload!.headers!.find((h) => h.name === 'Date')!.value!;
      expect(Number(message.internalDate)).toBe(parseMailDate(date)!.getTime());
    }
  });

  it('labels sent folders SENT, inbox INBOX and other folders with user labels, and skips undated files', async () => {
    await put('inbox/1', [
      'Message-ID: <p1@example.org>',
      'Date: Mon, 4 Mar 2002 09:00:00 -0800',
      `From: bob@example.org`,
      `To: ${OWNER}`,
      'Subject: Plans',
    ]);
    await put('inbox/2', ['From: bob@example.org', 'Subject: no date at all']);
    await put('inbox/3', ['Date: sometime last week', 'From: bob@example.org']);
    await put('inbox/4', Buffer.from(''));
    await put('sent_items/1', [
      'Date: Tue, 5 Mar 2002 10:00:00 -0800',
      `From: ${OWNER}`,
      'To: bob@example.org',
      'Subject: Changed',
      'In-Reply-To: <p1@example.org>',
    ]);
    await put('Sent Items/1', ['Date: Wed, 6 Mar 2002 10:00:00 -0800', `From: ${OWNER}`, 'To: carol@example.org', 'Subject: Re: plans']);
    await put('_sent_mail/1', ['Date: Thu, 7 Mar 2002 10:00:00 -0800', `From: ${OWNER}`, 'To: dan@example.org', 'Subject: Lunch']);
    await put('projects/alpha/1', ['Date: Fri, 1 Mar 2002 10:00:00 -0800', 'From: erin@example.org', `To: ${OWNER}`, 'Subject: Alpha']);
    await put('archive/cur/100.host:2,S', ['Date: Sat, 2 Mar 2002 10:00:00 -0800', 'From: fay@example.org', 'Subject: Seen']);
    await put('archive/new/101.host', ['Date: Sun, 3 Mar 2002 10:00:00 -0800', 'From: gus@example.org', 'Subject: Fresh']);
    await put('archive/cur/102.host:2,', ['Date: Sun, 3 Mar 2002 11:00:00 -0800', 'From: hal@example.org', 'Subject: Unseen']);
    await put('archive/tmp/103.host', ['Date: Sun, 3 Mar 2002 12:00:00 -0800', 'Subject: half delivered']);
    await put('.DS_Store', Buffer.from([0, 1, 2]));

    const seed: MaildirSeed = await mailboxSeedFromMaildir(dir, { email: OWNER, aliases: ['owner.alias@example.com'] });
    expect(seed.email).toBe(OWNER);
    expect(seed.aliases).toEqual(['owner.alias@example.com']);
    expect(seed.skipped.map((s) => [s.file.slice(dir.length + 1), s.reason]).sort()).toEqual([
      ['inbox/2', 'no-usable-date'],
      ['inbox/3', 'no-usable-date'],
      ['inbox/4', 'no-headers'],
    ]);
    // Oldest first, so a reply always comes after what it answers.
    expect(seed.messages.map((_, i) => header(seed, i, 'Subject'))).toEqual([
      'Alpha',
      'Seen',
      'Fresh',
      'Unseen',
      'Plans',
      'Changed',
      'Re: plans',
      'Lunch',
    ]);
    const labels = Object.fromEntries(seed.messages.map((m, i) => [header(seed, i, 'Subject'), m.labelIds]));
    expect(labels).toEqual({
      // User labels are numbered in folder order: archive, then projects/alpha.
      Alpha: ['Label_2'],
      Seen: ['Label_1'],
      Fresh: ['Label_1'],
      Unseen: ['Label_1', 'UNREAD'],
      Plans: ['INBOX'],
      Changed: ['SENT'],
      'Re: plans': ['SENT'],
      Lunch: ['SENT'],
    });
    expect(seed.messages[0]!.internalDate).toBe('2002-03-01T18:00:00.000Z');

    const gmail = await gmailFor(seed);
    const sent = await gmail.users.messages.list({ userId: 'me', labelIds: ['SENT'] });
    expect(sent.data.messages).toHaveLength(3);
    const threads = new Map<string, string>();
    for (const { id } of (await gmail.users.messages.list({ userId: 'me' })).data.messages!) {
      const m = await gmail.users.messages.get({ userId: 'me', id: id!, format: 'metadata', metadataHeaders: ['Subject'] });
      threads.set(m.data.payload!.headers![0]!.value!, m.data.threadId!);
    }
    expect(threads.get('Changed')).toBe(threads.get('Plans'));
    expect(threads.get('Re: plans')).toBe(threads.get('Plans'));
    expect(threads.get('Lunch')).not.toBe(threads.get('Plans'));
  });

  it('decodes 8-bit headers as UTF-8, falling back to Latin-1', async () => {
    await put('inbox/1', Buffer.from('Date: Mon, 4 Mar 2002 09:00:00 +0000\r\nSubject: Grüße\r\n\r\n', 'utf8'));
    await put('inbox/2', Buffer.from('Date: Tue, 5 Mar 2002 09:00:00 +0000\r\nSubject: Café\r\n\r\n', 'latin1'));
    const seed = await mailboxSeedFromMaildir(dir, { email: OWNER });
    expect(seed.messages.map((_, i) => header(seed, i, 'Subject'))).toEqual(['Grüße', 'Café']);
  });

  it('loads a maildir directory and guesses its owner from the sent folder', async () => {
    await put('sent/1', ['Date: Mon, 4 Mar 2002 09:00:00 -0800', `From: Owner <${OWNER}>`, 'To: bob@example.org', 'Subject: a']);
    await put('sent/2', ['Date: Mon, 4 Mar 2002 10:00:00 -0800', `From: ${OWNER.toUpperCase()}`, 'To: carol@example.org', 'Subject: b']);
    await put('inbox/1', ['Date: Mon, 4 Mar 2002 11:00:00 -0800', 'From: bob@example.org', `To: ${OWNER}`, 'Subject: c']);
    const seed = await loadMailboxSeed(dir);
    expect(seed.email).toBe(OWNER);
    expect(seed.messages).toHaveLength(3);
    expect((await loadMailboxSeed(dir, { email: 'someone@example.com' })).email).toBe('someone@example.com');
  });
});

describe('Google emulator seeds: JSON', () => {
  it('loads a JSON seed file and serves it', async () => {
    const seed: MailboxSeed = {
      email: OWNER,
      messages: [
        { id: 'aa01', labelIds: ['SENT'], internalDate: '2024-03-01T09:30:00Z', headers: [{ name: 'To', value: 'bob@example.org' }] },
        { raw: 'Date: Sat, 2 Mar 2024 10:00:00 +0000\r\nFrom: bob@example.org\r\nSubject: hi\r\n\r\nbody' },
      ],
      events: [{ summary: 'Review', start: { dateTime: '2024-03-05T15:00:00Z' }, end: { dateTime: '2024-03-05T16:00:00Z' } }],
    };
    const file = join(dir, 'seed.json');
    await writeFile(file, JSON.stringify(seed));
    const loaded = await loadMailboxSeed(file);
    expect(loaded).toEqual(seed);
    const gmail = await gmailFor(loaded);
    const listed = await gmail.users.messages.list({ userId: 'me' });
    expect(listed.data.messages).toHaveLength(2);
    expect(listed.data.messages![1]!.id).toBe('aa01');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(seed);
  });

  it('names the file and the field of a seed it cannot use', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ email: OWNER, messages: [{ id: 'x', headers: [], raw: 'Subject: both' }] }));
    await expect(loadMailboxSeed(file)).rejects.toThrow(/bad\.json.*messages\.0.*exactly one of headers and raw/);
    await writeFile(file, '{ not json');
    await expect(loadMailboxSeed(file)).rejects.toThrow(/bad\.json is not valid JSON/);
  });

  it('refuses a seed message with both or neither of headers and raw when added directly', async () => {
    emulator = await startGoogleEmulator();
    expect(() => emulator!.addMailbox({ email: OWNER, messages: [{ id: 'a1' }] })).toThrow(/exactly one of headers and raw/);
  });
});
