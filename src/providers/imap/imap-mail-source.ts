import type { FetchMessageObject, FetchQueryObject, ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { METADATA_HEADERS } from '../../mail/message-meta.ts';
import { ProviderError } from '../provider-error.ts';
import type { MailPage, MailSource, MessageRef } from '../types.ts';
import type { Folder, MessageMeta, SkippedMessage } from '../../mail/types.ts';
import { listFollowedFolders, type FollowedFolder } from './imap-folders.ts';
import type { ImapSession } from './imap-session.ts';
import { mapImapMessage, type MappedImapMessage } from './map-imap-message.ts';

/**
 * Where an IMAP walk stands. Plain JSON, stored by the engine between pages.
 *
 * The cursor holds the followed folders in walk order (imap-folders.ts: Sent first), each with
 * its UIDVALIDITY and two UID marks:
 * - `below`: the folder's backfill reads UIDs below this one, newest first; 1 when none is left;
 * - `top`: every UID up to this one was read (or lies below `below`);
 * - `goal`: the folder's UIDNEXT when the round began; the round reads new mail up to it.
 *
 * A round starts (`fresh`) with one LIST-STATUS: new folders join (read from their first
 * message), deleted ones are dropped, and every folder learns its UIDNEXT, so a folder with no
 * new mail costs nothing more. A folder whose UIDVALIDITY changed (the server rebuilt its
 * index, the folder was deleted and made again) is read again from scratch; providerIds do
 * not depend on UIDs (map-imap-message.ts), so this neither loses nor duplicates anything.
 *
 * Incremental reads are UID ranges above `top`. CONDSTORE and QRESYNC are not needed for what
 * rekindle reads: they report flag changes and expunges, and rekindle reads no flags (only
 * \Draft, which is fixed when a message is saved), while a deleted or moved message keeps
 * what happened in a conversation (as with Gmail and Graph). A moved message is new mail in
 * the folder it moved to, and its providerId is one the engine already knows.
 */
export interface ImapMailCursor {
  v: 1;
  phase: 'backfill' | 'incremental';
  folders: ImapFolderCursor[];
  at: number;
  fresh: boolean;
}

export interface ImapFolderCursor {
  path: string;
  role: Folder;
  uidValidity: string;
  below: number;
  top: number;
  goal: number;
}

export interface ImapMailSourceOptions {
  session: ImapSession;
  /** Messages per page (one FETCH of a UID range, or a few when UIDs are sparse). */
  pageSize: number;
  logger?: Logger;
}

/** Exactly what is fetched: no body, no BODY[], no BODY.PEEK[TEXT], ever. */
export const IMAP_FETCH_QUERY: FetchQueryObject = { uid: true, flags: true, internalDate: true, headers: [...METADATA_HEADERS] };

/** Consecutive backfill ranges read for one page when UIDs are sparse (many deletions). */
const MAX_RANGES_PER_PAGE = 8;

export function createImapMailSource(options: ImapMailSourceOptions): MailSource<ImapMailCursor> {
  const { session, logger } = options;
  const pageSize = Math.min(5_000, Math.max(1, options.pageSize));
  /** Messages of the last pages that could not be read, for hydrate to report; a cache it can lose. */
  const unreadable = new Map<string, SkippedMessage>();
  /** The folders of the last cursor, for hydrate to search. */
  let knownFolders: { path: string; role: Folder }[] | null = null;

  const fromListing = (f: FollowedFolder): ImapFolderCursor => {
    const next = f.uidNext ?? 1;
    return { path: f.path, role: f.role, uidValidity: f.uidValidity ?? '', below: next, top: next - 1, goal: next };
  };

  async function startCursor(client: ImapFlow): Promise<ImapMailCursor> {
    const folders = (await listFollowedFolders(client)).map(fromListing);
    logger?.info({ folders: folders.length, sent: folders.filter((f) => f.role === 'sent').length }, 'imap folders to follow');
    return { v: 1, phase: 'backfill', folders, at: 0, fresh: false };
  }

  /** A new round: the folder list again, and every folder's UIDNEXT as the round's goal. */
  async function newRound(client: ImapFlow, cursor: ImapMailCursor): Promise<ImapMailCursor> {
    const known = new Map(cursor.folders.map((f) => [f.path, f]));
    const folders = (await listFollowedFolders(client)).map((listed): ImapFolderCursor => {
      const before = known.get(listed.path);
      if (!before) {
        logger?.info({ role: listed.role }, 'a new folder to follow; reading it from its first message');
        return fromListing(listed);
      }
      if (listed.uidValidity !== null && listed.uidValidity !== before.uidValidity) {
        logger?.warn({ role: listed.role }, 'UIDVALIDITY changed; reading the folder again from scratch');
        return fromListing(listed);
      }
      return { ...before, role: listed.role, goal: Math.max(before.goal, listed.uidNext ?? before.goal) };
    });
    return { ...cursor, folders, at: 0, fresh: false };
  }

  async function fetchRange(client: ImapFlow, lo: number, hi: number, role: Folder): Promise<MappedImapMessage[]> {
    if (hi < lo) return [];
    const fetched: FetchMessageObject[] = await client.fetchAll(`${lo}:${hi}`, IMAP_FETCH_QUERY, { uid: true });
    return fetched
      .filter((m) => m.uid >= lo && m.uid <= hi)
      .sort((a, b) => b.uid - a.uid)
      .map((m) => mapImapMessage(m, role));
  }

  function refsOf(mapped: MappedImapMessage[]): MessageRef[] {
    const refs: MessageRef[] = [];
    for (const m of mapped) {
      if ('message' in m) refs.push({ providerId: m.providerId, meta: m.message });
      // Unsent drafts are nobody's conversation; anything else unreadable is reported by hydrate.
      else if (m.skipped.reason !== 'draft') {
        unreadable.set(m.providerId, m.skipped);
        refs.push({ providerId: m.providerId });
      }
    }
    return refs;
  }

  /** Reads the next part of the folder at `at`; null when the folder is gone (it is dropped). */
  async function readFolder(
    client: ImapFlow,
    folder: ImapFolderCursor,
  ): Promise<{ folder: ImapFolderCursor; mapped: MappedImapMessage[] } | null> {
    let box;
    try {
      // New mail is read from a fresh EXAMINE: a folder left open may not show what arrived since.
      box = folder.below > 1 ? await selected(client, folder.path) : await client.mailboxOpen(folder.path, { readOnly: true });
    } catch (error) {
      if (isMissingMailbox(error)) return null;
      throw error;
    }
    let f = folder;
    if (String(box.uidValidity) !== f.uidValidity) {
      logger?.warn({ role: f.role }, 'UIDVALIDITY changed; reading the folder again from scratch');
      const next = box.uidNext;
      f = { ...f, uidValidity: String(box.uidValidity), below: next, top: next - 1, goal: next };
    }
    if (f.below > 1) {
      const mapped: MappedImapMessage[] = [];
      let span = pageSize;
      let below = f.below;
      for (let i = 0; i < MAX_RANGES_PER_PAGE && below > 1 && mapped.length < pageSize / 2; i++) {
        const lo = Math.max(1, below - span);
        const got = await fetchRange(client, lo, below - 1, f.role);
        mapped.push(...got);
        below = lo;
        if (got.length < span / 2) span = Math.min(span * 4, pageSize * 64);
      }
      return { folder: { ...f, below }, mapped };
    }
    const hi = Math.min(f.goal - 1, f.top + pageSize);
    return { folder: { ...f, top: hi }, mapped: await fetchRange(client, f.top + 1, hi, f.role) };
  }

  async function step(client: ImapFlow, start: ImapMailCursor): Promise<MailPage<ImapMailCursor>> {
    let cursor = start.fresh ? await newRound(client, start) : start;
    knownFolders = cursor.folders.map(({ path, role }) => ({ path, role }));
    for (;;) {
      const folder = cursor.folders[cursor.at];
      if (!folder) return endOfRound(cursor);
      if (folder.below <= 1 && folder.top >= folder.goal - 1) {
        cursor = { ...cursor, at: cursor.at + 1 };
        continue;
      }
      const read = await readFolder(client, folder);
      if (!read) {
        logger?.info({ role: folder.role }, 'a followed folder is gone; dropping it');
        cursor = { ...cursor, folders: cursor.folders.filter((_, i) => i !== cursor.at) };
        continue;
      }
      const folders = cursor.folders.map((f, i) => (i === cursor.at ? read.folder : f));
      const refs = refsOf(read.mapped);
      logger?.debug({ phase: cursor.phase, folder: cursor.at, refs: refs.length }, 'imap page');
      return { refs, cursor: { ...cursor, folders }, phase: cursor.phase, caughtUp: false };
    }
  }

  function endOfRound(cursor: ImapMailCursor): MailPage<ImapMailCursor> {
    const next: ImapMailCursor = { ...cursor, phase: 'incremental', at: 0, fresh: true };
    if (cursor.phase === 'backfill') {
      logger?.info({ folders: cursor.folders.length }, 'imap backfill read; following new mail');
      // Straight into one incremental round: it brings what arrived while the backfill ran.
      return { refs: [], cursor: next, phase: 'incremental', caughtUp: false };
    }
    return { refs: [], cursor: next, phase: 'incremental', caughtUp: true };
  }

  async function find(client: ImapFlow, providerId: string): Promise<{ message: MessageMeta } | { skipped: SkippedMessage }> {
    const known = unreadable.get(providerId);
    if (known) return { skipped: known };
    // Only a Message-ID can be searched for on every server; the other kinds of id are never
    // handed out without their metadata (hydrate is the engine's fallback, not its path).
    if (!providerId.startsWith('m:')) return { skipped: { providerId, reason: 'gone' } };
    const messageId = providerId.slice(2);
    const folders = knownFolders ?? (await listFollowedFolders(client));
    for (const folder of folders) {
      try {
        await client.mailboxOpen(folder.path, { readOnly: true });
      } catch (error) {
        if (isMissingMailbox(error)) continue;
        throw error;
      }
      const uids = (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
      if (uids.length === 0) continue;
      const fetched: FetchMessageObject[] = await client.fetchAll(uids.join(','), IMAP_FETCH_QUERY, { uid: true });
      for (const m of fetched) {
        const mapped = mapImapMessage(m, folder.role);
        if (mapped.providerId !== providerId) continue;
        return 'message' in mapped ? { message: mapped.message } : { skipped: mapped.skipped };
      }
    }
    return { skipped: { providerId, reason: 'gone' } };
  }

  return {
    nextPage(cursor) {
      return session.run(async (client) => step(client, cursor === null ? await startCursor(client) : readCursor(cursor)));
    },

    async hydrate(refs) {
      const messages: MessageMeta[] = [];
      const skipped: SkippedMessage[] = [];
      for (const ref of refs) {
        const found = ref.meta ? { message: ref.meta } : await session.run((client) => find(client, ref.providerId));
        if ('message' in found) messages.push(found.message);
        else skipped.push(found.skipped);
      }
      return { messages, skipped };
    },
  };
}

/**
 * For the backfill: the folder, opened read-only (EXAMINE) unless this connection has it open
 * already. Opening it again for every page would cost a round trip and, on a maildir server, a
 * scan of the folder's directory: half the time of a backfill (bench/scenarios/imap.ts). Staying
 * in it is safe for what the backfill reads, UIDs below the folder's UIDNEXT when it was opened:
 * a server that renumbers the folder (a new UIDVALIDITY) must close it first.
 */
async function selected(client: ImapFlow, path: string): Promise<{ uidValidity: bigint; uidNext: number }> {
  const current = client.mailbox;
  if (current && current.path === path && current.readOnly) return current;
  return client.mailboxOpen(path, { readOnly: true });
}

function isMissingMailbox(error: unknown): boolean {
  const e = error as { serverResponseCode?: string; responseText?: string; code?: string } | null;
  return (
    e?.serverResponseCode === 'NONEXISTENT' ||
    e?.code === 'NotFound' ||
    /doesn't exist|does not exist|no such mailbox|unknown mailbox/i.test(e?.responseText ?? '')
  );
}

/** A cursor this code did not write (or an older format) restarts the sync rather than guess. */
function readCursor(value: unknown): ImapMailCursor {
  if (typeof value === 'object' && value !== null) {
    const c = value as Partial<ImapMailCursor>;
    const int = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
    const foldersOk =
      Array.isArray(c.folders) &&
      c.folders.every(
        (f) =>
          typeof f?.path === 'string' &&
          ['sent', 'inbox', 'other'].includes(f.role) &&
          typeof f.uidValidity === 'string' &&
          int(f.below) &&
          int(f.top) &&
          int(f.goal),
      );
    if (
      c.v === 1 &&
      (c.phase === 'backfill' || c.phase === 'incremental') &&
      foldersOk &&
      int(c.at) &&
      c.at! <= c.folders!.length &&
      typeof c.fresh === 'boolean'
    ) {
      return c as ImapMailCursor;
    }
  }
  throw new ProviderError('cursor_expired', 'unreadable IMAP cursor; a full sync is required', { provider: 'imap' });
}
