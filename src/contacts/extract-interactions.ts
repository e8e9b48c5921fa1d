import type { Address, Attendee, CalendarEvent, MessageMeta, ResponseStatus } from '../mail/types.ts';
import { automatedAddressReason, automatedMessageReason } from './detect-automated.ts';
import {
  ALL_DAY_FACTOR,
  ATTENDEE_RESPONSE_FACTOR,
  crowdFactor,
  MEETING_BASE,
  MEETING_CROWD_KNEE,
  MESSAGE_CROWD_KNEE,
  OWNER_RESPONSE_FACTOR,
  RECEIVED_BASE,
  RECEIVED_POSITION_FACTOR,
  SENT_POSITION_FACTOR,
} from './interaction-weights.ts';
import { keyOfMailbox } from './exchange-directory.ts';
import { normalizeAddress, repairAddress } from './normalize-address.ts';
import type { InteractionRecord, Owner } from './types.ts';

export interface ExtractOptions {
  accountId: string;
  /** False when the user switched subjects off: no subject leaves this function. */
  storeSubjects: boolean;
  /**
   * The SMTP address behind an alias (`ex:<dn>`, `name:<name>`: a mailbox written without
   * one, see exchange-directory.ts), where the mailbox has shown it. Interactions with an
   * alias it does not know are returned with the alias as their contact: pending, not lost.
   */
  resolve?: (alias: string) => string | null;
}

export interface MessageInteractions {
  interactions: InteractionRecord[];
  /** Why the message gave nothing (`automated:list`, `owner-only`, `no-sender`, …); null when it gave something. */
  skipReason: string | null;
}

/**
 * The interactions one message stands for. Outbound (in Sent, or From the user): one `sent`
 * per human recipient. Inbound: one `received` for the From person — never Sender or
 * Reply-To, which name whoever pressed send or wants the answers, not the author. Automated
 * mail gives nothing in either direction. One record per (contact, kind), however often an
 * address repeats across To, Cc and Bcc.
 */
export function interactionsFromMessage(message: MessageMeta, owner: Owner, options: ExtractOptions): MessageInteractions {
  const fromKey = message.from ? keyOfMailbox(message.from, options.resolve) : null;
  const outbound = message.folder === 'sent' || (fromKey !== null && owner.addresses.has(fromKey));

  const reason = automatedMessageReason(message);
  if (reason !== null) return skip(`automated:${reason}`);
  return outbound ? fromOutbound(message, owner, options) : fromInbound(message, fromKey, owner, options);
}

function fromOutbound(message: MessageMeta, owner: Owner, options: ExtractOptions): MessageInteractions {
  const recipients = new Map<string, { position: keyof typeof SENT_POSITION_FACTOR; name: string | null; address: string }>();
  let sawOwner = false;
  const add = (list: Address[], position: keyof typeof SENT_POSITION_FACTOR) => {
    for (const address of list) {
      const key = keyOfMailbox(address, options.resolve);
      if (key === null) continue;
      if (owner.addresses.has(key)) {
        sawOwner = true;
        continue;
      }
      const seen = recipients.get(key);
      // To, then Cc, then Bcc: the first (strongest) position wins, the first name is kept.
      if (seen) seen.name ??= displayName(address);
      else recipients.set(key, { position, name: displayName(address), address: writtenForm(address.email, key) });
    }
  };
  add(message.to, 'to');
  add(message.cc, 'cc');
  add(message.bcc, 'bcc');

  if (recipients.size === 0) return skip(sawOwner ? 'owner-only' : 'no-recipients');

  // The crowd counts every recipient, list and role addresses too: they stand for people.
  const crowd = crowdFactor(recipients.size, MESSAGE_CROWD_KNEE);
  const base = messageBase(message, options);
  const interactions: InteractionRecord[] = [];
  for (const [contact, { position, name, address }] of recipients) {
    if (automatedAddressReason(contact) !== null) continue;
    interactions.push({
      ...base,
      contact,
      address,
      kind: 'sent',
      weight: SENT_POSITION_FACTOR[position] * crowd,
      contactName: name,
      participants: recipients.size,
    });
  }
  return interactions.length > 0 ? { interactions, skipReason: null } : skip('automated-recipients');
}

function fromInbound(message: MessageMeta, fromKey: string | null, owner: Owner, options: ExtractOptions): MessageInteractions {
  if (!message.from) return skip('no-sender');
  if (fromKey === null) return skip('invalid-sender');
  const senderReason = automatedAddressReason(fromKey);
  if (senderReason !== null) return skip(`automated-sender:${senderReason}`);

  let position: keyof typeof RECEIVED_POSITION_FACTOR = 'hidden';
  const others = new Set<string>([fromKey]);
  const audience = new Set<string>();
  for (const [list, here] of [
    [message.to, 'to'],
    [message.cc, 'cc'],
  ] as const) {
    for (const address of list) {
      const key = keyOfMailbox(address, options.resolve);
      if (key === null) continue;
      audience.add(key);
      if (owner.addresses.has(key)) {
        if (position === 'hidden') position = here;
      } else {
        others.add(key);
      }
    }
  }
  // Mail that reached the user through an address no header names, under a list's subject
  // tag (`[Spambayes] …`, `Re: [SAdev] …`), is a list post whose list headers were stripped.
  if (position === 'hidden' && LIST_SUBJECT_TAG.test(message.subject ?? '')) return skip('automated:list-subject-tag');
  // A user who is on no visible header still received it: count them into the audience.
  const audienceSize = audience.size + (position === 'hidden' ? 1 : 0);
  const weight = RECEIVED_BASE * RECEIVED_POSITION_FACTOR[position] * crowdFactor(audienceSize, MESSAGE_CROWD_KNEE);
  return {
    interactions: [
      {
        ...messageBase(message, options),
        contact: fromKey,
        address: writtenForm(message.from.email, fromKey),
        kind: 'received',
        weight,
        contactName: displayName(message.from),
        participants: others.size,
      },
    ],
    skipReason: null,
  };
}

/** A mailing list's subject tag: one bracketed word or short name, after any reply prefixes. */
const LIST_SUBJECT_TAG = /^\s*((re|fwd?|aw|wg|sv)\s*:\s*)*\[[\w.+-]{2,30}( [\w.+-]{1,20})?\]\s/iu;

function messageBase(message: MessageMeta, options: ExtractOptions) {
  const id = message.internetMessageId?.trim();
  return {
    sourceKey: id ? `mid:${id}` : `acct:${options.accountId}:${message.providerId}`,
    occurredAt: message.date,
    threadKey: message.threadId || null,
    subject: options.storeSubjects ? cleanSubject(message.subject) : null,
  };
}

/**
 * `meeting` interactions with every other person at an event the user is part of. Nothing
 * for cancelled events, events the user declined, events without a start, or events with no
 * one else on them (every all-day event without guests, holidays, focus time). Rooms,
 * automated addresses and guests who declined are not people at the meeting.
 */
export function interactionsFromEvent(event: CalendarEvent, owner: Owner, options: ExtractOptions): InteractionRecord[] {
  if (event.status === 'cancelled' || event.start === null || Number.isNaN(event.start.getTime())) return [];

  const organizerKey = event.organizer ? normalizeAddress(event.organizer.email) : null;
  const organizerIsOwner = organizerKey !== null && owner.addresses.has(organizerKey);
  let ownerResponse: ResponseStatus | null = organizerIsOwner ? 'accepted' : null;

  const people = new Map<string, { response: ResponseStatus; name: string | null; address: string }>();
  const consider = (key: string, response: ResponseStatus, name: string | null, address: string) => {
    const seen = people.get(key);
    if (!seen) people.set(key, { response, name, address: writtenForm(address, key) });
    else {
      if (RESPONSE_RANK[response] > RESPONSE_RANK[seen.response]) seen.response = response;
      seen.name ??= name;
    }
  };
  for (const attendee of event.attendees) {
    const key = normalizeAddress(attendee.email);
    if (attendee.self || (key !== null && owner.addresses.has(key))) {
      ownerResponse = strongerResponse(ownerResponse, attendee, organizerIsOwner);
      continue;
    }
    if (key === null || attendee.resource) continue;
    // An organizer who did not answer still runs the meeting.
    consider(
      key,
      attendee.organizer && attendee.responseStatus === 'needsAction' ? 'accepted' : attendee.responseStatus,
      cleanName(attendee.name, key),
      attendee.email,
    );
  }
  // Graph lists the organizer apart from the attendees; the organizer is at their own meeting.
  if (organizerKey !== null && !organizerIsOwner && !people.has(organizerKey)) {
    consider(organizerKey, 'accepted', event.organizer ? displayName(event.organizer) : null, event.organizer!.email);
  }

  if (ownerResponse === 'declined') return [];
  // On the user's calendar but not on the guest list: invited through a group address.
  ownerResponse ??= 'none';

  const humans = [...people].filter(([key, { response }]) => response !== 'declined' && automatedAddressReason(key) === null);
  if (humans.length === 0) return [];

  const ownerFactor = OWNER_RESPONSE_FACTOR[ownerResponse] * (event.status === 'tentative' ? OWNER_RESPONSE_FACTOR.tentative : 1);
  const base = MEETING_BASE * ownerFactor * crowdFactor(humans.length, MEETING_CROWD_KNEE) * (event.allDay ? ALL_DAY_FACTOR : 1);
  const start = event.start;
  const sourceKey = eventSourceKey(event, options.accountId);
  return humans.map(([contact, { response, name, address }]) => ({
    sourceKey,
    contact,
    address,
    kind: 'meeting' as const,
    occurredAt: start,
    weight: base * ATTENDEE_RESPONSE_FACTOR[response as Exclude<ResponseStatus, 'declined'>],
    contactName: name,
    participants: humans.length,
    threadKey: event.iCalUid ? `evt:${event.iCalUid}` : null,
    subject: options.storeSubjects ? cleanSubject(event.subject) : null,
  }));
}

/**
 * Names a meeting across calendars: the same meeting in two of the user's calendars (or
 * after an update) keeps its key, so its interactions are counted once and replaced, not added.
 */
export function eventSourceKey(event: CalendarEvent, accountId: string): string {
  return event.iCalUid && event.start ? `evt:${event.iCalUid}:${event.start.toISOString()}` : `acct:${accountId}:evt:${event.providerId}`;
}

const RESPONSE_RANK: Record<ResponseStatus, number> = { declined: 0, none: 1, needsAction: 2, tentative: 3, accepted: 4 };

/** The user may appear twice (two aliases); the most committed answer wins, declining aside. */
function strongerResponse(current: ResponseStatus | null, attendee: Attendee, organizerIsOwner: boolean): ResponseStatus {
  if (organizerIsOwner) return 'accepted';
  const response = attendee.organizer && attendee.responseStatus === 'needsAction' ? 'accepted' : attendee.responseStatus;
  if (current === null) return response;
  return RESPONSE_RANK[response] > RESPONSE_RANK[current] ? response : current;
}

function displayName(address: Address): string | null {
  return cleanName(address.name, address.email);
}

/** A display name worth showing: not empty, not quotes, not just an address again. */
function cleanName(name: string | null, email: string): string | null {
  if (!name) return null;
  const cleaned = name
    .replace(/^["'\s]+|["'\s]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!cleaned || /^<?[^\s@<>]+@[^\s@<>]+>?$/.test(cleaned) || cleaned.toLowerCase() === email.toLowerCase()) return null;
  return cleaned;
}

function cleanSubject(subject: string | null): string | null {
  const cleaned = subject?.replace(/\s+/g, ' ').trim();
  return cleaned ? cleaned : null;
}

function skip(reason: string): MessageInteractions {
  return { interactions: [], skipReason: reason };
}

/**
 * How the address was written, minus case (which mail ignores), stray spaces and wrapping
 * that is certainly no part of it (`'lorchard@commrisk.bm'`); for a mailbox written without
 * an address, the key it was resolved to (or its alias).
 */
function writtenForm(email: string, key: string): string {
  if (normalizeAddress(email) === null) return key;
  return (repairAddress(email)?.address ?? email).trim().toLowerCase();
}
