/**
 * One user's default calendar as Graph's calendarView sees it. Seeds use the Google Calendar
 * shape (seed-types.ts) and are turned into Outlook events here: the organizer is listed apart
 * from the attendees, responses use Outlook's words (tentativelyAccepted, notResponded, …), the
 * user's own answer is the event's `responseStatus`, and a cancelled meeting stays on the
 * calendar with `isCancelled: true` until it is deleted.
 *
 * Every change takes the next change number, like the mail store; a calendarView delta round is
 * pinned to its window and to the change number at its first page.
 */
import { createHash } from 'node:crypto';
import type { SeedAttendee, SeedEvent, SeedEventTime, SeedPerson } from '../google/seed-types.ts';
import { exchangeId } from './graph-resources.ts';

export type GraphResponse = 'none' | 'organizer' | 'tentativelyAccepted' | 'accepted' | 'declined' | 'notResponded';

export interface GraphAttendee {
  type: 'required' | 'optional' | 'resource';
  status: { response: GraphResponse; time: string };
  emailAddress: { name: string; address: string };
}

export interface StoredEvent {
  id: string;
  iCalUId: string;
  subject: string;
  /** Epoch ms. */
  start: number;
  end: number;
  isAllDay: boolean;
  isCancelled: boolean;
  showAs: 'busy' | 'tentative';
  organizer: { name: string; address: string };
  isOrganizer: boolean;
  /** The calendar owner's own answer. */
  responseStatus: GraphResponse;
  attendees: GraphAttendee[];
  created: number;
  lastModified: number;
  changeSeq: number;
  addedSeq: number;
  index: number;
}

export type CalendarEntry = { kind: 'event'; event: StoredEvent; seq: number } | { kind: 'removed'; id: string; seq: number };

const NO_TIME = '0001-01-01T00:00:00Z';

export class CalendarStore {
  readonly owner: string;
  readonly #ownAddresses: Set<string>;
  readonly #events = new Map<string, StoredEvent>();
  readonly #tombstones: { id: string; seq: number }[] = [];
  #changeSeq = 0;
  #generation = 0;
  #oldestValidGeneration = 0;
  #index = 0;

  constructor(owner: string, aliases: string[] = []) {
    this.owner = owner;
    this.#ownAddresses = new Set([owner, ...aliases].map((a) => a.toLowerCase()));
  }

  get changeSeq(): number {
    return this.#changeSeq;
  }

  get generation(): number {
    return this.#generation;
  }

  tokenValid(generation: number): boolean {
    return generation >= this.#oldestValidGeneration && generation <= this.#generation;
  }

  expireTokens(): void {
    this.#oldestValidGeneration = ++this.#generation;
  }

  add(seed: SeedEvent): string {
    const index = this.#index++;
    const id = seed.id ?? exchangeId('AAMkAGI2TG93AAA', this.owner, 'event', index);
    if (this.#events.has(id)) throw new Error(`Graph emulator: event ${id} already exists in ${this.owner}`);
    const updated = seed.updated ? parseTime(seed.updated, 'updated') : Date.now();
    const seq = ++this.#changeSeq;
    const event: StoredEvent = {
      id,
      iCalUId:
        seed.iCalUID ??
        `040000008200E00074C5B7101A82E00800000000${createHash('sha256').update(`${this.owner}:${id}`).digest('hex').slice(0, 40).toUpperCase()}`,
      created: updated,
      lastModified: updated,
      changeSeq: seq,
      addedSeq: seq,
      index,
      ...this.#shape(seed),
    };
    this.#events.set(id, event);
    return id;
  }

  update(id: string, patch: Partial<SeedEvent>): void {
    const event = this.#require(id);
    const merged: SeedEvent = {
      ...this.#toSeed(event),
      ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
    };
    Object.assign(event, this.#shape(merged));
    event.lastModified = patch.updated ? parseTime(patch.updated, 'updated') : Math.max(Date.now(), event.lastModified + 1);
    event.changeSeq = ++this.#changeSeq;
  }

  cancel(id: string): void {
    const event = this.#require(id);
    event.isCancelled = true;
    event.lastModified = Math.max(Date.now(), event.lastModified + 1);
    event.changeSeq = ++this.#changeSeq;
  }

  delete(id: string): void {
    this.#require(id);
    this.#events.delete(id);
    this.#tombstones.push({ id, seq: ++this.#changeSeq });
  }

  /** The initial round of a window: events that existed at `snap`, by start, after `after`. */
  initialPage(window: [number, number], snap: number, after: [number, number] | null, limit: number) {
    const inWindow = [...this.#events.values()]
      .filter((e) => e.addedSeq <= snap && overlaps(e, window))
      .sort((a, b) => a.start - b.start || a.index - b.index)
      .filter((e) => !after || e.start > after[0] || (e.start === after[0] && e.index > after[1]));
    const page = inWindow.slice(0, limit);
    const last = page.at(-1);
    return { page, more: inWindow.length > limit, last: last ? ([last.start, last.index] as [number, number]) : after };
  }

  /**
   * Changes after `since` up to `snap`: events that changed inside the window in full, and as
   * `@removed` both deleted events and events that changed outside the window (as Graph does).
   */
  changesPage(window: [number, number], since: number, snap: number, afterSeq: number, limit: number) {
    const from = Math.max(since, afterSeq);
    const entries: CalendarEntry[] = [];
    for (const event of this.#events.values()) {
      if (event.changeSeq <= from || event.changeSeq > snap) continue;
      entries.push(
        overlaps(event, window) ? { kind: 'event', event, seq: event.changeSeq } : { kind: 'removed', id: event.id, seq: event.changeSeq },
      );
    }
    for (const t of this.#tombstones) if (t.seq > from && t.seq <= snap) entries.push({ kind: 'removed', id: t.id, seq: t.seq });
    entries.sort((a, b) => a.seq - b.seq);
    return { page: entries.slice(0, limit), more: entries.length > limit };
  }

  #shape(seed: SeedEvent) {
    const start = checkTime(seed.start, 'start');
    const end = checkTime(seed.end, 'end');
    const organizerSeed: SeedPerson = seed.organizer ?? { email: this.owner };
    const organizerKey = organizerSeed.email.toLowerCase();
    const isOrganizer = this.#ownAddresses.has(organizerKey);
    const invitees = (seed.attendees ?? []).filter((a) => !a.organizer && a.email.toLowerCase() !== organizerKey);
    const own = (seed.attendees ?? []).find((a) => a.self ?? this.#ownAddresses.has(a.email.toLowerCase()));
    return {
      subject: seed.summary ?? '',
      start: start.at,
      end: end.at,
      isAllDay: start.allDay,
      isCancelled: seed.status === 'cancelled',
      showAs: seed.status === 'tentative' ? ('tentative' as const) : ('busy' as const),
      organizer: { name: organizerSeed.displayName ?? organizerSeed.email, address: organizerSeed.email },
      isOrganizer,
      responseStatus: isOrganizer ? ('organizer' as const) : own ? ownResponse(own) : ('none' as const),
      attendees: invitees.map(attendeeOf),
    };
  }

  /** Back to seed form, so an update can be a patch over the current state. */
  #toSeed(event: StoredEvent): SeedEvent {
    const time = (ms: number): SeedEventTime =>
      event.isAllDay ? { date: new Date(ms).toISOString().slice(0, 10) } : { dateTime: new Date(ms).toISOString() };
    const fromGraph: Record<GraphResponse, SeedAttendee['responseStatus']> = {
      none: 'needsAction',
      notResponded: 'needsAction',
      organizer: 'accepted',
      accepted: 'accepted',
      tentativelyAccepted: 'tentative',
      declined: 'declined',
    };
    return {
      id: event.id,
      iCalUID: event.iCalUId,
      status: event.isCancelled ? 'cancelled' : event.showAs === 'tentative' ? 'tentative' : 'confirmed',
      summary: event.subject,
      start: time(event.start),
      end: time(event.end),
      organizer: { email: event.organizer.address, displayName: event.organizer.name },
      attendees: event.attendees.map((a) => ({
        email: a.emailAddress.address,
        displayName: a.emailAddress.name,
        responseStatus: fromGraph[a.status.response],
        ...(a.type === 'resource' ? { resource: true } : {}),
        ...(a.type === 'optional' ? { optional: true } : {}),
      })),
    };
  }

  #require(id: string): StoredEvent {
    const event = this.#events.get(id);
    if (!event) throw new Error(`Graph emulator: no event ${id} in ${this.owner}`);
    return event;
  }
}

function overlaps(event: StoredEvent, [start, end]: [number, number]): boolean {
  return event.start < end && event.end > start;
}

const ATTENDEE_RESPONSE: Record<SeedAttendee['responseStatus'], GraphResponse> = {
  accepted: 'accepted',
  declined: 'declined',
  tentative: 'tentativelyAccepted',
  needsAction: 'none',
};

function attendeeOf(a: SeedAttendee): GraphAttendee {
  const response = ATTENDEE_RESPONSE[a.responseStatus];
  return {
    type: a.resource ? 'resource' : a.optional ? 'optional' : 'required',
    status: { response, time: NO_TIME },
    emailAddress: { name: a.displayName ?? a.email, address: a.email },
  };
}

/** The owner's own answer to an invitation: not answering yet is `notResponded`. */
function ownResponse(a: SeedAttendee): GraphResponse {
  return a.responseStatus === 'needsAction' ? 'notResponded' : ATTENDEE_RESPONSE[a.responseStatus];
}

function checkTime(time: SeedEventTime, field: string): { at: number; allDay: boolean } {
  const at = time && 'dateTime' in time ? Date.parse(time.dateTime) : time && 'date' in time ? Date.parse(`${time.date}T00:00:00Z`) : NaN;
  if (Number.isNaN(at)) throw new Error(`Graph emulator: event ${field} needs a valid dateTime or date`);
  return { at, allDay: Boolean(time && 'date' in time) };
}

function parseTime(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`Graph emulator: bad event ${field} ${value}`);
  return ms;
}
