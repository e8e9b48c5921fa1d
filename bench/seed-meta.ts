/**
 * Synthetic seed messages as the provider boundary would hand them over (MessageMeta), for
 * scenarios that feed ingestion directly instead of through an emulator.
 */
import type { SeedMessage } from '../fakes/google/seed-types.ts';
import { messageMetaFromHeaders } from '../src/mail/message-meta.ts';
import type { MessageMeta } from '../src/mail/types.ts';
import { categoryOfLabels, folderOfLabels } from '../src/providers/google/map-gmail-message.ts';

export function seedToMeta(seed: SeedMessage): MessageMeta {
  const labels = seed.labelIds ?? ['INBOX'];
  const result = messageMetaFromHeaders(seed.headers ?? [], {
    providerId: seed.id!,
    threadId: seed.threadId ?? null,
    folder: folderOfLabels(labels),
    category: categoryOfLabels(labels),
    receivedAt: seed.internalDate ? new Date(seed.internalDate) : null,
  });
  if ('skipped' in result) throw new Error(`synthetic message ${seed.id} did not map: ${result.skipped.reason}`);
  return result.message;
}
