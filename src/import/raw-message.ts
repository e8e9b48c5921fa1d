/**
 * A message as a local import reads it: only its header block (bodies are never read), where
 * it was found, and an id stable across imports so re-importing the same mail adds nothing.
 */
import type { Folder, MessageFlags } from '../mail/types.ts';
import { headerBlockId } from './scan-headers.ts';

export interface RawMessage {
  /** Stable id of this copy: a hash of its header block (see rawMessageId). */
  providerId: string;
  /** The unparsed header block. */
  headers: string;
  folder: Folder;
  /** Gmail's tab, from Takeout's X-Gmail-Labels. */
  category?: MessageFlags['category'];
  /** Set when the source itself says the message is not mail to count (a draft, spam, chat). */
  skip?: string;
  /** Where it came from, for messages in error reports (a path, or an mbox and message number). */
  origin: string;
}

/** Names a message by its header block (see headerBlockId). */
export function rawMessageId(headers: string): string {
  return headerBlockId(headers);
}
