import type { Logger } from 'pino';
import { isProviderError, ProviderError } from '../provider-error.ts';
import type { MailPage, MailSource, MessageRef } from '../types.ts';
import type { Folder, MessageMeta, SkippedMessage } from '../../mail/types.ts';
import type { GraphCaller } from './graph-call.ts';
import { mapGraphMessage, MESSAGE_SELECT, type GraphMessage } from './map-graph-message.ts';

/**
 * Where a Graph mail walk stands. Plain JSON, stored by the engine between pages.
 *
 * Graph has no "all mail" listing: delta is per folder. The cursor holds the folders rekindle
 * follows, in walk order (Sent Items first, then Inbox, then every other mail folder: Archive
 * and the user's own folders, nested ones included), each with the link to call next — an
 * `@odata.nextLink` in the middle of a round, an `@odata.deltaLink` between rounds, null before
 * its first round. `at` is the folder being walked.
 *
 * - phase `backfill`: the first round of every folder, one folder after the other (a backfill
 *   lists each folder newest first);
 * - phase `incremental`: rounds over every folder's deltaLink. Each round starts (`fresh`) by
 *   listing the folder tree again, so a folder created since is walked from its first round and
 *   one deleted since is dropped.
 *
 * Never followed: Drafts, Deleted Items, Junk Email and Outbox (`skip`), like Gmail's
 * drafts, spam and trash. Links are used exactly as Graph wrote them.
 */
export interface GraphMailCursor {
  v: 1;
  phase: 'backfill' | 'incremental';
  folders: FolderCursor[];
  at: number;
  fresh: boolean;
  skip: string[];
}

export interface FolderCursor {
  id: string;
  role: Folder;
  link: string | null;
}

export interface GraphMailSourceOptions {
  call: GraphCaller;
  /** Messages per delta page (`Prefer: odata.maxpagesize`). */
  pageSize: number;
  logger?: Logger;
}

/** Folders whose mail is not an exchange with anyone. */
const SKIPPED_FOLDERS = ['drafts', 'deleteditems', 'junkemail', 'outbox'] as const;
const MAX_PAGE_SIZE = 1000;

interface FolderJson {
  id?: string;
  childFolderCount?: number;
}

interface Collection<T> {
  value?: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

export function createGraphMailSource(options: GraphMailSourceOptions): MailSource<GraphMailCursor> {
  const { call, logger } = options;
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, options.pageSize));
  // Immutable ids: a message keeps its id when it is moved, so a move never looks like new mail.
  const prefer = `odata.maxpagesize=${pageSize}, IdType="ImmutableId"`;
  /** Roles of the folders seen in the last cursor, for messages hydrated on their own. */
  const roles = new Map<string, Folder>();

  async function folderIdOf(name: string, required: boolean): Promise<string | null> {
    try {
      const folder = await call<FolderJson>('graph.mailFolders.get', `/me/mailFolders/${name}`, (r) => r.select(['id']));
      if (folder.id) return folder.id;
    } catch (error) {
      if (!(isProviderError(error) && error.status === 404)) throw error;
    }
    if (required) throw new ProviderError('permanent', `the mailbox has no ${name} folder`, { provider: 'microsoft' });
    return null;
  }

  /**
   * Every mail folder below the root, depth first, except the skipped ones and their subtrees,
   * and except `listed` (Sent Items, Inbox) whose subfolders are still walked.
   */
  async function listFolders(skip: ReadonlySet<string>, listed: ReadonlySet<string>): Promise<string[]> {
    const found: string[] = [];
    const walk = async (target: string, method: 'graph.mailFolders.list' | 'graph.mailFolders.childFolders') => {
      for (let link: string | undefined = target; link; ) {
        const page: Collection<FolderJson> = await call<Collection<FolderJson>>(method, link, (r) =>
          link === target ? r.select(['id', 'childFolderCount']).top(100) : r,
        );
        for (const folder of page.value ?? []) {
          if (!folder.id || skip.has(folder.id)) continue;
          if (!listed.has(folder.id)) found.push(folder.id);
          if ((folder.childFolderCount ?? 0) > 0) {
            try {
              await walk(`/me/mailFolders/${encodeURIComponent(folder.id)}/childFolders`, 'graph.mailFolders.childFolders');
            } catch (error) {
              // Deleted while we listed the tree: it simply is not there any more.
              if (!(isProviderError(error) && error.status === 404)) throw error;
            }
          }
        }
        link = page['@odata.nextLink'];
      }
    };
    await walk('/me/mailFolders', 'graph.mailFolders.list');
    return found;
  }

  async function startCursor(): Promise<GraphMailCursor> {
    const [sent, inbox, ...skipped] = await Promise.all([
      folderIdOf('sentitems', true),
      folderIdOf('inbox', true),
      ...SKIPPED_FOLDERS.map((name) => folderIdOf(name, false)),
    ]);
    const skip = skipped.filter((id): id is string => id !== null);
    const cursor: GraphMailCursor = {
      v: 1,
      phase: 'backfill',
      folders: [
        { id: sent!, role: 'sent', link: null },
        { id: inbox!, role: 'inbox', link: null },
      ],
      at: 0,
      fresh: false,
      skip,
    };
    return withFolders(cursor, await listFolders(new Set(skip), new Set([sent!, inbox!])));
  }

  /** The cursor's folders after a new listing: Sent and Inbox first, known folders keep their links. */
  function withFolders(cursor: GraphMailCursor, others: string[]): GraphMailCursor {
    const [sent, inbox] = cursor.folders;
    const known = new Map(cursor.folders.slice(2).map((f) => [f.id, f]));
    const added = others.filter((id) => !known.has(id));
    if (added.length > 0) logger?.info({ folders: added.length }, 'new mail folders to follow');
    return {
      ...cursor,
      folders: [sent!, inbox!, ...others.map((id) => known.get(id) ?? { id, role: 'other' as const, link: null })],
    };
  }

  async function deltaPage(cursor: GraphMailCursor): Promise<MailPage<GraphMailCursor>> {
    const folder = cursor.folders[cursor.at];
    if (!folder) throw new ProviderError('cursor_expired', 'Graph mail cursor points past its folders', { provider: 'microsoft' });
    let page: Collection<GraphMessage>;
    try {
      page = await call<Collection<GraphMessage>>(
        'graph.messages.delta',
        folder.link ?? `/me/mailFolders/${encodeURIComponent(folder.id)}/messages/delta`,
        (r) => {
          const request = r.header('Prefer', prefer);
          // Only the first request of a folder's first round says what to return: the links carry it.
          return folder.link ? request : request.select([...MESSAGE_SELECT]).orderby('receivedDateTime desc');
        },
      );
    } catch (error) {
      // A folder deleted since the last listing: stop following it.
      if (folder.role === 'other' && isProviderError(error) && error.status === 404) {
        logger?.info('a followed mail folder is gone; dropping it');
        const folders = cursor.folders.filter((_, i) => i !== cursor.at);
        return advance({ ...cursor, folders, at: cursor.at - 1 }, []);
      }
      throw error;
    }

    const refs: MessageRef[] = [];
    let removed = 0;
    for (const item of page.value ?? []) {
      if (!item.id) continue;
      // Deleted or moved out: what happened in a conversation stays what happened.
      if (item['@removed']) {
        removed++;
        continue;
      }
      const mapped = mapGraphMessage(item, folder.role);
      if ('message' in mapped) refs.push({ providerId: item.id, meta: mapped.message });
      // Unsent drafts are nobody's conversation; anything else unreadable is looked at again by hydrate.
      else if (mapped.skipped.reason !== 'draft') refs.push({ providerId: item.id });
    }
    logger?.debug(
      { phase: cursor.phase, folder: cursor.at, refs: refs.length, removed, more: Boolean(page['@odata.nextLink']) },
      'graph delta page',
    );

    const nextLink = page['@odata.nextLink'];
    if (nextLink) return { refs, cursor: replaceLink(cursor, nextLink), phase: cursor.phase, caughtUp: false };
    const deltaLink = page['@odata.deltaLink'];
    if (!deltaLink)
      throw new ProviderError('transient', 'Graph delta page had neither a nextLink nor a deltaLink', { provider: 'microsoft' });
    return advance(replaceLink(cursor, deltaLink), refs);
  }

  /** The folder at `at` finished its round: on to the next one, or to the next round. */
  function advance(cursor: GraphMailCursor, refs: MessageRef[]): MailPage<GraphMailCursor> {
    const next = cursor.at + 1;
    if (next < cursor.folders.length) return { refs, cursor: { ...cursor, at: next }, phase: cursor.phase, caughtUp: false };
    if (cursor.phase === 'backfill') {
      logger?.info({ folders: cursor.folders.length }, 'graph backfill listed; following deltas');
      // Straight into one incremental round: it brings what arrived while the backfill ran.
      return { refs, cursor: { ...cursor, phase: 'incremental', at: 0, fresh: true }, phase: 'incremental', caughtUp: false };
    }
    return { refs, cursor: { ...cursor, at: 0, fresh: true }, phase: 'incremental', caughtUp: true };
  }

  async function hydrateOne(ref: MessageRef): Promise<{ message: MessageMeta } | { skipped: SkippedMessage }> {
    if (ref.meta) return { message: ref.meta };
    try {
      const message = await call<GraphMessage & { parentFolderId?: string }>(
        'graph.messages.get',
        `/me/messages/${encodeURIComponent(ref.providerId)}`,
        (r) => r.header('Prefer', 'IdType="ImmutableId"').select([...MESSAGE_SELECT, 'parentFolderId']),
      );
      return mapGraphMessage({ ...message, id: ref.providerId }, roles.get(message.parentFolderId ?? '') ?? 'other');
    } catch (error) {
      // Deleted between listing and now; not a cursor problem.
      if (isProviderError(error) && error.status === 404) return { skipped: { providerId: ref.providerId, reason: 'gone' } };
      throw error;
    }
  }

  return {
    async nextPage(cursor) {
      let c = cursor === null ? await startCursor() : readCursor(cursor);
      if (c.fresh) {
        c = { ...withFolders(c, await listFolders(new Set(c.skip), new Set([c.folders[0]!.id, c.folders[1]!.id]))), fresh: false };
      }
      for (const f of c.folders) roles.set(f.id, f.role);
      return deltaPage(c);
    },

    async hydrate(refs) {
      const settled = await Promise.allSettled(refs.map(hydrateOne));
      const messages: MessageMeta[] = [];
      const skipped: SkippedMessage[] = [];
      for (const result of settled) {
        if (result.status === 'rejected') throw result.reason;
        if ('message' in result.value) messages.push(result.value.message);
        else skipped.push(result.value.skipped);
      }
      return { messages, skipped };
    },
  };
}

function replaceLink(cursor: GraphMailCursor, link: string): GraphMailCursor {
  return { ...cursor, folders: cursor.folders.map((f, i) => (i === cursor.at ? { ...f, link } : f)) };
}

/** A cursor this code did not write (or an older format) restarts the sync rather than guess. */
function readCursor(value: unknown): GraphMailCursor {
  if (typeof value === 'object' && value !== null) {
    const c = value as Partial<GraphMailCursor>;
    const foldersOk =
      Array.isArray(c.folders) &&
      c.folders.length >= 2 &&
      c.folders.every(
        (f) => typeof f?.id === 'string' && ['sent', 'inbox', 'other'].includes(f.role) && (f.link === null || typeof f.link === 'string'),
      );
    if (
      c.v === 1 &&
      (c.phase === 'backfill' || c.phase === 'incremental') &&
      foldersOk &&
      Number.isInteger(c.at) &&
      c.at! >= 0 &&
      c.at! < c.folders!.length &&
      typeof c.fresh === 'boolean' &&
      Array.isArray(c.skip)
    ) {
      return c as GraphMailCursor;
    }
  }
  throw new ProviderError('cursor_expired', 'unreadable Graph mail cursor; a full sync is required', { provider: 'microsoft' });
}
