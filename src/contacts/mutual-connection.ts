/**
 * A mutual connection: someone the user is still in touch with now who was on the user's
 * messages or meetings with a person they have lost touch with. Pure.
 *
 * Co-presence comes from what is stored: the user's outbound message gives one `sent`
 * interaction per recipient under the message's one source key, a meeting one `meeting`
 * interaction per person at it under the event's key. Two people with interactions under one
 * key were on the same message's To/Cc, or at the same meeting, with the user. Mail the user
 * received is stored for its sender only, so a Cc on someone else's message is not counted:
 * fewer connections are found, never a false one.
 */
import { automatedAddressReason } from './detect-automated.ts';
import { MEETING_CROWD_KNEE, MESSAGE_CROWD_KNEE } from './interaction-weights.ts';
import { markHolds, type ContactMark } from './select-reconnects.ts';
import type { ContactSummary } from './types.ts';

const DAY = 86_400_000;

/** One interaction on a message or meeting the person was also on. */
export interface CoPresenceRow {
  sourceKey: string;
  /** Normalized address (interactions.contact). */
  contact: string;
  kind: 'sent' | 'meeting';
  occurredAt: Date;
  /** People on it other than the user. */
  participants: number;
}

export interface MutualConnection {
  /** The connection's identity key. */
  contact: string;
  name: string | null;
  email: string;
  /** Messages and meetings, before asOf, that the user, the person and the connection were all on. */
  shared: number;
  /** Which kinds those were, for saying it right. */
  kinds: ('sent' | 'meeting')[];
  /** When the user last wrote to the connection. */
  lastWroteAt: Date;
}

/** "Still in touch": the user wrote to them and they wrote back within this many days. */
export const IN_TOUCH_DAYS = 30;
/** One message together is chance; this many is working together. */
export const MIN_SHARED = 2;

export interface MutualInput {
  person: ContactSummary;
  /** Interactions under the source keys the person has; the person's own rows may be among them. */
  rows: Iterable<CoPresenceRow>;
  /** Every contact of the user as of `asOf`, by each of their addresses. */
  byAddress: ReadonlyMap<string, ContactSummary>;
  marks: ReadonlyMap<string, ContactMark>;
  /** People already in this list (they are not "in touch now"). */
  listed: ReadonlySet<string>;
  asOf: Date;
}

/** The connection on most messages and meetings with the person, or null when nobody qualifies. */
export function mutualConnection(input: MutualInput): MutualConnection | null {
  const asOf = input.asOf.getTime();
  const own = new Set(input.person.addresses);
  own.add(input.person.key);
  const bySource = new Map<string, CoPresenceRow[]>();
  for (const row of input.rows) {
    if (row.occurredAt.getTime() > asOf) continue;
    const crowd = row.kind === 'sent' ? MESSAGE_CROWD_KNEE : MEETING_CROWD_KNEE;
    // A broadcast or an all-hands says nothing about who works with whom.
    if (row.participants < 2 || row.participants > crowd) continue;
    const list = bySource.get(row.sourceKey);
    if (list) list.push(row);
    else bySource.set(row.sourceKey, [row]);
  }
  const tally = new Map<string, { contact: ContactSummary; sources: Set<string>; kinds: Set<'sent' | 'meeting'>; last: number }>();
  for (const [source, rows] of bySource) {
    if (!rows.some((r) => own.has(r.contact))) continue;
    for (const row of rows) {
      const other = input.byAddress.get(row.contact);
      if (!other || other.key === input.person.key || own.has(row.contact)) continue;
      const entry = tally.get(other.key) ?? { contact: other, sources: new Set(), kinds: new Set(), last: 0 };
      entry.sources.add(source);
      entry.kinds.add(row.kind);
      entry.last = Math.max(entry.last, row.occurredAt.getTime());
      tally.set(other.key, entry);
    }
  }
  let best: (typeof tally extends Map<string, infer V> ? V : never) | null = null;
  for (const entry of tally.values()) {
    if (entry.sources.size < MIN_SHARED || !inTouchNow(entry.contact, input, asOf)) continue;
    if (
      best === null ||
      entry.sources.size > best.sources.size ||
      (entry.sources.size === best.sources.size &&
        (entry.last > best.last || (entry.last === best.last && entry.contact.key < best.contact.key)))
    )
      best = entry;
  }
  if (best === null) return null;
  return {
    contact: best.contact.key,
    name: best.contact.name,
    email: best.contact.email,
    shared: best.sources.size,
    kinds: (['sent', 'meeting'] as const).filter((k) => best.kinds.has(k)),
    lastWroteAt: best.contact.lastOutboundAt!,
  };
}

/**
 * Someone the user is in regular touch with now: mail both ways, the user wrote to them and
 * they wrote back within IN_TOUCH_DAYS, one of those personal (not a big Cc), a person (no automated or list address), not set to
 * never, not snoozed, not in this week's list.
 */
export function inTouchNow(contact: ContactSummary, input: Pick<MutualInput, 'marks' | 'listed'>, asOf: number): boolean {
  if (contact.sentCount === 0 || contact.receivedCount === 0) return false;
  if (!recent(contact.lastOutboundAt, asOf) || !recent(contact.lastInboundAt, asOf)) return false;
  // The last dates count crowd mail too: a conversation of their own must be recent as well.
  if (!recent(contact.lastContactAt, asOf)) return false;
  if (automatedAddressReason(contact.email) !== null || contact.addresses.some((a) => automatedAddressReason(a) !== null)) return false;
  if (input.listed.has(contact.key)) return false;
  const mark = input.marks.get(contact.key);
  if (mark?.status === 'never') return false;
  return markHolds(mark, contact, asOf) !== 'snoozed';
}

function recent(at: Date | null, asOf: number): boolean {
  return at !== null && at.getTime() <= asOf && asOf - at.getTime() <= IN_TOUCH_DAYS * DAY;
}
