import { createHash } from 'node:crypto';
import type { FetchMessageObject } from 'imapflow';
import { parseHeaderBlock } from '../../mail/header-block.ts';
import { messageMetaFromHeaders } from '../../mail/message-meta.ts';
import type { Folder, MessageMeta, SkippedMessage } from '../../mail/types.ts';

/**
 * One FETCH answer → normalized metadata. Only the header fields of METADATA_HEADERS were asked
 * for; they go through the same header code as an import, so IMAP mail reads exactly like the
 * same mail imported from a file. INTERNALDATE (when the server stored it: delivery for received
 * mail, saving for sent mail) is the date, like Gmail's internalDate; the Date header is the
 * fallback.
 *
 * The providerId does not depend on where the message lies. A message keeps it when it is
 * moved to another folder or when a folder's UIDVALIDITY changes, so neither makes it look
 * like new mail:
 * - `m:<Message-ID>`: almost all mail. The same message in Sent and in the Inbox (mail to
 *   oneself, a list echoing one's own post) is one message, as it is in Gmail;
 * - `e:<EMAILID>`: no Message-ID, but the server has OBJECTID (RFC 8474) or Gmail's X-GM-MSGID;
 * - `h:<sha256>`: neither: a digest of the header fields and INTERNALDATE.
 */
export function imapProviderId(
  message: Pick<FetchMessageObject, 'headers' | 'emailId' | 'internalDate'>,
  messageId: string | null,
): string {
  if (messageId) return `m:${messageId}`;
  if (message.emailId) return `e:${message.emailId}`;
  const digest = createHash('sha256');
  digest.update(message.headers ?? Buffer.alloc(0));
  digest.update(String(internalDateOf(message)?.getTime() ?? ''));
  return `h:${digest.digest('base64url')}`;
}

export type MappedImapMessage = { providerId: string; message: MessageMeta } | { providerId: string; skipped: SkippedMessage };

export function mapImapMessage(message: FetchMessageObject, folder: Folder): MappedImapMessage {
  const headers = parseHeaderBlock((message.headers ?? Buffer.alloc(0)).toString('utf8'));
  const provisional = messageMetaFromHeaders(headers, { providerId: '', threadId: null, folder, receivedAt: internalDateOf(message) });
  const messageId = 'message' in provisional ? provisional.message.internetMessageId : messageIdOf(headers);
  const providerId = imapProviderId(message, messageId);
  if ('skipped' in provisional) return { providerId, skipped: { ...provisional.skipped, providerId } };
  if (message.flags?.has('\\Draft')) return { providerId, skipped: { providerId, reason: 'draft' } };
  // IMAP has no conversation id of its own (THREAD would cost a search per folder); Gmail's
  // X-GM-THRID and OBJECTID's THREADID are used where the server gives them.
  return { providerId, message: { ...provisional.message, providerId, threadId: message.threadId ?? null } };
}

function internalDateOf(message: Pick<FetchMessageObject, 'internalDate'>): Date | null {
  const value = message.internalDate;
  if (!value) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function messageIdOf(headers: { name: string; value: string }[]): string | null {
  const raw = headers.find((h) => h.name.toLowerCase() === 'message-id')?.value;
  const match = raw ? /<([^<>\s]+)>/.exec(raw) : null;
  return match?.[1] ?? null;
}
