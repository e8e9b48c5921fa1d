/**
 * The exports people actually have, through `rekindle import` into a real Postgres: an
 * Outlook .pst made by Outlook (Microsoft's PST SDK test files, test/fixtures/pst/README.md),
 * a folder of .eml files, a Thunderbird profile and a Takeout-style mbox, each compared
 * with the same mail imported as a maildir; files that are not what they claim; and an
 * import killed half-way (Ctrl-C, then SIGKILL) and run again, compared with a clean one.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PSTFile, type PSTFolder, type PSTMessage } from 'pst-extractor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerBlockOf } from '../../src/import/read-pst.ts';
import { scanMessage } from '../../src/import/scan-headers.ts';
import { corpus } from '../../testkit/corpora.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { redisUrl } from '../../testkit/test-redis.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/pst/', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'rekindle-import-formats-'));

function run(args: string[], database: TestDatabase): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: envOf(database), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const envOf = (database: TestDatabase) => ({ ...process.env, DATABASE_URL: database.url, REDIS_URL: redisUrl, LOG_LEVEL: 'error' });

function write(relative: string, content: string): string {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

/** What an import leaves for a user: their interactions and contacts, without ids that differ between databases. */
async function outcome(database: TestDatabase, owner: string) {
  const [user] = await database.sql<{ id: string }[]>`select id from users where email = ${owner}`;
  const interactions = await database.sql`
    select contact, address, kind, occurred_at, weight, contact_name, participants
      from interactions where user_id = ${user!.id}
     order by contact, occurred_at, kind, address, weight, participants, contact_name nulls first`;
  const contacts = await database.sql`
    select contact, email, name, addresses, sent_count, received_count, last_outbound_at, last_inbound_at
      from contacts where user_id = ${user!.id} order by contact`;
  const addresses = await database.sql`select address, source from user_addresses where user_id = ${user!.id} order by address`;
  return { interactions, contacts, addresses };
}

function pstMessages(file: string): { folder: string; message: PSTMessage }[] {
  const pst = new PSTFile(file);
  const found: { folder: string; message: PSTMessage }[] = [];
  const walk = (folder: PSTFolder) => {
    if (folder.hasSubfolders) for (const child of folder.getSubFolders()) walk(child);
    if (folder.contentCount === 0) return;
    for (let m: PSTMessage | null = folder.getNextChild(); m; m = folder.getNextChild())
      found.push({ folder: folder.displayName, message: m });
  };
  walk(pst.getRootFolder());
  return found;
}

const date = (day: number) => new Date(Date.UTC(2024, 0, 1 + day, 9)).toUTCString();
const message = (id: string, day: number, from: string, to: string, extra = '') =>
  `Message-ID: <${id}@mail.example>\nDate: ${date(day)}\nFrom: ${from}\nTo: ${to}\nSubject: ${id}\n${extra}\nBody of ${id}\n\nFrom here on, a body line that is not a separator\n`;

// One mailbox, written four ways. Kim sends from kim@home.example (learned from Sent).
const mailbox: { folder: 'Inbox' | 'Sent' | 'Junk' | 'Drafts'; text: string }[] = [
  { folder: 'Sent', text: message('s1', 0, 'Kim <kim@home.example>', 'Ann Lee <ann@partner.example>') },
  { folder: 'Sent', text: message('s2', 20, 'Kim <kim@home.example>', 'Ann Lee <ann@partner.example>, bo@family.example') },
  { folder: 'Sent', text: message('s3', 40, 'Kim <kim@home.example>', 'bo@family.example') },
  { folder: 'Inbox', text: message('i1', 1, 'Ann Lee <ann@partner.example>', 'kim@home.example') },
  { folder: 'Inbox', text: message('i2', 41, '"Bo" <bo@family.example>', 'kim@home.example', 'X-Mailer: test\n') },
  { folder: 'Inbox', text: message('i3', 42, 'news@shop.example', 'kim@home.example', 'List-Unsubscribe: <mailto:u@shop.example>\n') },
  { folder: 'Junk', text: message('j1', 5, 'win@lottery.example', 'kim@home.example') },
  { folder: 'Drafts', text: message('d1', 50, 'kim@home.example', 'cy@x.example') },
];
const OWNER = 'kim@work.example';

describe('rekindle import: the formats people have', () => {
  let pstDb: TestDatabase;
  let maildirDb: TestDatabase;
  let otherDb: TestDatabase;

  beforeAll(async () => {
    [pstDb, maildirDb, otherDb] = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()]);
    // The same mailbox as a maildir (the reference), an .eml folder, a Thunderbird profile and an mbox.
    mailbox.forEach(({ folder, text }, i) => {
      write(`maildir/${folder === 'Junk' ? 'junk_e-mail' : folder.toLowerCase()}/${i}`, text);
      write(`eml/${folder === 'Junk' ? 'Junk E-mail' : folder}/${i}.eml`, text);
    });
    write('eml/Inbox/notes.txt', 'not a message');
    const mbox = (folder: string) =>
      mailbox
        .filter((m) => m.folder === folder)
        .map((m, i) => `From - Mon Jan 0${i + 1} 09:00:00 2024\n${m.text.replace(/^From here/m, '>From here')}`)
        .join('\n');
    for (const folder of ['Inbox', 'Sent', 'Junk', 'Drafts']) write(`thunderbird/Mail/Local Folders/${folder}`, mbox(folder));
    write('thunderbird/Mail/Local Folders/Inbox.msf', '// <!-- <mdb:mork:z v="1.4"/> -->');
    write('thunderbird/Mail/Local Folders/Trash', '');
    // A folder of a profile that stores mail as maildir: a second copy of a message, found and not counted twice.
    write('thunderbird/Mail/Local Folders/Archives/cur/1700000000.M1.host:2,S', mailbox[3]!.text);
    write('thunderbird/Mail/Local Folders/msgFilterRules.dat', 'version="9"');
    write('thunderbird/ImapMail/imap.example.com/INBOX', '');
    write('not-a-profile/readme.txt', 'hello');
    write('not.mbox', 'Subject: this is one message, not an mbox\n\nbody\n');
    write('not.pst', 'PK\u0003\u0004 a zip file');
  });

  afterAll(async () => {
    await Promise.all([pstDb?.drop(), maildirDb?.drop(), otherDb?.drop()]);
    rmSync(root, { recursive: true, force: true });
  });

  it('an Outlook .pst gives the same interactions and contacts as the same mail in a maildir', async () => {
    const owner = 'reader@example.com';
    const files = ['sample1.pst', 'submessage.pst'].map((f) => path.join(fixtures, f));
    for (const file of files) {
      const { code, stdout } = await run(['import', 'pst', file, '--owner', owner, '--json'], pstDb);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ read: 1, counted: 1, interactions: 1 });
    }
    // The maildir: each message's header block as Outlook received it, in a folder of the same name.
    for (const file of files) {
      for (const { folder, message } of pstMessages(file))
        write(`from-pst/${folder}/${message.descriptorNodeId}`, `${headerBlockOf(message)}\n\n`);
    }
    expect((await run(['import', 'maildir', path.join(root, 'from-pst'), '--owner', owner], maildirDb)).code).toBe(0);
    const fromPst = await outcome(pstDb, owner);
    expect(fromPst.interactions).toHaveLength(2);
    expect(fromPst.interactions.map((i) => [i.contact, i.contact_name, i.kind])).toEqual([
      ['terrymah@microsoft.com', 'Terry Mahaffey', 'received'],
      ['terrymah@microsoft.com', 'Terry Mahaffey', 'received'],
    ]);
    expect(fromPst).toEqual(await outcome(maildirDb, owner));
  });

  // A real mailbox's .pst, written by Outlook from Enron mail: pst-extractor ships it with its
  // package (example/testdata/enron.pst, Michelle Lokay's folders, 71 messages, 2 of them sent).
  it('a real Outlook .pst (Enron, from the reader package itself) gives the same contacts as its mail in a maildir', async () => {
    const owner = 'michelle.lokay@enron.com';
    const file = fileURLToPath(new URL('../../node_modules/pst-extractor/example/testdata/enron.pst', import.meta.url));
    const { code, stdout } = await run(['import', 'pst', file, '--owner', owner, '--json'], pstDb);
    expect(code).toBe(0);
    // Every message read and either counted or reported with its reason: the 71 Date headers
    // that hold two instants take Outlook's stored submit time (src/import/read-pst.ts); the
    // senders written as Exchange names without an address are counted as skipped, not lost.
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ read: 71, counted: 58 });
    expect(summary.counted + Object.values(summary.skipped as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(71);
    expect(summary.skipped['malformed:date']).toBeUndefined();
    for (const { folder, message } of pstMessages(file))
      write(`enron-pst/${folder}/${message.descriptorNodeId}`, `${headerBlockOf(message)}\n\n`);
    expect((await run(['import', 'maildir', path.join(root, 'enron-pst'), '--owner', owner], maildirDb)).code).toBe(0);
    const fromPst = await outcome(pstDb, owner);
    expect(fromPst.interactions.length).toBeGreaterThan(40);
    expect(fromPst).toEqual(await outcome(maildirDb, owner));
  });

  it('a .pst message without transport headers (sent items) is read from its properties to the same metadata', () => {
    for (const file of ['sample1.pst', 'submessage.pst']) {
      for (const { message } of pstMessages(path.join(fixtures, file))) {
        const transport = scanMessage({ headers: headerBlockOf(message), folder: 'inbox', origin: file }).result;
        const properties = scanMessage({ headers: headerBlockOf(message, false), folder: 'inbox', origin: file }).result;
        expect(headerBlockOf(message, false)).not.toMatch(/Received:/);
        if (!('message' in transport) || !('message' in properties)) throw new Error(`${file}: no metadata`);
        const { providerId: _a, flags: _b, ...fromTransport } = transport.message;
        const { providerId: _c, flags: _d, ...fromProperties } = properties.message;
        // The Exchange sender (an X.500 path in the properties) comes out as their SMTP address.
        expect(fromProperties).toEqual(fromTransport);
        expect(fromProperties.from).toEqual({ email: 'terrymah@microsoft.com', name: 'Terry Mahaffey' });
      }
    }
  });

  it('a folder of .eml files and a Thunderbird profile give what the same mail gives as a maildir', async () => {
    const reference = await run(['import', 'maildir', path.join(root, 'maildir'), '--owner', OWNER, '--json'], maildirDb);
    expect(reference.code).toBe(0);
    const expected = await outcome(maildirDb, OWNER);
    expect(expected.contacts.map((c) => c.contact)).toEqual(['ann@partner.example', 'bo@family.example']);
    expect(expected.addresses).toContainEqual({ address: 'kim@home.example', source: 'learned' });

    const eml = await run(['import', 'eml', path.join(root, 'eml'), '--owner', OWNER, '--json'], otherDb);
    expect(eml.code).toBe(0);
    expect(JSON.parse(eml.stdout)).toMatchObject({ read: 8, filesLeftOut: 1, learnedAddresses: ['kim@home.example'] });
    expect(await outcome(otherDb, OWNER)).toEqual(expected);

    const other = 'kim@thunderbird.example';
    const tb = await run(['import', 'thunderbird', path.join(root, 'thunderbird'), '--owner', other], otherDb);
    expect(tb.code).toBe(0);
    // Junk is spam in Thunderbird; the .msf index and the filter rules are not read as mail.
    expect(tb.stdout).toContain('Messages read: 9');
    expect(tb.stdout).toContain('already imported: 1');
    expect(tb.stdout).toMatch(/skipped: 3 \(.*spam 1.*\)/);
    expect(tb.stdout).toMatch(/draft 1/);
    expect(tb.stdout).toContain('Files left out (not mail): 1');
    const thunderbird = await outcome(otherDb, other);
    expect({ interactions: thunderbird.interactions, contacts: thunderbird.contacts }).toEqual({
      interactions: expected.interactions,
      contacts: expected.contacts,
    });
  });

  it('draws a progress bar in place on a terminal', async () => {
    // `script` gives the command a pseudo-terminal, as a person running it would have.
    const command = [process.execPath, cli, 'import', 'eml', path.join(root, 'eml'), '--owner', 'tty@work.example']
      .map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const output = await new Promise<string>((resolve) => {
      execFile('script', ['-qfec', command, '/dev/null'], { env: envOf(otherDb) }, (_error, stdout) => resolve(stdout));
    });
    expect(output).toMatch(/\rImporting: \[#{24}\] 100% 8\/8 messages/);
    expect(output).toContain('Messages read: 8');
  });

  it.each([
    ['pst', 'not.pst', /not.pst is not an Outlook data file \(\.pst\/\.ost\): it does not begin with the PST signature/],
    ['mbox', 'not.mbox', /not.mbox is not an mbox file: it does not begin with a "From " line/],
    ['thunderbird', 'not-a-profile', /not-a-profile is not a Thunderbird profile: it has no Mail\/ or ImapMail\/ folder/],
    ['eml', 'not.mbox', /not.mbox is not a directory/],
  ])('rekindle import %s on a file that is not one exits 2 and says so', async (kind, file, message) => {
    const { code, stderr } = await run(['import', kind, path.join(root, file), '--owner', OWNER], otherDb);
    expect(stderr).toMatch(message);
    expect(code).toBe(2);
  });
});

describe('rekindle import, interrupted and run again', () => {
  let interrupted: TestDatabase;
  let clean: TestDatabase;
  const enron = corpus('enron-inbox/maildir');
  const owner = 'import-owner@enron.com';
  const args = ['import', 'maildir', enron, '--owner', owner];

  beforeAll(async () => {
    [interrupted, clean] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => {
    await Promise.all([interrupted?.drop(), clean?.drop()]);
  });

  /** Starts the import and calls `then` with the child once its stderr shows `lines` progress lines. */
  function startUntilProgress(
    lines: number,
  ): Promise<{ child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null; stdout: string }> }> {
    const child = spawn(process.execPath, [cli, ...args], { env: envOf(interrupted), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const exit = new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, stdout })),
    );
    return new Promise((resolve, reject) => {
      let seen = 0;
      let buffered = '';
      child.stderr!.on('data', (d) => {
        buffered += d;
        const complete = buffered.split('\n');
        buffered = complete.pop()!;
        seen += complete.filter((l) => /^Importing: \d+%/.test(l)).length;
        if (seen >= lines) resolve({ child, exit });
      });
      exit.then(() => reject(new Error('the import ended before it could be interrupted')));
    });
  }

  const stored = async () => {
    const [row] = await interrupted.sql<{ n: number }[]>`select count(*)::int as n from mail_messages`;
    return row!.n;
  };

  it('stopped by Ctrl-C and then killed, a third run ends with exactly what one clean run gives', async () => {
    // 1. Ctrl-C after the first progress line: the batch being written commits, the command says how to go on.
    const first = await startUntilProgress(1);
    first.child.kill('SIGINT');
    const stopped = await first.exit;
    expect(stopped.code).toBe(130);
    expect(stopped.stdout).toContain('Interrupted: everything read up to here is saved. Run the same command again to carry on.');
    const afterInterrupt = await stored();
    expect(afterInterrupt).toBeGreaterThan(0);

    // 2. SIGKILL in the middle of the second run: no chance to clean up at all.
    const second = await startUntilProgress(3);
    second.child.kill('SIGKILL');
    expect((await second.exit).signal).toBe('SIGKILL');
    const afterKill = await stored();
    expect(afterKill).toBeGreaterThanOrEqual(afterInterrupt);

    // 3. Run to the end, and a clean import of the same mail into a second database.
    const third = await run([...args, '--json'], interrupted);
    expect(third.code).toBe(0);
    const resumed = JSON.parse(third.stdout);
    expect(resumed.alreadyImported).toBeGreaterThanOrEqual(afterKill);
    const reference = await run([...args, '--json'], clean);
    expect(reference.code).toBe(0);
    const once = JSON.parse(reference.stdout);
    expect(once.read).toBe(26_059);
    expect(afterKill).toBeLessThan(once.read);

    const count = async (database: TestDatabase) =>
      (
        await database.sql`
          select (select count(*)::int from mail_messages) as messages,
                 (select count(*)::int from interactions) as interactions,
                 (select count(*)::int from contacts) as contacts`
      )[0];
    expect(await count(interrupted)).toEqual(await count(clean));
    expect(await outcome(interrupted, owner)).toEqual(await outcome(clean, owner));
  }, 300_000);
});
