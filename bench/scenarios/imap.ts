/**
 * IMAP header sync against a real, local Dovecot: a synthetic mailbox written into the server's
 * maildir (Sent and INBOX), then read by rekindle's IMAP provider (UID-range FETCHes of header
 * fields, one connection), against the naive baseline in the same run: one `UID FETCH` per
 * message, each waiting for its answer. Provider figures only: what Postgres then does with the
 * messages is the throughput scenario's.
 *
 * Also in the same run, the provider's earlier way: the same UID-range FETCHes and mapping, but
 * the folder opened again (EXAMINE) before every page. On a maildir Dovecot each EXAMINE rescans
 * the folder's directory, which was half of the backfill's time (a CPU profile of the rest: most
 * of it is imapflow parsing the answers; rekindle's own mapping is about a tenth).
 */
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { createImapAccount } from '../../src/providers/imap/create-imap-account.ts';
import { IMAP_FETCH_QUERY } from '../../src/providers/imap/imap-mail-source.ts';
import { mapImapMessage } from '../../src/providers/imap/map-imap-message.ts';
import { startDovecot } from '../../testkit/dovecot.ts';
import { rawMessage } from '../../testkit/imap-mailbox.ts';
import { round } from '../measure.ts';
import { syntheticMailbox } from '../synthetic-mailbox.ts';

export interface ImapBenchOptions {
  messages: number;
  naiveSeconds: number;
  progress: (line: string) => void;
}

export async function imapHeaderSync(options: ImapBenchOptions) {
  const dovecot = await startDovecot();
  try {
    const owner = 'bench@example.com';
    const password = 'bench-app-password';
    dovecot.addUser(owner, password);
    const seed = syntheticMailbox({ owner, messages: options.messages, events: 0 });
    // Straight into the maildir (cur/ holds delivered mail; a file's mtime is its INTERNALDATE).
    const home = path.join(dovecot.dir, 'mail', owner);
    const folders = { INBOX: home, Sent: path.join(home, '.Sent') };
    for (const dir of Object.values(folders)) for (const sub of ['cur', 'new', 'tmp']) mkdirSync(path.join(dir, sub), { recursive: true });
    seed.messages.forEach((m, i) => {
      const sent = (m.labelIds ?? []).includes('SENT');
      const file = path.join(sent ? folders.Sent : folders.INBOX, 'cur', `${1_700_000_000 + i}.M${i}P1.bench:2,S`);
      writeFileSync(file, rawMessage({ headers: m.headers ?? [] }));
      const when = new Date(m.internalDate ?? Date.now());
      utimesSync(file, when, when);
    });
    execFileSync('chown', ['-R', 'dovecot:dovecot', home]);
    chmodSync(home, 0o700);
    options.progress(`imap: ${seed.messages.length} messages in the maildir`);
    const server = { host: '127.0.0.1', port: dovecot.port, security: 'none' as const, user: owner, allowUntrustedCertificate: false };

    // Dovecot indexes a maildir on first access; do that outside the timings.
    const warm = createImapAccount({ email: owner, credentials: async () => ({ server, password }), pageSize: 1 });
    await warm.mail.nextPage(null);
    await warm.close();

    const walk = async () => {
      const account = createImapAccount({ email: owner, credentials: async () => ({ server, password }), pageSize: 1000 });
      let cursor: unknown = null;
      let read = 0;
      let pages = 0;
      const started = performance.now();
      for (;;) {
        const page = await account.mail.nextPage(cursor);
        pages++;
        read += page.refs.filter((r) => r.meta).length;
        cursor = page.cursor;
        if (page.caughtUp) break;
      }
      const seconds = (performance.now() - started) / 1000;
      await account.close();
      return { read, pages, seconds };
    };
    // The first walk is also Dovecot's first look at each file (it reads it and caches the
    // header fields); the second is a server that already knows the mailbox, as most are.
    const cold = await walk();
    options.progress(`imap: first walk read ${cold.read} messages in ${round(cold.seconds, 2)} s`);
    const { read, pages, seconds: providerSeconds } = await walk();
    options.progress(`imap: second walk read ${read} messages in ${round(providerSeconds, 2)} s`);

    const client = new ImapFlow({
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      auth: { user: owner, pass: password },
      logger: false,
      disableAutoIdle: true,
    });
    await client.connect();
    // The earlier way: EXAMINE before every page of 1,000 UIDs, newest first, Sent then INBOX.
    let reopened = 0;
    const reopenStarted = performance.now();
    for (const folder of ['Sent', 'INBOX']) {
      const { uidNext } = await client.mailboxOpen(folder, { readOnly: true });
      for (let below = uidNext; below > 1; below -= 1000) {
        await client.mailboxOpen(folder, { readOnly: true });
        const fetched = await client.fetchAll(`${Math.max(1, below - 1000)}:${below - 1}`, IMAP_FETCH_QUERY, { uid: true });
        reopened += fetched.map((m) => mapImapMessage(m, 'inbox')).length;
      }
    }
    const reopenSeconds = (performance.now() - reopenStarted) / 1000;
    options.progress(`imap: with an EXAMINE before every page, read ${reopened} messages in ${round(reopenSeconds, 2)} s`);

    // The naive baseline: one FETCH per message, for at most naiveSeconds.
    const box = await client.mailboxOpen('INBOX', { readOnly: true });
    let naive = 0;
    const naiveStarted = performance.now();
    for (let uid = box.uidNext - 1; uid >= 1 && performance.now() - naiveStarted < options.naiveSeconds * 1000; uid--) {
      if (await client.fetchOne(String(uid), IMAP_FETCH_QUERY, { uid: true })) naive++;
    }
    const naiveSeconds = (performance.now() - naiveStarted) / 1000;
    await client.logout();

    const providerRate = read / providerSeconds;
    const naiveRate = naive / naiveSeconds;
    return {
      messages: seed.messages.length,
      read,
      pages,
      firstWalk: { seconds: round(cold.seconds, 2), messagesPerSecond: round(cold.read / cold.seconds, 0) },
      providerSeconds: round(providerSeconds, 2),
      messagesPerSecond: round(providerRate, 0),
      naive: { messages: naive, seconds: round(naiveSeconds, 2), messagesPerSecond: round(naiveRate, 0) },
      speedup: round(providerRate / naiveRate, 1),
      examineEveryPage: {
        messages: reopened,
        seconds: round(reopenSeconds, 2),
        messagesPerSecond: round(reopened / reopenSeconds, 0),
        speedupOfStaying: round(providerRate / (reopened / reopenSeconds), 1),
      },
      targetMessagesPerSecond: 5_000,
      targetMet: providerRate >= 5_000,
    };
  } finally {
    await dovecot.destroy();
  }
}
