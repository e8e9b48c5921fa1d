/**
 * Turns Google-emulator seeds (Gmail labels, RFC 822 headers) into what Exchange would hold for
 * the same mail: the folder a message lives in and its Graph properties. Exchange parses the
 * headers once, at delivery; Graph then serves properties (from, toRecipients, subject, …),
 * decoded, not headers.
 */
import { createHash } from 'node:crypto';
import {
  decodeEncodedWords,
  HeaderFields,
  headerBlockOf,
  type Mailbox,
  parseHeaderBlock,
  parseHeaderDate,
  parseMailboxes,
  type RawHeader,
} from '../shared/mail-headers.ts';
import type { SeedMessage } from '../google/seed-types.ts';
import type { WellKnownFolder } from './emulator-types.ts';

export interface GraphRecipient {
  emailAddress: { name: string; address: string };
}

export interface MessageFields {
  subject: string;
  from: GraphRecipient | null;
  sender: GraphRecipient | null;
  toRecipients: GraphRecipient[];
  ccRecipients: GraphRecipient[];
  bccRecipients: GraphRecipient[];
  replyTo: GraphRecipient[];
  /** As the header wrote it, brackets included; null when the message had none. */
  internetMessageId: string | null;
  /** Epoch ms, whole seconds (Graph's precision). */
  sentDateTime: number;
  receivedDateTime: number;
  isRead: boolean;
  isDraft: boolean;
  importance: 'low' | 'normal' | 'high';
  /** Focused Inbox: bulk and list mail goes to Other. */
  inferenceClassification: 'focused' | 'other';
  /** The transport headers; Graph shows them on received mail only. */
  headers: RawHeader[];
}

/** Where Exchange would file a message Gmail labelled so: a well-known folder or a user folder. */
export function folderOfLabels(labelIds: readonly string[]): WellKnownFolder | { label: string } {
  if (labelIds.includes('DRAFT')) return 'drafts';
  if (labelIds.includes('SPAM')) return 'junkemail';
  if (labelIds.includes('TRASH')) return 'deleteditems';
  if (labelIds.includes('SENT')) return 'sentitems';
  if (labelIds.includes('INBOX')) return 'inbox';
  const user = labelIds.find((l) => !SYSTEM_LABELS.has(l) && !l.startsWith('CATEGORY_'));
  return user ? { label: user } : 'archive';
}

const SYSTEM_LABELS = new Set(['UNREAD', 'STARRED', 'IMPORTANT', 'CHAT', 'SENT', 'INBOX', 'DRAFT', 'SPAM', 'TRASH']);
const BULK_CATEGORIES = new Set(['CATEGORY_PROMOTIONS', 'CATEGORY_SOCIAL', 'CATEGORY_UPDATES', 'CATEGORY_FORUMS']);

export function headersOfSeed(seed: SeedMessage): RawHeader[] {
  if ((seed.headers === undefined) === (seed.raw === undefined)) {
    throw new Error('Graph emulator: a seed message needs exactly one of headers and raw');
  }
  if (seed.raw !== undefined) return parseHeaderBlock(headerBlockOf(seed.raw));
  return seed.headers!.map(({ name, value }) => ({ name, value }));
}

/** A seed message's Graph properties (all but the ids and the conversation, which the store assigns). */
export function messageFields(
  seed: SeedMessage,
  headers: RawHeader[],
  folder: WellKnownFolder | { label: string },
  now = Date.now(),
): MessageFields {
  const h = new HeaderFields(headers);
  const labels = seed.labelIds ?? ['INBOX'];
  const dated = parseHeaderDate(h.get('Date'))?.getTime() ?? null;
  let received = seed.internalDate !== undefined ? Date.parse(seed.internalDate) : (dated ?? now);
  if (Number.isNaN(received)) throw new Error(`Graph emulator: bad internalDate ${seed.internalDate}`);
  received = wholeSeconds(received);
  const from = recipient(parseMailboxes(h.get('From'))[0] ?? null);
  const outgoing = folder === 'sentitems' || folder === 'drafts' || folder === 'outbox';
  const bulk =
    labels.some((l) => BULK_CATEGORIES.has(l)) ||
    h.has('List-Id') ||
    h.has('List-Unsubscribe') ||
    /^(bulk|list|junk)$/i.test(h.get('Precedence')?.trim() ?? '');
  return {
    subject: decodeEncodedWords(h.get('Subject') ?? '')
      .replace(/\s+/g, ' ')
      .trim(),
    from,
    sender: recipient(parseMailboxes(h.get('Sender'))[0] ?? null) ?? from,
    toRecipients: recipients(h.all('To')),
    ccRecipients: recipients(h.all('Cc')),
    // Exchange keeps Bcc only on the sender's own copy.
    bccRecipients: outgoing ? recipients(h.all('Bcc')) : [],
    replyTo: recipients(h.all('Reply-To')),
    internetMessageId: /<[^<>\s]+>/.exec(h.get('Message-ID') ?? '')?.[0] ?? null,
    sentDateTime: wholeSeconds(dated ?? received),
    receivedDateTime: received,
    isRead: !labels.includes('UNREAD'),
    isDraft: labels.includes('DRAFT'),
    importance: importanceOf(h),
    inferenceClassification: bulk ? 'other' : 'focused',
    headers,
  };
}

/** Graph writes the address as the name when a mailbox has no display name. */
export function recipient(address: Mailbox | null): GraphRecipient | null {
  return address ? { emailAddress: { name: address.name ?? address.email, address: address.email } } : null;
}

function recipients(values: string[]): GraphRecipient[] {
  return parseMailboxes(...values).map((a) => recipient(a)!);
}

function importanceOf(h: HeaderFields): MessageFields['importance'] {
  const importance = h.get('Importance')?.trim().toLowerCase();
  if (importance === 'high' || importance === 'low') return importance;
  const priority = /^\s*(\d)/.exec(h.get('X-Priority') ?? '')?.[1];
  if (priority === '1' || priority === '2') return 'high';
  if (priority === '4' || priority === '5') return 'low';
  return 'normal';
}

export function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** `2024-03-01T09:30:00Z`: Graph's DateTimeOffset, to the second. */
export function isoSeconds(ms: number): string {
  return new Date(wholeSeconds(ms)).toISOString().replace('.000Z', 'Z');
}

/** `2024-03-01T09:30:00.0000000`: a dateTimeTimeZone's dateTime (the zone goes beside it). */
export function dateTimeSeven(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000');
}

/** An Exchange-looking id: a fixed prefix and a stable hash of the given parts, URL safe. */
export function exchangeId(prefix: string, ...parts: unknown[]): string {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
  return `${prefix}${digest.slice(0, 42)}AAA=`;
}
