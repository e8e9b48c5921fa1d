/**
 * The IMAP provider against a real Dovecot, beyond the shared contract: what it asks the server
 * for (the server's own raw log), how it finds Sent without SPECIAL-USE, a UIDVALIDITY change in
 * the middle of a backfill, one connection per mailbox, and the words a person reads when the
 * server says no.
 */
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkImapMailbox } from '../../src/accounts/check-imap-mailbox.ts';
import { isProviderError } from '../../src/providers/provider-error.ts';
import { createImapAccount } from '../../src/providers/imap/create-imap-account.ts';
import { startDovecot, type Dovecot } from '../../testkit/dovecot.ts';
import { BODY_MARKER, createImapUser, type ImapTestMessage } from '../../testkit/imap-mailbox.ts';
import { walkMail } from '../../testkit/provider-contract.ts';

const day = (n: number) => new Date(Date.UTC(2024, 2, 1, 10) + n * 86_400_000);

function message(folder: string, n: number, from: string, to: string): ImapTestMessage {
  return {
    folder,
    internalDate: day(n),
    headers: [
      { name: 'Message-ID', value: `<m${n}.${folder.replace(/\W/g, '')}@test.example>` },
      { name: 'Date', value: day(n).toUTCString() },
      { name: 'From', value: from },
      { name: 'To', value: to },
      { name: 'Subject', value: `Message ${n}` },
    ],
  };
}

const mailbox = (owner: string, counts: Record<string, number>) =>
  Object.entries(counts).flatMap(([folder, count]) =>
    Array.from({ length: count }, (_, i) =>
      folder.startsWith('Sent') ? message(folder, i, owner, 'friend@test.example') : message(folder, i, 'friend@test.example', owner),
    ),
  );

describe('IMAP provider on Dovecot', () => {
  let dovecot: Dovecot;
  beforeAll(async () => {
    dovecot = await startDovecot({ rawlog: true });
  });
  afterAll(async () => {
    await dovecot?.destroy();
  });

  it('fetches header fields only: no BODY[], no TEXT, and no body ever leaves the server', async () => {
    const owner = 'headers-only@test.example';
    const user = await createImapUser(dovecot, owner);
    await user.append(mailbox(owner, { Sent: 5, INBOX: 7, Archive: 3 }));
    const account = createImapAccount({ email: owner, credentials: () => user.credentials(), pageSize: 4 });
    const walk = await walkMail(account.mail);
    // The fallback path too: a ref without metadata is looked up and fetched on its own.
    const hydrated = await account.mail.hydrate([{ providerId: walk.messages[0]!.providerId }]);
    await account.close();
    expect(walk.messages).toHaveLength(15);
    expect(hydrated.messages).toHaveLength(1);

    const sent = dovecot.clientCommands();
    const fetches = sent.split(/\r?\n/).filter((line) => /\bFETCH\b/i.test(line));
    expect(fetches.length).toBeGreaterThan(0);
    for (const line of fetches) {
      expect(line).toMatch(/BODY\.PEEK\[HEADER\.FIELDS \(/);
      expect(line).not.toMatch(/BODY(\.PEEK)?\[\]|\[TEXT\]|BINARY|RFC822(?!\.SIZE)|BODYSTRUCTURE|\[1\]/i);
    }
    // What the server sent back: not one byte of any body.
    const outputs = readdirSync(`${dovecot.dir}/rawlog`).filter((f) => f.endsWith('.out'));
    expect(outputs.length).toBeGreaterThan(0);
    expect(dovecot.serverReplies()).not.toContain(BODY_MARKER);
  });

  it('uses one connection for a whole walk', async () => {
    const owner = 'one-connection@test.example';
    const user = await createImapUser(dovecot, owner);
    await user.append(mailbox(owner, { Sent: 6, INBOX: 6, Archive: 6 }));
    const before = dovecot.sessions();
    const account = createImapAccount({ email: owner, credentials: () => user.credentials(), pageSize: 2 });
    const walk = await walkMail(account.mail);
    await account.close();
    expect(walk.messages).toHaveLength(18);
    expect(dovecot.sessions() - before).toBe(1);
  });

  it('finds Sent by its name where the server flags nothing, and skips spam and trash by name', async () => {
    const owner = 'icloud-like@test.example';
    const user = await createImapUser(dovecot, owner, { folders: ['Sent Messages', 'Deleted Messages', 'Bulk Mail', 'Projects'] });
    await user.append(mailbox(owner, { 'Sent Messages': 3, INBOX: 2, 'Deleted Messages': 2, 'Bulk Mail': 2, Projects: 1 }));
    const account = createImapAccount({ email: owner, credentials: () => user.credentials(), pageSize: 50 });
    const walk = await walkMail(account.mail);
    await account.close();
    expect(walk.messages.map((m) => m.folder)).toEqual(['sent', 'sent', 'sent', 'inbox', 'inbox', 'other']);
  });

  it('reads a folder again when its UIDVALIDITY changes mid-backfill: nothing lost, nothing twice', async () => {
    const owner = 'uidvalidity@test.example';
    const user = await createImapUser(dovecot, owner);
    await user.append(mailbox(owner, { Sent: 4, INBOX: 9, Archive: 2 }));
    const account = createImapAccount({ email: owner, credentials: () => user.credentials(), pageSize: 3 });
    // Sent, then the first page of the Inbox.
    let cursor: unknown = null;
    const listed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await account.mail.nextPage(cursor);
      listed.push(...page.refs.map((r) => r.providerId));
      cursor = JSON.parse(JSON.stringify(page.cursor));
    }
    await user.renewUidValidity(['INBOX']);
    await user.append([message('INBOX', 50, 'late@test.example', owner)]);
    const rest = await walkMail(account.mail, cursor);
    await account.close();
    listed.push(...rest.pages.flatMap((p) => p.refs.map((r) => r.providerId)));
    const unique = new Set(listed);
    expect(unique.size).toBe(16);
    // The Inbox is listed again from scratch; the engine knows those ids and fetches nothing twice.
    const inboxIds = [...unique].filter((id) => id.includes('INBOX'));
    expect(inboxIds).toHaveLength(10);
  });

  describe('says clearly why a server refuses', () => {
    it('a wrong password: wrong_password when connecting, auth_revoked for the sync', async () => {
      const owner = 'wrong-password@test.example';
      const user = await createImapUser(dovecot, owner);
      const check = await checkImapMailbox(user.server, 'not-the-password');
      expect(check).toMatchObject({ ok: false, reason: 'wrong_password' });
      expect(!check.ok && check.message).toMatch(/did not accept this user name and password.*app password/);
      const account = createImapAccount({ email: owner, credentials: async () => ({ server: user.server, password: 'not-the-password' }) });
      const error = await account.mail.nextPage(null).catch((e: unknown) => e);
      expect(isProviderError(error, 'auth_revoked'), String(error)).toBe(true);
      await account.close();
      expect(await checkImapMailbox(user.server, user.password)).toEqual({ ok: true, folders: { sent: 1, inbox: 1, other: 1 } });
    });

    it('a server that refuses to log in without TLS (LOGINDISABLED)', async () => {
      const strict = await startDovecot({ refusePlaintextLogin: true });
      try {
        const check = await checkImapMailbox(
          { host: strict.host, port: strict.port, security: 'none', user: strict.user, allowUntrustedCertificate: false },
          strict.password,
        );
        expect(check).toMatchObject({ ok: false, reason: 'login_refused' });
        expect(!check.ok && check.message).toMatch(/refuses to log in over this connection/);
      } finally {
        await strict.destroy();
      }
    });

    it('an untrusted certificate, unless the person opts in for their own server', async () => {
      const tls = await startDovecot({ tls: true });
      try {
        const server = {
          host: '127.0.0.1',
          port: tls.tlsPort!,
          security: 'tls' as const,
          user: tls.user,
          allowUntrustedCertificate: false,
        };
        const check = await checkImapMailbox(server, tls.password);
        expect(check).toMatchObject({ ok: false, reason: 'untrusted_certificate' });
        expect(!check.ok && check.message).toMatch(/is not trusted/);
        expect(await checkImapMailbox({ ...server, allowUntrustedCertificate: true }, tls.password)).toMatchObject({ ok: true });
      } finally {
        await tls.destroy();
      }
    });

    it('a server that is not an IMAP server', async () => {
      const smtp: Server = createServer((socket) => socket.end('220 mail.test.example ESMTP ready\r\n'));
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
      try {
        const port = (smtp.address() as { port: number }).port;
        const check = await checkImapMailbox(
          { host: '127.0.0.1', port, security: 'none', user: 'x', allowUntrustedCertificate: false },
          'y',
          { timeoutMs: 5_000 },
        );
        expect(check).toMatchObject({ ok: false, reason: 'not_imap' });
        expect(!check.ok && check.message).toMatch(/does not answer like an IMAP server/);
      } finally {
        smtp.close();
      }
    });

    it('a password over the network without TLS is refused before anything is sent', async () => {
      const check = await checkImapMailbox(
        { host: 'imap.example.com', port: 143, security: 'none', user: 'a', allowUntrustedCertificate: false },
        'b',
      );
      expect(check).toMatchObject({ ok: false });
      expect(!check.ok && check.message).toMatch(/in the clear/);
    });
  });
});
