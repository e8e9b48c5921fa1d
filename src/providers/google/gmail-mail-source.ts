import type { gmail_v1 } from '@googleapis/gmail';
import type { Logger } from 'pino';
import { METADATA_HEADERS } from '../../mail/message-meta.ts';
import { ProviderError, isProviderError } from '../provider-error.ts';
import type { MailPage, MailSource, MessageRef } from '../types.ts';
import type { MessageMeta, SkippedMessage } from '../../mail/types.ts';
import type { GoogleCaller } from './google-call.ts';
import { mapGmailMessage, skipReasonOfLabels } from './map-gmail-message.ts';

/**
 * Where a Gmail walk stands. Plain JSON, stored by the engine between pages.
 *
 * - `stage: 'sent'`: backfilling `messages.list labelIds=SENT`, newest first.
 * - `stage: 'all'`: backfilling all mail (spam and trash excluded), newest first.
 * - `stage: 'history'`: following `history.list` (messageAdded) from `historyId`.
 *
 * `historyId` is taken from `users.getProfile` *before* the first list call and carried through
 * the backfill unchanged, so mail that arrives while the backfill runs is read again by history.
 * During history paging it stays the start point of the walk (Gmail wants the same
 * startHistoryId with each pageToken); the last page replaces it with the mailbox's new one.
 *
 * A message can be listed more than once: every sent message is in both the Sent and the
 * all-mail listing (`gmail.metadata` allows no query to exclude it), mail that arrived during the
 * backfill is listed by history too, and history may name a message in several records. Only
 * refs repeat, never hydrated messages: the engine hydrates refs it has not seen before.
 */
export type GmailCursor =
  | { stage: 'sent' | 'all'; historyId: string; pageToken?: string }
  | { stage: 'history'; historyId: string; pageToken?: string };

export interface GmailMailSourceOptions {
  gmail: gmail_v1.Gmail;
  call: GoogleCaller;
  pageSize: number;
  logger?: Logger;
  /**
   * A historyId the account's own `getProfile` answered moments before (see
   * createGoogleAccount), taken once: a new sync then needs no second getProfile.
   */
  takeProfileHistoryId?: () => string | null;
}

/** Gmail quota units (per user) of each call; the gate is charged the same. */
export const GMAIL_UNITS = {
  getProfile: 1,
  messagesList: 5,
  messagesGet: 5,
  historyList: 2,
} as const;

export function createGmailMailSource(options: GmailMailSourceOptions): MailSource<GmailCursor> {
  const { gmail, call, logger } = options;
  const pageSize = Math.min(500, Math.max(1, options.pageSize));

  async function startingHistoryId(): Promise<string> {
    const known = options.takeProfileHistoryId?.();
    if (known) return known;
    const profile = await call('gmail.users.getProfile', GMAIL_UNITS.getProfile, () => gmail.users.getProfile({ userId: 'me' }));
    if (!profile.historyId) throw new ProviderError('transient', 'Gmail getProfile returned no historyId', { provider: 'google' });
    return profile.historyId;
  }

  async function listPage(stage: 'sent' | 'all', historyId: string, pageToken?: string): Promise<MailPage<GmailCursor>> {
    const list = await call('gmail.users.messages.list', GMAIL_UNITS.messagesList, () =>
      gmail.users.messages.list({
        userId: 'me',
        maxResults: pageSize,
        includeSpamTrash: false,
        ...(stage === 'sent' ? { labelIds: ['SENT'] } : {}),
        ...(pageToken ? { pageToken } : {}),
      }),
    );
    const refs = (list.messages ?? []).flatMap((m) => (m.id ? [{ providerId: m.id }] : []));
    logger?.debug({ stage, refs: refs.length, more: Boolean(list.nextPageToken) }, 'gmail backfill page');
    if (list.nextPageToken) {
      return { refs, cursor: { stage, historyId, pageToken: list.nextPageToken }, phase: 'backfill', caughtUp: false };
    }
    if (stage === 'sent') return { refs, cursor: { stage: 'all', historyId }, phase: 'backfill', caughtUp: false };
    logger?.info('gmail backfill listed; following history');
    return { refs, cursor: { stage: 'history', historyId }, phase: 'incremental', caughtUp: false };
  }

  async function historyPage(historyId: string, pageToken?: string): Promise<MailPage<GmailCursor>> {
    const page = await call('gmail.users.history.list', GMAIL_UNITS.historyList, () =>
      gmail.users.history.list({
        userId: 'me',
        startHistoryId: historyId,
        historyTypes: ['messageAdded'],
        maxResults: pageSize,
        ...(pageToken ? { pageToken } : {}),
      }),
    );
    const ids = new Set<string>();
    for (const record of page.history ?? []) {
      for (const added of record.messagesAdded ?? []) {
        const message = added.message;
        // Drafts are re-added on every autosave; when history already says what a message is,
        // don't spend 5 units to be told again.
        if (!message?.id || (message.labelIds && skipReasonOfLabels(message.labelIds))) continue;
        ids.add(message.id);
      }
    }
    const refs = [...ids].map((providerId) => ({ providerId }));
    logger?.debug({ refs: refs.length, more: Boolean(page.nextPageToken) }, 'gmail history page');
    if (page.nextPageToken) {
      return { refs, cursor: { stage: 'history', historyId, pageToken: page.nextPageToken }, phase: 'incremental', caughtUp: false };
    }
    return { refs, cursor: { stage: 'history', historyId: page.historyId ?? historyId }, phase: 'incremental', caughtUp: true };
  }

  async function hydrateOne(ref: MessageRef): Promise<{ message: MessageMeta } | { skipped: SkippedMessage }> {
    if (ref.meta) return { message: ref.meta };
    try {
      const message = await call('gmail.users.messages.get', GMAIL_UNITS.messagesGet, () =>
        gmail.users.messages.get({
          userId: 'me',
          id: ref.providerId,
          format: 'metadata',
          metadataHeaders: [...METADATA_HEADERS],
        }),
      );
      return mapGmailMessage(message, ref.providerId);
    } catch (error) {
      // Deleted between listing and now; not a cursor problem.
      if (isProviderError(error) && error.status === 404) return { skipped: { providerId: ref.providerId, reason: 'gone' } };
      throw error;
    }
  }

  return {
    async nextPage(cursor) {
      if (cursor === null) return listPage('sent', await startingHistoryId());
      const c = readCursor(cursor);
      return c.stage === 'history' ? historyPage(c.historyId, c.pageToken) : listPage(c.stage, c.historyId, c.pageToken);
    },

    async hydrate(refs) {
      // All at once: the gate bounds how many are in flight and paces them under the quota.
      const settled = await Promise.allSettled(refs.map(hydrateOne));
      const messages: MessageMeta[] = [];
      const skipped: SkippedMessage[] = [];
      for (const result of settled) {
        if (result.status === 'rejected') throw result.reason;
        if ('message' in result.value) messages.push(result.value.message);
        else skipped.push(result.value.skipped);
      }
      logger?.debug({ messages: messages.length, skipped: skipped.length }, 'gmail messages hydrated');
      return { messages, skipped };
    },
  };
}

/** A cursor this code did not write (or an older format) restarts the sync rather than guess. */
function readCursor(value: unknown): GmailCursor {
  if (typeof value === 'object' && value !== null) {
    const c = value as Record<string, unknown>;
    const stageOk = c.stage === 'sent' || c.stage === 'all' || c.stage === 'history';
    const pageOk = c.pageToken === undefined || typeof c.pageToken === 'string';
    if (stageOk && typeof c.historyId === 'string' && c.historyId !== '' && pageOk) return c as GmailCursor;
  }
  throw new ProviderError('cursor_expired', 'unreadable Gmail cursor; a full sync is required', { provider: 'google' });
}
