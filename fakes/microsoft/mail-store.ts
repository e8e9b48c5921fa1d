/**
 * One user's Exchange mailbox as Graph sees it: a folder tree, messages that each live in
 * exactly one folder, and the change log message delta reads.
 *
 * Every change (a message arriving, moving, being deleted) takes the next change number. A delta
 * round is pinned to the change number current at its first page (its snapshot): an initial round
 * lists what was in the folder at the snapshot, an incremental one what changed between the
 * previous round's snapshot and this one's. A message that leaves a folder (deleted or moved)
 * leaves a tombstone there, which the folder's next incremental round reports as `@removed`.
 *
 * Ids: each message has an immutable id (what `Prefer: IdType="ImmutableId"` asks for) and a
 * REST id that changes whenever the message moves, as Exchange's default ids do.
 */
import type { SeedMessage } from '../google/seed-types.ts';
import { ThreadIndex } from '../google/threading.ts';
import type { WellKnownFolder } from './emulator-types.ts';
import { exchangeId, folderOfLabels, headersOfSeed, messageFields, type MessageFields } from './graph-resources.ts';

export interface StoredFolder {
  id: string;
  displayName: string;
  /** Null for the root (msgfolderroot). */
  parentId: string | null;
  wellKnown: WellKnownFolder | 'msgfolderroot' | null;
  /** Order of creation: the listing order. */
  index: number;
}

export interface StoredMessage {
  immutableId: string;
  restId: string;
  folderId: string;
  conversationId: string;
  fields: MessageFields;
  /** The change that last touched it. */
  changeSeq: number;
  /** The change that put it in its current folder. */
  folderSeq: number;
  moves: number;
  /** Order of arrival. */
  index: number;
  lastModified: number;
}

export interface Tombstone {
  folderId: string;
  immutableId: string;
  restId: string;
  seq: number;
}

/** Listing orders message delta knows: `$orderby=receivedDateTime desc`, or none (arrival order). */
export type DeltaOrder = 'received-desc' | 'arrival';

/** A keyset position in a listing order: [primary key, arrival index]. */
export type ListPosition = [key: number, index: number];

export type DeltaEntry = { kind: 'message'; message: StoredMessage; seq: number } | { kind: 'removed'; tombstone: Tombstone; seq: number };

const TOP_LEVEL: [WellKnownFolder, string][] = [
  ['inbox', 'Inbox'],
  ['drafts', 'Drafts'],
  ['sentitems', 'Sent Items'],
  ['deleteditems', 'Deleted Items'],
  ['junkemail', 'Junk Email'],
  ['outbox', 'Outbox'],
  ['archive', 'Archive'],
];

export class MailStore {
  readonly owner: string;
  readonly root: StoredFolder;
  readonly #folders = new Map<string, StoredFolder>();
  readonly #messages = new Map<string, StoredMessage>();
  readonly #byRestId = new Map<string, string>();
  readonly #tombstones: Tombstone[] = [];
  readonly #threads = new ThreadIndex();
  readonly #sorted = new Map<string, { version: number; list: StoredMessage[] }>();
  #version = 0;
  #changeSeq = 0;
  #generation = 0;
  #oldestValidGeneration = 0;
  #index = 0;
  #folderIndex = 0;

  constructor(owner: string) {
    this.owner = owner;
    this.root = this.#createFolder('Top of Information Store', null, 'msgfolderroot');
    for (const [wellKnown, name] of TOP_LEVEL) this.#createFolder(name, this.root.id, wellKnown);
  }

  get changeSeq(): number {
    return this.#changeSeq;
  }

  /** The generation a token issued now carries. */
  get generation(): number {
    return this.#generation;
  }

  tokenValid(generation: number): boolean {
    return generation >= this.#oldestValidGeneration && generation <= this.#generation;
  }

  /** Every token issued so far stops working. */
  expireTokens(): void {
    this.#oldestValidGeneration = ++this.#generation;
  }

  /** A folder by id or well-known name (case-insensitive, as Graph accepts them). */
  folder(idOrName: string): StoredFolder | undefined {
    const byId = this.#folders.get(idOrName);
    if (byId) return byId;
    const name = idOrName.toLowerCase();
    for (const folder of this.#folders.values()) if (folder.wellKnown === name) return folder;
    return undefined;
  }

  childrenOf(folderId: string): StoredFolder[] {
    return [...this.#folders.values()].filter((f) => f.parentId === folderId).sort((a, b) => a.index - b.index);
  }

  /** Messages in a folder, total. */
  countIn(folderId: string): { total: number; unread: number } {
    let total = 0;
    let unread = 0;
    for (const m of this.#messages.values()) {
      if (m.folderId !== folderId) continue;
      total++;
      if (!m.fields.isRead) unread++;
    }
    return { total, unread };
  }

  addFolder(displayName: string, parent?: string): string {
    const parentFolder = parent === undefined ? this.root : this.folder(parent);
    if (!parentFolder) throw new Error(`Graph emulator: no folder ${parent} in ${this.owner}`);
    return this.#createFolder(displayName, parentFolder.id, null).id;
  }

  /** Deletes a user folder and its subfolders; their messages go to Deleted Items, as Outlook does. */
  deleteFolder(idOrName: string): void {
    const folder = this.folder(idOrName);
    if (!folder || folder.wellKnown !== null) throw new Error(`Graph emulator: ${idOrName} is not a user folder of ${this.owner}`);
    for (const child of this.childrenOf(folder.id)) this.deleteFolder(child.id);
    for (const message of [...this.#messages.values()]) if (message.folderId === folder.id) this.move(message.immutableId, 'deleteditems');
    this.#folders.delete(folder.id);
  }

  /** Seeds a mailbox as it was before anyone watched it (still one change per message). */
  seed(messages: SeedMessage[]): void {
    for (const message of messages) this.add(message);
  }

  add(seed: SeedMessage): string {
    const headers = headersOfSeed(seed);
    const target = folderOfLabels(seed.labelIds ?? ['INBOX']);
    const folder = typeof target === 'string' ? this.folder(target)! : this.#userFolder(target.label);
    const index = this.#index++;
    const immutableId = seed.id ?? exchangeId('AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A', this.owner, index);
    if (this.#messages.has(immutableId)) throw new Error(`Graph emulator: message ${immutableId} already exists in ${this.owner}`);
    const fields = messageFields(seed, headers, typeof target === 'string' ? target : { label: target.label });
    const conversationId =
      (seed.threadId ? exchangeId('AAQkAD', this.owner, 'thread', seed.threadId) : null) ??
      this.#threads.resolve(headers) ??
      exchangeId('AAQkAD', this.owner, immutableId);
    this.#threads.record(headers, conversationId);
    const seq = this.#change();
    const message: StoredMessage = {
      immutableId,
      restId: exchangeId('AAMkAD', this.owner, immutableId, 0),
      folderId: folder.id,
      conversationId,
      fields,
      changeSeq: seq,
      folderSeq: seq,
      moves: 0,
      index,
      lastModified: fields.receivedDateTime,
    };
    this.#messages.set(immutableId, message);
    this.#byRestId.set(message.restId, immutableId);
    return immutableId;
  }

  /** A message by immutable id or current REST id. */
  find(id: string): StoredMessage | undefined {
    return this.#messages.get(id) ?? this.#messages.get(this.#byRestId.get(id) ?? '');
  }

  delete(id: string): void {
    const message = this.#require(id);
    this.#leave(message);
    this.#messages.delete(message.immutableId);
    this.#byRestId.delete(message.restId);
  }

  move(id: string, folderIdOrName: string): void {
    const message = this.#require(id);
    const folder = this.folder(folderIdOrName);
    if (!folder || folder.wellKnown === 'msgfolderroot') throw new Error(`Graph emulator: no folder ${folderIdOrName} in ${this.owner}`);
    if (folder.id === message.folderId) return;
    this.#leave(message);
    this.#byRestId.delete(message.restId);
    message.moves++;
    message.restId = exchangeId('AAMkAD', this.owner, message.immutableId, message.moves);
    this.#byRestId.set(message.restId, message.immutableId);
    message.folderId = folder.id;
    message.folderSeq = message.changeSeq = this.#change();
    message.lastModified = Date.now();
  }

  /**
   * A page of a folder's initial round: what was in the folder at `snap`, in `order`, after
   * `after`. Messages that entered the folder after the snapshot wait for the next round.
   */
  initialPage(folderId: string, order: DeltaOrder, snap: number, after: ListPosition | null, limit: number) {
    const list = this.#sortedIn(folderId, order);
    let start = 0;
    if (after) {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compare(position(list[mid]!, order), after, order) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const page: StoredMessage[] = [];
    let i = start;
    for (; i < list.length && page.length < limit; i++) if (list[i]!.folderSeq <= snap) page.push(list[i]!);
    let more = false;
    for (; i < list.length && !more; i++) more = list[i]!.folderSeq <= snap;
    return { page, more, last: page.length > 0 ? position(page.at(-1)!, order) : after };
  }

  /** A page of a folder's incremental round: changes after `since` up to `snap`, after change `afterSeq`. */
  changesPage(folderId: string, since: number, snap: number, afterSeq: number, limit: number) {
    const from = Math.max(since, afterSeq);
    const entries: DeltaEntry[] = [];
    for (const message of this.#messages.values()) {
      if (message.folderId === folderId && message.changeSeq > from && message.changeSeq <= snap) {
        entries.push({ kind: 'message', message, seq: message.changeSeq });
      }
    }
    for (const tombstone of this.#tombstones) {
      if (tombstone.folderId === folderId && tombstone.seq > from && tombstone.seq <= snap) {
        entries.push({ kind: 'removed', tombstone, seq: tombstone.seq });
      }
    }
    entries.sort((a, b) => a.seq - b.seq);
    return { page: entries.slice(0, limit), more: entries.length > limit };
  }

  #leave(message: StoredMessage): void {
    this.#tombstones.push({ folderId: message.folderId, immutableId: message.immutableId, restId: message.restId, seq: this.#change() });
  }

  #change(): number {
    this.#version++;
    return ++this.#changeSeq;
  }

  #sortedIn(folderId: string, order: DeltaOrder): StoredMessage[] {
    const key = `${folderId}\u0000${order}`;
    const cached = this.#sorted.get(key);
    if (cached && cached.version === this.#version) return cached.list;
    const list = [...this.#messages.values()]
      .filter((m) => m.folderId === folderId)
      .sort((a, b) => compare(position(a, order), position(b, order), order));
    this.#sorted.set(key, { version: this.#version, list });
    return list;
  }

  #userFolder(label: string): StoredFolder {
    for (const folder of this.#folders.values()) if (folder.parentId === this.root.id && folder.displayName === label) return folder;
    return this.#createFolder(label, this.root.id, null);
  }

  #createFolder(displayName: string, parentId: string | null, wellKnown: StoredFolder['wellKnown']): StoredFolder {
    const index = this.#folderIndex++;
    const folder: StoredFolder = { id: exchangeId('AQMkAD', this.owner, 'folder', index), displayName, parentId, wellKnown, index };
    this.#folders.set(folder.id, folder);
    return folder;
  }

  #require(id: string): StoredMessage {
    const message = this.find(id);
    if (!message) throw new Error(`Graph emulator: no message ${id} in ${this.owner}`);
    return message;
  }
}

function position(message: StoredMessage, order: DeltaOrder): ListPosition {
  return [order === 'received-desc' ? message.fields.receivedDateTime : 0, message.index];
}

/** Newest first for received-desc (later arrivals first among equal dates); arrival order otherwise. */
function compare(a: ListPosition, b: ListPosition, order: DeltaOrder): number {
  return order === 'received-desc' ? b[0] - a[0] || b[1] - a[1] : a[1] - b[1];
}
