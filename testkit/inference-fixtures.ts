/** Builders for the plain shapes inference consumes, with neutral defaults. */
import type { InteractionRecord } from '../src/contacts/types.ts';
import type { Address, Attendee, CalendarEvent, MessageFlags, MessageMeta } from '../src/mail/types.ts';

export const NO_FLAGS: MessageFlags = {
  listId: null,
  listUnsubscribe: false,
  precedence: null,
  autoSubmitted: null,
  nullReturnPath: false,
  autoReply: false,
  category: null,
  deliveryReport: false,
};

/** `'Ann <ann@x.org>'` or `'ann@x.org'` → Address. */
export function addr(value: string): Address {
  const match = /^(.*?)\s*<([^>]+)>$/.exec(value);
  return match ? { name: match[1] || null, email: match[2]! } : { name: null, email: value };
}

let counter = 0;

export function message(overrides: Partial<Omit<MessageMeta, 'flags'>> & { flags?: Partial<MessageFlags> } = {}): MessageMeta {
  const id = ++counter;
  const { flags, ...rest } = overrides;
  return {
    providerId: `p${id}`,
    threadId: null,
    internetMessageId: `m${id}@mail.example`,
    inReplyTo: null,
    date: new Date('2024-03-01T10:00:00Z'),
    from: addr('Ann Lee <ann@example.org>'),
    sender: null,
    replyTo: [],
    to: [addr('me@example.com')],
    cc: [],
    bcc: [],
    subject: 'Hello',
    folder: 'inbox',
    ...rest,
    flags: { ...NO_FLAGS, ...flags },
  };
}

export function attendee(email: string, overrides: Partial<Attendee> = {}): Attendee {
  return { email, name: null, responseStatus: 'accepted', self: false, organizer: false, resource: false, ...overrides };
}

export function event(overrides: Partial<CalendarEvent> = {}): CalendarEvent {
  const id = ++counter;
  return {
    providerId: `e${id}`,
    iCalUid: `uid${id}@calendar.example`,
    status: 'confirmed',
    start: new Date('2024-03-05T15:00:00Z'),
    end: new Date('2024-03-05T16:00:00Z'),
    allDay: false,
    organizer: { email: 'me@example.com', name: 'Me' },
    attendees: [attendee('me@example.com', { self: true, organizer: true }), attendee('bob@example.org', { name: 'Bob' })],
    subject: 'Catch-up',
    ...overrides,
  };
}

/** An interaction with a weight of 1 unless told otherwise. */
export function interaction(
  contact: string,
  kind: InteractionRecord['kind'],
  at: string | Date,
  overrides: Partial<InteractionRecord> = {},
): InteractionRecord {
  const occurredAt = typeof at === 'string' ? new Date(at) : at;
  return {
    sourceKey: `mid:${++counter}@x`,
    contact,
    address: contact,
    kind,
    occurredAt,
    weight: 1,
    contactName: null,
    participants: 1,
    threadKey: null,
    subject: null,
    ...overrides,
  };
}
