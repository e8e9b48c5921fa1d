/**
 * Real IMAP mailboxes on the test's Dovecot (test/support/dovecot.ts): a user per mailbox,
 * folders made as a mail client makes them, messages put in with APPEND (with their
 * INTERNALDATE), and what a person does afterwards (move, delete) done over IMAP too.
 *
 * Every message carries a body holding BODY_MARKER: a test that finds it in what the server
 * sent proves a body was read.
 */
import { ImapFlow } from 'imapflow';
import type { Sql } from 'postgres';
import type { CalendarSourcesInput } from '../src/accounts/calendar-sources.ts';
import { connectAccount } from '../src/accounts/connect-account.ts';
import type { ImapServerSettings } from '../src/db/schema.ts';
import type { SeedMessage } from '../fakes/google/seed-types.ts';
import type { ImapCredentials } from '../src/providers/imap/imap-session.ts';
import { waitFor, type Dovecot } from './dovecot.ts';

export const BODY_MARKER = 'BODY-TEXT-REKINDLE-MUST-NEVER-READ';

/** Folders every test mailbox has, with Dovecot's SPECIAL-USE flags (dovecot.ts). */
export const STANDARD_FOLDERS = ['Sent', 'Archive', 'Drafts', 'Junk', 'Trash'] as const;

export interface ImapTestMessage {
  folder: string;
  /** Header lines, without the empty line that ends them. */
  headers: { name: string; value: string }[];
  internalDate: Date;
  flags?: string[];
}

export function rawMessage(message: Pick<ImapTestMessage, 'headers'>): string {
  const head = message.headers.map((h) => `${h.name}: ${h.value}`).join('\r\n');
  return `${head}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${BODY_MARKER}\r\nThe body of this message.\r\n`;
}

/** Where the Gmail emulator's labels would file a seed message in an IMAP mailbox. */
export function folderOfSeed(seed: SeedMessage): string {
  const labels = seed.labelIds ?? ['INBOX'];
  if (labels.includes('DRAFT')) return 'Drafts';
  if (labels.includes('SPAM')) return 'Junk';
  if (labels.includes('TRASH')) return 'Trash';
  if (labels.includes('SENT')) return 'Sent';
  if (labels.includes('INBOX')) return 'INBOX';
  return 'Archive';
}

export function imapMessageOfSeed(seed: SeedMessage): ImapTestMessage {
  const headers = seed.headers ?? parseRawHeaders(seed.raw ?? '');
  const date = seed.internalDate ?? headers.find((h) => h.name.toLowerCase() === 'date')?.value;
  const labels = seed.labelIds ?? ['INBOX'];
  return {
    folder: folderOfSeed(seed),
    headers,
    internalDate: date ? new Date(date) : new Date(),
    flags: labels.includes('DRAFT') ? ['\\Draft'] : labels.includes('UNREAD') ? [] : ['\\Seen'],
  };
}

function parseRawHeaders(raw: string): { name: string; value: string }[] {
  const block = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const headers: { name: string; value: string }[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) headers.at(-1)!.value += `\r\n${line}`;
    else if (line.includes(':')) headers.push({ name: line.slice(0, line.indexOf(':')), value: line.slice(line.indexOf(':') + 1).trim() });
  }
  return headers;
}

export interface ImapTestUser {
  user: string;
  password: string;
  server: ImapServerSettings;
  credentials(): Promise<ImapCredentials>;
  /** A connection of this user's own, for what the person does in their mail client. */
  client(): Promise<ImapFlow>;
  append(messages: ImapTestMessage[]): Promise<void>;
  /** Deletes (and expunges) every copy of a message, by Message-ID, from every folder. */
  removeByMessageId(messageId: string): Promise<void>;
  /** Moves a message from one folder to another, as a mail client's "Archive" does. */
  move(messageId: string, from: string, to: string): Promise<void>;
  /**
   * Gives folders a new UIDVALIDITY, as a server does when it rebuilds its index: every UID a
   * client knew is void. Open sessions are ended first (a server does this while it rebuilds).
   */
  renewUidValidity(folders: string[]): Promise<void>;
  /** A new password: connections with the old one are refused, and open sessions are ended. */
  changePassword(password: string): Promise<void>;
}

let users = 0;

async function canLogIn(port: number, user: string, pass: string): Promise<boolean> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass }, logger: false, disableAutoIdle: true });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.logout();
    return true;
  } catch {
    client.close();
    return false;
  }
}

export async function createImapUser(
  dovecot: Dovecot,
  email: string,
  options: { folders?: readonly string[] } = {},
): Promise<ImapTestUser> {
  const user = email;
  let password = `app-password-${++users}-${process.pid}`;
  dovecot.addUser(user, password);
  // Dovecot looks at its users file at most once a second: wait until it knows the new user.
  await waitFor(() => canLogIn(dovecot.port, user, password), `dovecot to know ${user}`);
  const server: ImapServerSettings = { host: '127.0.0.1', port: dovecot.port, security: 'none', user, allowUntrustedCertificate: false };
  const open = async () => {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      auth: { user, pass: password },
      logger: false,
      disableAutoIdle: true,
    });
    await client.connect();
    return client;
  };
  const withClient = async <T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
    let client: ImapFlow | null = null;
    try {
      client = await open();
      return await fn(client);
    } catch (error) {
      // imapflow says only "Command failed"; the server's words say what went wrong.
      const e = error as { responseText?: string; executedCommand?: string };
      throw new Error(`IMAP (test user ${user}): ${e.responseText ?? String(error)} (${e.executedCommand?.slice(0, 120) ?? ''})`, {
        cause: error,
      });
    } finally {
      await client?.logout().catch(() => client?.close());
    }
  };
  await withClient(async (c) => {
    for (const folder of options.folders ?? STANDARD_FOLDERS) await c.mailboxCreate(folder);
  });
  /** Ends the user's sessions; doveadm exits non-zero when there were none, which is fine. */
  /** Ends the user's sessions, and waits until their processes are gone: `doveadm kick` only signals them. */
  const kick = async () => {
    const pids = dovecot
      .doveadm(['who', '-1', user])
      .split('\n')
      .slice(1)
      .map((line) => Number(line.trim().split(/\s+/)[2]))
      .filter((pid) => Number.isInteger(pid) && pid > 0);
    try {
      dovecot.doveadm(['kick', user]);
    } catch (error) {
      if (!/no users|not found|exit code 68|status 68/i.test(String((error as { stdout?: string }).stdout ?? '') + String(error)))
        throw error;
    }
    await waitFor(() => pids.every((pid) => !processAlive(pid)), `dovecot to end the sessions of ${user}`);
  };
  const testUser: ImapTestUser = {
    user,
    get password() {
      return password;
    },
    server,
    credentials: async () => ({ server, password }),
    client: open,
    async append(messages) {
      await withClient(async (c) => {
        const existing = new Set((await c.list()).map((l) => l.path));
        for (const m of messages) {
          if (!existing.has(m.folder)) {
            await c.mailboxCreate(m.folder);
            existing.add(m.folder);
          }
          await c.append(m.folder, rawMessage(m), m.flags ?? ['\\Seen'], m.internalDate);
        }
      });
    },
    async removeByMessageId(messageId) {
      await withClient(async (c) => {
        for (const box of await c.list()) {
          if (box.flags.has('\\Noselect')) continue;
          await c.mailboxOpen(box.path);
          const uids = (await c.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
          if (uids.length > 0) await c.messageDelete(uids.join(','), { uid: true });
        }
      });
    },
    async move(messageId, from, to) {
      await withClient(async (c) => {
        await c.mailboxOpen(from);
        const uids = (await c.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
        if (uids.length === 0) throw new Error(`no message ${messageId} in ${from}`);
        await c.messageMove(uids.join(','), to, { uid: true });
      });
    },
    async renewUidValidity(folders) {
      await kick();
      for (const folder of folders) {
        const status = () => dovecot.doveadm(['-f', 'flow', 'mailbox', 'status', '-u', user, 'uidvalidity', folder]).trim();
        const before = Number(/uidvalidity=(\d+)/.exec(status())?.[1]);
        dovecot.doveadm(['mailbox', 'update', '-u', user, '--uid-validity', String(before + 1000), folder]);
        const after = Number(/uidvalidity=(\d+)/.exec(status())?.[1]);
        if (after === before) throw new Error(`the UIDVALIDITY of ${folder} did not change`);
      }
    },
    async changePassword(next) {
      const old = password;
      password = next;
      dovecot.setPassword(user, next);
      await waitFor(async () => !(await canLogIn(dovecot.port, user, old)), `dovecot to refuse the old password of ${user}`);
      await kick();
    },
  };
  return testUser;
}

/** Connects a test user's mailbox to rekindle as the web form does, with its calendar sources if any. */
export function connectImapUser(sql: Sql, mailbox: ImapTestUser, calendarSources?: CalendarSourcesInput) {
  return connectAccount(sql, {
    userEmail: mailbox.user,
    provider: 'imap',
    accountEmail: mailbox.user,
    refreshToken: mailbox.password,
    imapServer: mailbox.server,
    ...(calendarSources ? { calendarSources } : {}),
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else (still alive); ESRCH: gone.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
