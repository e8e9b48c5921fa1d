import type { Address, Folder, MessageFlags, MessageMeta, SkippedMessage } from './types.ts';
import { decodeWords } from './decode-words.ts';
import { HeaderMap, type RawHeader } from './header-block.ts';
import { exchangeDn, parseAddress, parseAddressList, parseMailboxList } from './parse-addresses.ts';
import { repairAddress } from './repair-address.ts';
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

  const from = withExported(parseMailboxList(h.get('From'))[0] ?? null, exportedEntries(h.get('X-From'), 1)?.[0]);
  const sender = parseAddress(h.get('Sender'));
  const subject = h.get('Subject');
  const to = h.all('To').flatMap((value) => parseMailboxList(value));
  const cc = h.all('Cc').flatMap((value) => parseMailboxList(value));

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
      to: withAllExported(to, exportedEntries(h.get('X-To'), to.length)),
      cc: withAllExported(cc, exportedEntries(h.get('X-cc'), cc.length)),
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

/** One entry of an export's `X-From`/`X-To`/`X-cc`: the directory name, and the DN or SMTP address in its brackets. */
interface ExportedEntry {
  name: string | null;
  dn: string | null;
  email: string | null;
}

/**
 * The entries of the `X-From` / `X-To` / `X-cc` headers that Exchange and Notes exports add
 * (the Enron corpus carries them): `Watson, Kimberly </O=ENRON/OU=NA/CN=RECIPIENTS/CN=KWATSON>`,
 * `'Mike Day (E-mail)' <mday@gmssr.com>`. Their `From`/`To` often hold the bare SMTP address,
 * so these are the only names there are, and the only link between an address and its
 * directory entry. Entries are `name <anything>` separated by commas (names contain commas
 * themselves, so the closing `>` is what ends an entry); a single `From` may also be a bare
 * name. Null unless the header yields exactly `expected` entries, so an entry is never paired
 * with the wrong address.
 */
function exportedEntries(value: string | null, expected: number): readonly ExportedEntry[] | null {
  if (!value || expected === 0) return null;
  let entries = seenEntries.get(value);
  if (entries === undefined) {
    entries = readExportedEntries(value);
    // Exports repeat the same X-To on many messages; only short values are kept (bounded memory).
    if (value.length <= 1_000) {
      if (seenEntries.size >= 10_000) seenEntries.clear();
      seenEntries.set(value, entries);
    }
  }
  if (entries.length === 0 && expected === 1 && !value.includes('<'))
    return [{ name: exportedName(decodeWords(value).trim()), dn: null, email: null }];
  return entries.length === expected ? entries : null;
}

const seenEntries = new Map<string, readonly ExportedEntry[]>();

function readExportedEntries(value: string): ExportedEntry[] {
  const text = decodeWords(value).trim();
  const entries: ExportedEntry[] = [];
  const entry = /\s*([^<>]*?)\s*<([^<>]*)>\s*(?:,|$)/y;
  let match: RegExpExecArray | null;
  while (entry.lastIndex < text.length && (match = entry.exec(text)) !== null) {
    const inside = match[2]!.trim();
    const repaired = repairAddress(inside);
    entries.push({
      name: exportedName(match[1]!),
      dn: exchangeDn(inside),
      email: repaired && /\.[^.@]+$/.test(repaired.address) ? repaired.address : null,
    });
  }
  return entries;
}

function exportedName(raw: string): string | null {
  const name = raw.replace(/^["'\s]+|["'\s]+$/g, '').replace(/\s+/g, ' ');
  // An address, or an Exchange path, is not a name.
  if (!name || name.includes('@') || name.startsWith('/')) return null;
  return name;
}

/**
 * An address with what the export says of the same slot: its name when it has none, its
 * directory entry, and — for a garbled address (`'.'mike@enron.com`, an Exchange export that
 * lost the name) — the SMTP address the export recorded for that very recipient, the one
 * repair of it that is certain.
 */
function withExported(address: Address | null, entry: ExportedEntry | null | undefined): Address | null {
  if (!address || !entry) return address;
  let result = address;
  if (result.name === null && entry.name) result = { ...result, name: entry.name };
  if (entry.dn && !result.dn) result = { ...result, dn: entry.dn };
  // A recipient written by name only, whose address the export recorded.
  if (!result.email && entry.email) result = { ...result, email: entry.email };
  if (entry.email && result.email && repairAddress(result.email)?.garbled && !repairAddress(entry.email)?.garbled)
    result = { ...result, email: entry.email, name: entry.name };
  return result;
}

function withAllExported(addresses: Address[], entries: readonly ExportedEntry[] | null): Address[] {
  return entries ? addresses.map((address, i) => withExported(address, entries[i]) as Address) : addresses;
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
