import { createHash } from 'node:crypto';
import type { RawHeader } from '../mail/header-block.ts';
import { METADATA_HEADERS, messageMetaFromHeaders } from '../mail/message-meta.ts';
import type { Folder, MessageFlags, MessageMeta, SkippedMessage } from '../mail/types.ts';

/**
 * Every header the metadata is made from: the providers' list, the display names of
 * Exchange exports (`X-From`, `X-To`, `X-cc`) and Takeout's thread id. A header that
 * messageMetaFromHeaders starts to read must be added here; test/unit/scan-headers.test.ts
 * compares this scanner with the full parse on the Enron corpus and fails if one is missing.
 */
export const SCANNED_HEADERS: readonly string[] = [...METADATA_HEADERS, 'X-From', 'X-To', 'X-cc', 'X-GM-THRID'];

const WANTED = new Set(SCANNED_HEADERS.map((name) => name.toLowerCase()));
/** The first character of each wanted name: most header lines are rejected on it alone. */
const FIRST = new Set([...WANTED].map((name) => name.charCodeAt(0)));

/**
 * The wanted headers of a header block, unfolded, in order: the same name/value pairs
 * parseHeaderBlock gives for them, without splitting the block into lines, testing every
 * name or keeping the rest (Received chains, DKIM signatures, Exchange's X-MS-*, which are
 * most of a real block). A continuation line belongs to the header above it, wanted or not.
 */
export function scanHeaderBlock(block: string): RawHeader[] {
  const headers: RawHeader[] = [];
  // The last header line seen, wanted or not: continuations go to it, as in parseHeaderBlock.
  let current: RawHeader | null = null;
  const length = block.length;
  let start = 0;
  while (start <= length) {
    let end = block.indexOf('\n', start);
    if (end < 0) end = length;
    let lineEnd = end;
    if (lineEnd > start && block.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    const first = block.charCodeAt(start);
    if (first === 32 || first === 9) {
      if (current !== null && current !== SKIPPED) current.value += ' ' + block.slice(start, lineEnd).trim();
    } else if (lineEnd > start) {
      const colon = nameEnd(block, start, lineEnd);
      // Not a header line at all (garbage, an mbox "From " line): dropped, and continuations
      // still belong to the header before it.
      if (colon > 0) {
        current = SKIPPED;
        if (FIRST.has(first >= 65 && first <= 90 ? first + 32 : first)) {
          const name = block.slice(start, colon).trim();
          if (WANTED.has(name.toLowerCase())) {
            current = { name, value: block.slice(colon + 1, lineEnd).trim() };
            headers.push(current);
          }
        }
      }
    }
    start = end + 1;
  }
  return headers;
}

/** Stands for a header line that is not wanted: its continuations are dropped with it. */
const SKIPPED: RawHeader = { name: '', value: '' };

/**
 * Where a header line's name ends (its colon), or -1 when the line is not a header: the
 * name, spaces after it aside, must be printable ASCII without a colon (RFC 5322's ftext).
 */
function nameEnd(block: string, start: number, lineEnd: number): number {
  let lastPrintable = -1;
  for (let i = start; i < lineEnd; i++) {
    const c = block.charCodeAt(i);
    if (c === 58) return lastPrintable >= start ? i : -1;
    if (c >= 0x21 && c <= 0x7e) {
      // A printable character after a space: the name had a space inside it.
      if (lastPrintable !== i - 1 && lastPrintable >= start) return -1;
      lastPrintable = i;
    } else if (c !== 32 && c !== 9) return -1;
  }
  return -1;
}

/** What a local reader hands over: a header block and where it was found. */
export interface HeaderBlockSource {
  headers: string;
  folder: Folder;
  category?: MessageFlags['category'];
  /** Set when the source itself says the message is not mail to count (a draft, spam, chat). */
  skip?: string;
  origin: string;
}

/** A message read and turned into metadata (or into the reason it gives none), ready to store. */
export interface ScannedMessage {
  providerId: string;
  origin: string;
  result: { message: MessageMeta } | { skipped: SkippedMessage };
}

/**
 * Names a message by its header block: the same message imported again (from the same
 * folder, a moved copy of the maildir, the next Takeout) gets the same id, while two
 * different messages never share one. Copies of one message filed in two folders differ in
 * their headers (Received, X-Folder) and keep two ids; their interactions are still counted
 * once, by Message-ID.
 */
export function headerBlockId(headers: string): string {
  return 'h:' + createHash('sha256').update(headers).digest('base64url').slice(0, 32);
}

/** Header block → id and metadata: what every local import does to every message. Pure. */
export function scanMessage(source: HeaderBlockSource, providerId = headerBlockId(source.headers)): ScannedMessage {
  if (source.skip) return { providerId, origin: source.origin, result: { skipped: { providerId, reason: source.skip } } };
  const headers = scanHeaderBlock(source.headers);
  let thread: string | null = null;
  for (const header of headers) {
    if (header.name.toLowerCase() === 'x-gm-thrid') {
      thread = header.value.trim() || null;
      break;
    }
  }
  const result = messageMetaFromHeaders(headers, {
    providerId,
    threadId: thread,
    folder: source.folder,
    ...(source.category ? { category: source.category } : {}),
  });
  return { providerId, origin: source.origin, result };
}
