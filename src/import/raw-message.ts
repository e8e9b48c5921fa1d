/**
 * A message as a local import reads it: only its header block (bodies are never read), where
 * it was found, and an id stable across imports so re-importing the same mail adds nothing.
 */
import { createHash } from 'node:crypto';
import type { Folder, MessageFlags } from '../mail/types.ts';

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

/**
 * Names a message by its header block: the same message imported again (from the same
 * folder, a moved copy of the maildir, or the next Takeout) gets the same id, while two
 * different messages never share one. Copies of one message filed in two folders differ in
 * their headers (Received, X-Folder) and keep two ids; their interactions are still counted
 * once, by Message-ID.
 */
export function rawMessageId(headers: string): string {
  return 'h:' + createHash('sha256').update(headers).digest('base64url').slice(0, 32);
}
