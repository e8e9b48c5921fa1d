import { exchangeDn } from '../../mail/parse-addresses.ts';
import type { Address, Folder, MessageFlags, MessageMeta, SkippedMessage } from '../../mail/types.ts';

/**
 * The message properties rekindle asks Graph for. All are granted by Mail.ReadBasic; the body,
 * bodyPreview, uniqueBody, internetMessageHeaders and extended properties are not, and are
 * never asked for. That leaves no List-Id, List-Unsubscribe, Precedence, Auto-Submitted or
 * Return-Path: for Microsoft mailboxes, automated mail is recognised by the sender's address,
 * the subject (auto-replies, delivery reports) and, above all, by being one-way.
 */
export const MESSAGE_SELECT = [
  'id',
  'conversationId',
  'internetMessageId',
  'subject',
  'from',
  'sender',
  'replyTo',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'sentDateTime',
  'receivedDateTime',
  'isDraft',
] as const;

export interface GraphRecipient {
  emailAddress?: { name?: string | null; address?: string | null } | null;
}

/** A message resource as delta and GET return it for MESSAGE_SELECT. */
export interface GraphMessage {
  '@odata.type'?: string;
  '@removed'?: { reason?: string };
  id?: string;
  conversationId?: string | null;
  internetMessageId?: string | null;
  subject?: string | null;
  from?: GraphRecipient | null;
  sender?: GraphRecipient | null;
  replyTo?: GraphRecipient[] | null;
  toRecipients?: GraphRecipient[] | null;
  ccRecipients?: GraphRecipient[] | null;
  bccRecipients?: GraphRecipient[] | null;
  sentDateTime?: string | null;
  receivedDateTime?: string | null;
  isDraft?: boolean | null;
}

const NO_FLAGS: Omit<MessageFlags, 'autoSubmitted'> = {
  listId: null,
  listUnsubscribe: false,
  precedence: null,
  nullReturnPath: false,
  autoReply: false,
  category: null,
  deliveryReport: false,
};

/**
 * A Graph message → normalized metadata, or the reason to skip it. `receivedDateTime` (when
 * Exchange stored it: delivery for received mail, sending for the user's own) is the date, like
 * Gmail's internalDate; `sentDateTime` (the sender's clock) is only the fallback. `folder` is the
 * folder whose delta listed it.
 */
export function mapGraphMessage(message: GraphMessage, folder: Folder): { message: MessageMeta } | { skipped: SkippedMessage } {
  const providerId = message.id ?? '';
  if (message.isDraft) return { skipped: { providerId, reason: 'draft' } };
  const date = dateOf(message.receivedDateTime) ?? dateOf(message.sentDateTime);
  if (!date) return { skipped: { providerId, reason: 'malformed:date' } };
  const from = mailboxOf(message.from);
  const sender = addressOf(message.sender);
  return {
    message: {
      providerId,
      threadId: message.conversationId || null,
      internetMessageId: bare(message.internetMessageId),
      // In-Reply-To is a header, and Mail.ReadBasic grants no headers.
      inReplyTo: null,
      date,
      from,
      sender: sender && from && sender.email.toLowerCase() !== from.email.toLowerCase() ? sender : null,
      replyTo: addresses(message.replyTo),
      to: mailboxes(message.toRecipients),
      cc: mailboxes(message.ccRecipients),
      bcc: folder === 'sent' ? mailboxes(message.bccRecipients) : [],
      subject: message.subject?.replace(/\s+/g, ' ').trim() || null,
      folder,
      flags: {
        ...NO_FLAGS,
        // Meeting requests and responses are Exchange's calendar at work; the calendar stream
        // counts the meeting itself, so the mail about it must not count as a conversation too.
        autoSubmitted: message['@odata.type']?.startsWith('#microsoft.graph.eventMessage') ? 'auto-generated' : null,
      },
    },
  };
}

/** `{emailAddress: {name, address}}` → Address. Graph repeats the address as the name when there is none. */
export function addressOf(recipient: GraphRecipient | null | undefined): Address | null {
  const email = recipient?.emailAddress?.address?.trim();
  // Unresolved Exchange recipients come as X.500 DNs (`/O=EXCHANGELABS/…`): no SMTP address (see mailboxOf).
  if (!email || !email.includes('@')) return null;
  const name = recipient?.emailAddress?.name?.replace(/\s+/g, ' ').trim();
  return { email, name: name && name.toLowerCase() !== email.toLowerCase() ? name : null };
}

/**
 * Like addressOf, but keeps a mailbox Graph gives without an SMTP address — an internal
 * sender or recipient as its Exchange DN (`EX` type, `/O=EXCHANGELABS/…`), or a name alone —
 * for the same resolver every other source goes through (src/contacts/exchange-directory.ts).
 */
function mailboxOf(recipient: GraphRecipient | null | undefined): Address | null {
  const smtp = addressOf(recipient);
  if (smtp) return smtp;
  const raw = recipient?.emailAddress?.address?.trim() ?? '';
  const name = recipient?.emailAddress?.name?.replace(/\s+/g, ' ').trim() || null;
  const dn = exchangeDn(raw) ?? exchangeDn(name);
  if (dn) return { email: '', name: name && !exchangeDn(name) ? name : null, dn };
  return name && !raw && /\p{L}/u.test(name) ? { email: '', name } : null;
}

function mailboxes(list: GraphRecipient[] | null | undefined): Address[] {
  return (list ?? []).flatMap((r) => {
    const address = mailboxOf(r);
    return address ? [address] : [];
  });
}

function addresses(list: GraphRecipient[] | null | undefined): Address[] {
  return (list ?? []).flatMap((r) => {
    const address = addressOf(r);
    return address ? [address] : [];
  });
}

function bare(id: string | null | undefined): string | null {
  if (!id) return null;
  const match = /<([^<>\s]+)>/.exec(id);
  const value = match ? match[1] : id.trim().split(/\s+/)[0];
  return value && value.length <= 998 ? value : null;
}

function dateOf(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
