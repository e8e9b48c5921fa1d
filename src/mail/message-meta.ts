import type { Address, Folder, MessageFlags, MessageMeta, SkippedMessage } from './types.ts';
import { decodeWords } from './decode-words.ts';
import { HeaderMap, type RawHeader } from './header-block.ts';
import { parseAddress, parseAddressList } from './parse-addresses.ts';
import { parseMailDate } from './parse-date.ts';

/** The headers rekindle reads; providers request exactly these and nothing else. */
export const METADATA_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'To',
  'Cc',
  'Bcc',
  'Subject',
  'Date',
  'Message-ID',
  'In-Reply-To',
  'List-Id',
  'List-Unsubscribe',
  'Precedence',
  'Auto-Submitted',
  'Return-Path',
  'X-Autoreply',
  'X-Autorespond',
  'Content-Type',
] as const;

export interface MessageContext {
  providerId: string;
  threadId: string | null;
  folder: Folder;
  category?: MessageFlags['category'];
  /** The provider's own timestamp (Gmail internalDate); preferred over the Date header. */
  receivedAt?: Date | null;
}

/**
 * Turns a message's headers into the normalized metadata shape. Malformed headers degrade
 * gracefully (a bad Cc drops only the bad entries); a message is skipped only when it cannot
 * be placed in time at all.
 */
export function messageMetaFromHeaders(
  headers: Iterable<RawHeader>,
  context: MessageContext,
): { message: MessageMeta } | { skipped: SkippedMessage } {
  const h = new HeaderMap(headers);
  const date = validDate(context.receivedAt) ?? parseMailDate(h.get('Date'));
  if (!date) return { skipped: { providerId: context.providerId, reason: 'malformed:date' } };

  const from = withName(parseAddress(h.get('From')), exportedNames(h.get('X-From'), 1)?.[0]);
  const sender = parseAddress(h.get('Sender'));
  const subject = h.get('Subject');
  const to = h.all('To').flatMap((value) => parseAddressList(value));
  const cc = h.all('Cc').flatMap((value) => parseAddressList(value));

  return {
    message: {
      providerId: context.providerId,
      threadId: context.threadId,
      internetMessageId: messageId(h.get('Message-ID')),
      inReplyTo: messageId(h.get('In-Reply-To')),
      date,
      from,
      sender: sender && from && sender.email.toLowerCase() !== from.email.toLowerCase() ? sender : null,
      replyTo: h.all('Reply-To').flatMap((value) => parseAddressList(value)),
      to: withNames(to, exportedNames(h.get('X-To'), to.length)),
      cc: withNames(cc, exportedNames(h.get('X-cc'), cc.length)),
      bcc: context.folder === 'sent' ? h.all('Bcc').flatMap((value) => parseAddressList(value)) : [],
      subject: subject === null ? null : decodeWords(subject).replace(/\s+/g, ' ').trim(),
      folder: context.folder,
      flags: flagsOf(h, context.category ?? null),
    },
  };
}

function flagsOf(h: HeaderMap, category: MessageFlags['category']): MessageFlags {
  const returnPath = h.get('Return-Path');
  return {
    listId: h.get('List-Id')?.trim() || null,
    listUnsubscribe: h.has('List-Unsubscribe'),
    precedence: h.get('Precedence')?.trim().toLowerCase() || null,
    autoSubmitted: h.get('Auto-Submitted')?.split(';')[0]?.trim().toLowerCase() || null,
    nullReturnPath: returnPath !== null && /^<\s*>$/.test(returnPath.trim()),
    autoReply: h.has('X-Autoreply') || h.has('X-Autorespond'),
    category,
    deliveryReport: /^\s*multipart\/report\b/i.test(h.get('Content-Type') ?? ''),
  };
}

/**
 * Display names from the `X-From` / `X-To` / `X-cc` headers that Exchange and Notes exports
 * add (the Enron corpus carries them): `Watson, Kimberly </O=ENRON/OU=NA/CN=RECIPIENTS/CN=KWATSON>`.
 * Their `From`/`To` often hold the bare SMTP address, so these are the only names there are.
 * Entries are `name <anything>` separated by commas (names contain commas themselves, so the
 * closing `>` is what ends an entry); a single `From` may also be a bare name. Null unless
 * the header yields exactly `expected` entries, so names are never paired with the wrong
 * address.
 */
function exportedNames(value: string | null, expected: number): (string | null)[] | null {
  if (!value || expected === 0) return null;
  const text = decodeWords(value).trim();
  const names: (string | null)[] = [];
  const entry = /\s*([^<>]*?)\s*<[^<>]*>\s*(?:,|$)/y;
  let match: RegExpExecArray | null;
  while (entry.lastIndex < text.length && (match = entry.exec(text)) !== null) names.push(exportedName(match[1]!));
  if (names.length === 0 && expected === 1 && !text.includes('<')) names.push(exportedName(text));
  return names.length === expected ? names : null;
}

function exportedName(raw: string): string | null {
  const name = raw.replace(/^["'\s]+|["'\s]+$/g, '').replace(/\s+/g, ' ');
  // An address, or an Exchange path, is not a name.
  if (!name || name.includes('@') || name.startsWith('/')) return null;
  return name;
}

function withName(address: Address | null, name: string | null | undefined): Address | null {
  return address && address.name === null && name ? { ...address, name } : address;
}

function withNames(addresses: Address[], names: (string | null)[] | null): Address[] {
  return names ? addresses.map((address, i) => withName(address, names[i]) as Address) : addresses;
}

/** `<abc@host>` → `abc@host`; the first id when several are given; null when empty. */
function messageId(value: string | null): string | null {
  if (!value) return null;
  const bracketed = /<([^<>\s]+)>/.exec(value);
  const id = bracketed ? bracketed[1] : value.trim().split(/\s+/)[0];
  return id && id.length <= 998 ? id : null;
}

function validDate(date: Date | null | undefined): Date | null {
  return date && !Number.isNaN(date.getTime()) ? date : null;
}
