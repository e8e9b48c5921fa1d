/**
 * One user's primary calendar. Every change (add, update, cancel) takes the next change
 * sequence number; a sync token is such a number, and an incremental listing returns the
 * events whose last change is after it, cancelled ones included.
 */
import { randomBytes } from 'node:crypto';
import type { SeedAttendee, SeedEvent, SeedEventTime, SeedPerson } from './seed-types.ts';

export interface StoredEvent {
  id: string;
  iCalUID: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  summary?: string;
  start: SeedEventTime;
  end: SeedEventTime;
  organizer: SeedPerson;
  attendees?: SeedAttendee[];
  created: number;
  updated: number;
  /** Calendar's own revision counter, bumped by every update. */
  sequence: number;
  /** Order of creation: the default listing order. */
  index: number;
  /** The change that last touched it. */
  changeSeq: number;
}

/** A sort key and the position after it: [primary key, creation index]. */
export type EventPosition = [key: number, index: number];

export class CalendarStore {
  readonly owner: string;
  readonly #events = new Map<string, StoredEvent>();
  #changeSeq = 0;
  #oldestValidSync = 0;
  #index = 0;

  constructor(owner: string) {
    this.owner = owner;
  }

  get changeSeq(): number {
    return this.#changeSeq;
  }

  /** True when a sync token taken at `seq` can still be honoured. */
  syncValid(seq: number): boolean {
    return seq >= this.#oldestValidSync && seq <= this.#changeSeq;
  }

  add(seed: SeedEvent): string {
    const id = seed.id ?? newEventId();
    if (this.#events.has(id)) throw new Error(`Google emulator: event ${id} already exists in ${this.owner}`);
    const updated = seed.updated ? parseTime(seed.updated, 'updated') : Date.now();
    this.#events.set(id, {
      id,
      iCalUID: seed.iCalUID ?? `${id}@google.com`,
      status: seed.status ?? 'confirmed',
      ...(seed.summary !== undefined ? { summary: seed.summary } : {}),
      start: checkTime(seed.start, 'start'),
      end: checkTime(seed.end, 'end'),
      organizer: seed.organizer ?? { email: this.owner },
      ...(seed.attendees ? { attendees: seed.attendees } : {}),
      created: updated,
      updated,
      sequence: 0,
      index: this.#index++,
      changeSeq: ++this.#changeSeq,
    });
    return id;
  }

  update(id: string, patch: Partial<SeedEvent>): void {
    const event = this.#require(id);
    if (patch.id !== undefined && patch.id !== id) throw new Error('Google emulator: an event id cannot change');
    if (patch.start) event.start = checkTime(patch.start, 'start');
    if (patch.end) event.end = checkTime(patch.end, 'end');
    if (patch.status) event.status = patch.status;
    if (patch.summary !== undefined) event.summary = patch.summary;
    if (patch.organizer) event.organizer = patch.organizer;
    if (patch.attendees) event.attendees = patch.attendees;
    if (patch.iCalUID) event.iCalUID = patch.iCalUID;
    this.#touch(event, patch.updated);
  }

  cancel(id: string): void {
    const event = this.#require(id);
    event.status = 'cancelled';
    this.#touch(event);
  }

  /** Every sync token issued so far becomes invalid; tokens issued from now on are valid. */
  expireSyncTokens(): void {
    this.#oldestValidSync = ++this.#changeSeq;
  }

  /** Every event, in no particular order; callers filter and sort. */
  all(): StoredEvent[] {
    return [...this.#events.values()];
  }

  #touch(event: StoredEvent, updated?: string): void {
    event.updated = updated ? parseTime(updated, 'updated') : Math.max(Date.now(), event.updated + 1);
    event.sequence++;
    event.changeSeq = ++this.#changeSeq;
  }

  #require(id: string): StoredEvent {
    const event = this.#events.get(id);
    if (!event) throw new Error(`Google emulator: no event ${id} in ${this.owner}`);
    return event;
  }
}

/** Epoch ms of an event time; all-day dates count from midnight UTC. */
export function timeOf(time: SeedEventTime): number {
  return 'dateTime' in time ? Date.parse(time.dateTime) : Date.parse(`${time.date}T00:00:00Z`);
}

function checkTime(time: SeedEventTime, field: string): SeedEventTime {
  if (!time || Number.isNaN(timeOf(time))) {
    throw new Error(`Google emulator: event ${field} needs a valid dateTime or date`);
  }
  return time;
}

function parseTime(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`Google emulator: bad event ${field} ${value}`);
  return ms;
}

/** Calendar event ids are base32hex: 0-9 and a-v. */
function newEventId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  return [...randomBytes(26)].map((b) => alphabet[b & 31]).join('');
}
