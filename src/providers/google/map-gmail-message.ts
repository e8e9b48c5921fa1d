import type { gmail_v1 } from '@googleapis/gmail';
import { messageMetaFromHeaders } from '../../mail/message-meta.ts';
import type { RawHeader } from '../../mail/header-block.ts';
import type { Folder, MessageFlags, MessageMeta, SkippedMessage } from '../../mail/types.ts';

/** SENT wins over INBOX: a message to yourself is still something you wrote. */
export function folderOfLabels(labelIds: readonly string[]): Folder {
  if (labelIds.includes('SENT')) return 'sent';
  if (labelIds.includes('INBOX')) return 'inbox';
  return 'other';
}

const CATEGORIES: Record<string, NonNullable<MessageFlags['category']>> = {
  CATEGORY_PROMOTIONS: 'promotions',
  CATEGORY_SOCIAL: 'social',
  CATEGORY_UPDATES: 'updates',
  CATEGORY_FORUMS: 'forums',
};

/** Gmail's tab classification; CATEGORY_PERSONAL (the Primary tab) says nothing and maps to null. */
export function categoryOfLabels(labelIds: readonly string[]): MessageFlags['category'] {
  for (const label of labelIds) {
    const category = CATEGORIES[label];
    if (category) return category;
  }
  return null;
}

/**
 * Messages that are not an exchange with anyone: unsent drafts, and what the user or Gmail
 * threw away. Null when the message counts.
 */
export function skipReasonOfLabels(labelIds: readonly string[]): 'draft' | 'spam' | 'trash' | null {
  if (labelIds.includes('DRAFT')) return 'draft';
  if (labelIds.includes('SPAM')) return 'spam';
  if (labelIds.includes('TRASH')) return 'trash';
  return null;
}

/**
 * A `messages.get(format=metadata)` resource → normalized metadata, or the reason to skip it.
 * `internalDate` (when Gmail received or sent it, epoch ms) is the message date: the Date
 * header is written by the sender's clock and is only the fallback.
 */
export function mapGmailMessage(
  message: gmail_v1.Schema$Message,
  providerId: string,
): { message: MessageMeta } | { skipped: SkippedMessage } {
  const labelIds = message.labelIds ?? [];
  const skip = skipReasonOfLabels(labelIds);
  if (skip) return { skipped: { providerId, reason: skip } };

  const headers: RawHeader[] = [];
  for (const header of message.payload?.headers ?? []) {
    if (typeof header.name === 'string' && typeof header.value === 'string') {
      headers.push({ name: header.name, value: header.value });
    }
  }
  return messageMetaFromHeaders(headers, {
    providerId,
    threadId: message.threadId ?? null,
    folder: folderOfLabels(labelIds),
    category: categoryOfLabels(labelIds),
    receivedAt: internalDateOf(message.internalDate),
  });
}

function internalDateOf(value: string | null | undefined): Date | null {
  if (!value || !/^\d+$/.test(value)) return null;
  const date = new Date(Number(value));
  return Number.isNaN(date.getTime()) ? null : date;
}
