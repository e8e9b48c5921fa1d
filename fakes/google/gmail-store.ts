/**
 * One user's Gmail mailbox: messages kept in Gmail's listing order (newest internalDate
 * first), and the history log that history.list reads.
 *
 * History ids grow with every change, with gaps between them like Gmail's (a client must never
 * assume they are contiguous). Messages that come from the seed are the mailbox as it was
 * before anyone watched it: they carry historyIds but no history records, and the oldest
 * startHistoryId history.list accepts is the historyId right after seeding.
 */
import type { SeedMessage } from './seed-types.ts';
import { ThreadIndex } from './threading.ts';
import { type RawHeader, headerBlockOf, parseHeaderBlock, parseHeaderDate } from '../shared/mail-headers.ts';

export interface StoredMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  /** Epoch ms. */
  internalDate: number;
  headers: RawHeader[];
  sizeEstimate: number;
  historyId: number;
  /** Order of arrival; breaks ties between equal internalDates. */
  seq: number;
}

export interface MessageRef {
  id: string;
  threadId: string;
  labelIds: string[];
}

export type HistoryChange =
  | { type: 'messageAdded' | 'messageDeleted'; message: MessageRef }
  | { type: 'labelAdded' | 'labelRemoved'; message: MessageRef; labelIds: string[] };

export interface HistoryRecord {
  id: number;
  change: HistoryChange;
}

/** Position in the listing order: (internalDate, seq) of the last message served. */
export type ListPosition = [internalDate: number, seq: number];

export interface ListFilter {
  labelIds: string[];
  includeSpamTrash: boolean;
}

const FIRST_HISTORY_ID = 4_000;

export class GmailStore {
  readonly email: string;
  readonly #messages = new Map<string, StoredMessage>();
  /** Sorted newest first: internalDate desc, then seq desc. */
  readonly #ordered: StoredMessage[] = [];
  readonly #history: HistoryRecord[] = [];
  readonly #threads = new ThreadIndex();
  #historyId = FIRST_HISTORY_ID;
  #oldestValidStart = FIRST_HISTORY_ID;
  #seq = 0;
  #changes = 0;

  constructor(email: string) {
    this.email = email;
  }

  get historyId(): number {
    return this.#historyId;
  }

  /** What getProfile reports: every message and thread, SPAM and TRASH included. */
  totals(): { messages: number; threads: number } {
    const threads = new Set<string>();
    for (const message of this.#messages.values()) threads.add(message.threadId);
    return { messages: this.#messages.size, threads: threads.size };
  }

  /** Adds seed messages without history records; see the file comment. */
  seed(messages: SeedMessage[]): void {
    for (const message of messages) this.#insert(message, true);
    // One sort instead of an insertion per message: corpora seed tens of thousands at once.
    this.#ordered.sort((a, b) => b.internalDate - a.internalDate || b.seq - a.seq);
    this.#oldestValidStart = this.#historyId;
  }

  add(message: SeedMessage): string {
    const stored = this.#insert(message);
    this.#record({ type: 'messageAdded', message: refOf(stored) }, stored);
    return stored.id;
  }

  delete(id: string): void {
    const stored = this.#require(id);
    this.#messages.delete(id);
    this.#ordered.splice(this.#indexOf(stored), 1);
    this.#record({ type: 'messageDeleted', message: refOf(stored) });
  }

  modifyLabels(id: string, add: string[], remove: string[]): void {
    const stored = this.#require(id);
    const added = [...new Set(add)].filter((l) => !stored.labelIds.includes(l));
    const removed = [...new Set(remove)].filter((l) => stored.labelIds.includes(l));
    stored.labelIds = [...stored.labelIds.filter((l) => !removed.includes(l)), ...added];
    if (added.length > 0) this.#record({ type: 'labelAdded', message: refOf(stored), labelIds: added }, stored);
    if (removed.length > 0) this.#record({ type: 'labelRemoved', message: refOf(stored), labelIds: removed }, stored);
  }

  /** Forgets all history so far; the next historyId handed out is valid again. */
  expireHistory(): void {
    this.#history.length = 0;
    this.#bump();
    this.#oldestValidStart = this.#historyId;
  }

  get(id: string): StoredMessage | undefined {
    return this.#messages.get(id);
  }

  /**
   * Up to `limit` messages after `after` in listing order that pass the filter, whether
   * another page follows, and how many messages pass the filter in all.
   */
  list(filter: ListFilter, after: ListPosition | null, limit: number) {
    const matches = (m: StoredMessage) => passes(m, filter);
    let start = 0;
    if (after) start = this.#firstAfter(after);
    const page: StoredMessage[] = [];
    let i = start;
    for (; i < this.#ordered.length && page.length < limit; i++) {
      const message = this.#ordered[i]!;
      if (matches(message)) page.push(message);
    }
    let more = false;
    for (; i < this.#ordered.length; i++) {
      if (matches(this.#ordered[i]!)) {
        more = true;
        break;
      }
    }
    let total = 0;
    for (const message of this.#ordered) if (matches(message)) total++;
    return { page, more, total };
  }

  /**
   * History records after `startHistoryId` (and after `afterRecord`, for later pages), or
   * 'expired' when the start is older than the oldest record kept.
   */
  historySince(startHistoryId: number, afterRecord: number | null): HistoryRecord[] | 'expired' {
    if (startHistoryId < this.#oldestValidStart) return 'expired';
    const from = Math.max(startHistoryId, afterRecord ?? -Infinity);
    let lo = 0;
    let hi = this.#history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#history[mid]!.id <= from) lo = mid + 1;
      else hi = mid;
    }
    return this.#history.slice(lo);
  }

  #insert(seed: SeedMessage, unsorted = false): StoredMessage {
    const { headers, block } = headersOf(seed);
    const internalDate = internalDateOf(seed, headers);
    const id = seed.id ?? this.#newId(internalDate);
    if (this.#messages.has(id)) throw new Error(`Google emulator: message id ${id} already exists in ${this.email}`);
    const threadId = seed.threadId ?? this.#threads.resolve(headers) ?? id;
    this.#threads.record(headers, threadId);
    this.#bump();
    const stored: StoredMessage = {
      id,
      threadId,
      labelIds: [...new Set(seed.labelIds ?? ['INBOX'])],
      internalDate,
      headers,
      sizeEstimate: Buffer.byteLength(seed.raw ?? block) + 2,
      historyId: this.#historyId,
      seq: this.#seq++,
    };
    this.#messages.set(id, stored);
    if (unsorted) this.#ordered.push(stored);
    else this.#ordered.splice(this.#firstAfter([stored.internalDate, stored.seq]), 0, stored);
    return stored;
  }

  #record(change: HistoryChange, touched?: StoredMessage): void {
    // A message that arrives is written in the same change that adds it: one record, one id.
    if (change.type !== 'messageAdded') this.#bump();
    if (touched) touched.historyId = this.#historyId;
    this.#history.push({ id: this.#historyId, change });
  }

  /** Moves the historyId on by an irregular step, as Gmail's ids have gaps. */
  #bump(): void {
    this.#changes++;
    this.#historyId += 1 + ((this.#changes * 7) % 5);
  }

  /** Gmail ids are the internal date in ms shifted left 20 bits plus a counter, in hex. */
  #newId(internalDate: number): string {
    let n = this.#seq;
    for (;;) {
      const id = ((BigInt(Math.max(0, internalDate)) << 20n) + BigInt(n & 0xfffff)).toString(16).padStart(16, '0');
      if (!this.#messages.has(id)) return id;
      n++;
    }
  }

  #require(id: string): StoredMessage {
    const stored = this.#messages.get(id);
    if (!stored) throw new Error(`Google emulator: no message ${id} in ${this.email}`);
    return stored;
  }

  /** Index of the first message that sorts after the position (binary search). */
  #firstAfter([date, seq]: ListPosition): number {
    let lo = 0;
    let hi = this.#ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.#ordered[mid]!;
      const before = m.internalDate > date || (m.internalDate === date && m.seq >= seq);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #indexOf(message: StoredMessage): number {
    return this.#firstAfter([message.internalDate, message.seq]) - 1;
  }
}

function refOf(m: StoredMessage): MessageRef {
  return { id: m.id, threadId: m.threadId, labelIds: [...m.labelIds] };
}

function passes(m: StoredMessage, filter: ListFilter): boolean {
  if (!filter.labelIds.every((l) => m.labelIds.includes(l))) return false;
  if (filter.includeSpamTrash) return true;
  // SPAM and TRASH are hidden unless asked for, by the flag or by naming the label.
  return !m.labelIds.some((l) => (l === 'SPAM' || l === 'TRASH') && !filter.labelIds.includes(l));
}

function headersOf(seed: SeedMessage): { headers: RawHeader[]; block: string } {
  if ((seed.headers === undefined) === (seed.raw === undefined)) {
    throw new Error('Google emulator: a seed message needs exactly one of headers and raw');
  }
  if (seed.raw !== undefined) {
    const block = headerBlockOf(seed.raw);
    return { headers: parseHeaderBlock(block), block };
  }
  const headers = seed.headers!.map(({ name, value }) => ({ name, value }));
  return { headers, block: headers.map((h) => `${h.name}: ${h.value}`).join('\r\n') };
}

function internalDateOf(seed: SeedMessage, headers: RawHeader[]): number {
  if (seed.internalDate !== undefined) {
    const ms = Date.parse(seed.internalDate);
    if (Number.isNaN(ms)) throw new Error(`Google emulator: bad internalDate ${seed.internalDate}`);
    return ms;
  }
  const date = headers.find((h) => h.name.toLowerCase() === 'date');
  return parseHeaderDate(date?.value)?.getTime() ?? Date.now();
}
