/**
 * An entry's context as `digest_items.context` keeps it: JSON, dates as ISO strings. A digest
 * sent again (its first copy was lost) is rendered from what was recorded, so it must say
 * exactly what the first copy said.
 */
import type { MutualConnection } from '../contacts/mutual-connection.ts';
import type { SharedMeeting } from '../contacts/shared-meeting.ts';
import type { EntryContext } from './load-entry-context.ts';
import type { Opener } from './opener.ts';

export interface StoredEntryContext {
  meeting: (Omit<SharedMeeting, 'at'> & { at: string }) | null;
  mutual: (Omit<MutualConnection, 'lastWroteAt'> & { lastWroteAt: string }) | null;
  opener: Opener;
}

export function storedContext(context: EntryContext | null | undefined): StoredEntryContext | null {
  if (!context) return null;
  const { meeting, mutual, opener } = context;
  return {
    meeting: meeting ? { ...meeting, at: meeting.at.toISOString() } : null,
    mutual: mutual ? { ...mutual, lastWroteAt: mutual.lastWroteAt.toISOString() } : null,
    opener,
  };
}

export function contextFromStored(stored: StoredEntryContext | null): EntryContext | null {
  if (!stored) return null;
  const { meeting, mutual, opener } = stored;
  return {
    meeting: meeting ? { ...meeting, at: new Date(meeting.at) } : null,
    mutual: mutual ? { ...mutual, lastWroteAt: new Date(mutual.lastWroteAt) } : null,
    opener,
  };
}
