import { open, stat } from 'node:fs/promises';
import type { Folder, MessageFlags } from '../mail/types.ts';
import { rawMessageId, type RawMessage } from './raw-message.ts';
import { decode, MAX_HEADER_BYTES } from './read-header-block.ts';
import type { HeaderBlockSource } from './scan-headers.ts';

/** Bytes per read: large reads keep a multi-gigabyte file cheap; one buffer is reused. */
const READ_SIZE = 1024 * 1024;
const FROM_LINE = Buffer.from('\nFrom ');

/** A file given as an mbox that is not one: said plainly instead of importing nothing. */
export class NotMboxError extends Error {
  constructor(file: string, why: string) {
    super(`${file} is not an mbox file: ${why}`);
    this.name = 'NotMboxError';
  }
}

/**
 * The header blocks of an mbox file (Google Takeout writes one per export; Thunderbird one
 * per folder), streamed with one read buffer: only the current message's header block is
 * held, and bodies are skipped by searching for the next separator, never split into lines.
 * A message starts at a `From ` line at the top of the file or after an empty line (Takeout
 * and Thunderbird escape `From ` inside bodies as `>From `). Memory stays the same for a
 * 50 MB file and a 50 GB one.
 */
export async function* splitMbox(file: string): AsyncGenerator<{ headers: string; number: number }> {
  const info = await stat(file);
  if (!info.isFile()) throw new Error(`${file} is not a file`);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ_SIZE);
    // The unread tail of the previous read is moved to the front: a line or a separator
    // that straddles two reads is seen whole.
    let kept = 0;
    let position = 0;
    let state: 'start' | 'headers' | 'body' = 'start';
    let header: Buffer[] = [];
    let headerBytes = 0;
    let number = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, kept, buffer.length - kept, position);
      position += bytesRead;
      const eof = bytesRead === 0;
      const end = kept + bytesRead;
      let at = 0;
      if (state === 'start') {
        // Empty lines before the first separator are tolerated; anything else is not an mbox.
        while (at < end && (buffer[at] === 10 || buffer[at] === 13)) at++;
        if (at === end) {
          if (eof) return;
          kept = 0;
          continue;
        }
        const line = lineEnd(buffer, at, end);
        if (line < 0 && !eof && at > 0) {
          buffer.copy(buffer, 0, at, end);
          kept = end - at;
          continue;
        }
        if (buffer.toString('latin1', at, Math.min(end, at + 5)) !== 'From ') {
          throw new NotMboxError(file, 'it does not begin with a "From " line');
        }
        if (line < 0) {
          if (eof) return;
          throw new NotMboxError(file, 'its first line never ends');
        }
        state = 'headers';
        at = line + 1;
      }
      for (;;) {
        if (state === 'body') {
          const hit = findSeparator(buffer, at, end);
          if (hit < 0) {
            // Keep the last bytes: a separator, and the empty line before it, may begin there.
            at = Math.max(at, end - FROM_LINE.length - 2);
            break;
          }
          const line = lineEnd(buffer, hit + 1, end);
          if (line < 0) {
            at = Math.max(at, hit - 2);
            break;
          }
          state = 'headers';
          header = [];
          headerBytes = 0;
          at = line + 1;
          continue;
        }
        // Header lines, one at a time, until the empty line that ends them.
        const line = lineEnd(buffer, at, end);
        if (line < 0) {
          if (eof && at < end) {
            header.push(Buffer.from(buffer.subarray(at, trimCr(buffer, at, end))));
            at = end;
          } else if (at === 0 && end === buffer.length) {
            // One header line longer than a whole read: not mail. The block ends here, with
            // what came before it, and the rest of the message is skipped as body.
            yield { headers: joinLines(header), number: ++number };
            state = 'body';
            at = end - FROM_LINE.length - 2;
          }
          break;
        }
        const stop = trimCr(buffer, at, line);
        if (stop === at || headerBytes >= MAX_HEADER_BYTES) {
          yield { headers: joinLines(header), number: ++number };
          header = [];
          state = 'body';
          // The empty line may itself be the one before a separator: search from its newline.
          at = line;
          continue;
        }
        header.push(Buffer.from(buffer.subarray(at, stop)));
        headerBytes += stop - at + 1;
        at = line + 1;
      }
      if (eof) break;
      buffer.copy(buffer, 0, at, end);
      kept = end - at;
    }
    if (state === 'headers' && header.length > 0) yield { headers: joinLines(header), number: ++number };
  } finally {
    await handle.close();
  }
}

/** Where a `From ` line starts after an empty line (its `\n`), searching from `from`; -1 when none. */
function findSeparator(buffer: Buffer, from: number, to: number): number {
  let i = buffer.subarray(0, to).indexOf(FROM_LINE, from);
  while (i >= 0) {
    // The line before must be empty: `\n\nFrom ` or `\n\r\nFrom `.
    if (i > 0 && (buffer[i - 1] === 10 || (buffer[i - 1] === 13 && i > 1 && buffer[i - 2] === 10))) return i;
    i = buffer.subarray(0, to).indexOf(FROM_LINE, i + 1);
  }
  return -1;
}

function lineEnd(buffer: Buffer, from: number, to: number): number {
  const i = buffer.indexOf(10, from);
  return i >= 0 && i < to ? i : -1;
}

function trimCr(buffer: Buffer, from: number, to: number): number {
  return to > from && buffer[to - 1] === 13 ? to - 1 : to;
}

function joinLines(lines: Buffer[]): string {
  const parts: Buffer[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (i > 0) parts.push(NEWLINE);
    parts.push(lines[i]!);
  }
  return decode(Buffer.concat(parts));
}
const NEWLINE = Buffer.from('\n');

/**
 * The messages of an mbox file for the scanner. Gmail's `X-Gmail-Labels` decide the folder
 * exactly as the live sync's labels do: Sent wins over Inbox, drafts, spam, trash and chats
 * are skipped, and the tabs (Promotions, Updates, …) mark bulk mail. Without labels (a
 * Thunderbird folder), the folder is the one the caller read from the file's name.
 */
export async function* listMbox(
  file: string,
  place: { folder: Folder; skip?: string | null; origin?: string } = { folder: 'other' },
): AsyncGenerator<HeaderBlockSource> {
  for await (const { headers, number } of splitMbox(file)) {
    const labels = gmailLabels(headers);
    const origin = `${place.origin ?? file} #${number}`;
    if (labels.length === 0) {
      yield { headers, folder: place.folder, ...(place.skip ? { skip: place.skip } : {}), origin };
      continue;
    }
    const { folder, category, skip } = classifyLabels(labels);
    yield { headers, folder, ...(category ? { category } : {}), ...(skip ? { skip } : {}), origin };
  }
}

/** The same messages as RawMessage (header block and id), for callers that scan themselves. */
export async function* readMbox(file: string): AsyncGenerator<RawMessage> {
  for await (const source of listMbox(file)) yield { ...source, providerId: rawMessageId(source.headers) };
}

/** How many messages an mbox holds (for progress): a pass that only looks for separators. */
export async function countMbox(file: string): Promise<number> {
  let count = 0;
  for await (const _ of splitMbox(file)) count++;
  return count;
}

/** `X-Gmail-Labels: Inbox,Sent,Category Promotions` → its labels (unfolded, lower-cased). */
export function gmailLabels(headers: string): string[] {
  const match = /^X-Gmail-Labels:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(headers);
  if (!match) return [];
  return match[1]!
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(',')
    .map((label) => label.trim().toLowerCase())
    .filter((label) => label.length > 0);
}

const TABS: Record<string, NonNullable<MessageFlags['category']>> = {
  'category promotions': 'promotions',
  'category social': 'social',
  'category updates': 'updates',
  'category forums': 'forums',
};

/** Takeout's label names → the folder, tab and skip reason the live Gmail sync would give. */
export function classifyLabels(labels: readonly string[]): { folder: Folder; category: MessageFlags['category']; skip: string | null } {
  const has = (name: string) => labels.includes(name);
  const skip = has('drafts') || has('draft') ? 'draft' : has('spam') ? 'spam' : has('trash') ? 'trash' : has('chat') ? 'chat' : null;
  const folder: Folder = has('sent') ? 'sent' : has('inbox') ? 'inbox' : 'other';
  let category: MessageFlags['category'] = null;
  for (const label of labels) category ??= TABS[label] ?? null;
  return { folder, category, skip };
}
