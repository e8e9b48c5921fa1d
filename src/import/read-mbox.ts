import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Folder, MessageFlags } from '../mail/types.ts';
import { rawMessageId, type RawMessage } from './raw-message.ts';
import { decode } from './read-header-block.ts';

/** A header block longer than this is a broken file, not mail. */
const MAX_HEADER_LINES = 5_000;

/**
 * The messages of an mbox file (Google Takeout writes one per export), streamed: only the
 * current message's header block is held, bodies are skipped line by line. A message starts
 * at a `From ` line at the top of the file or after an empty line (Takeout escapes `From `
 * inside bodies as `>From `). Gmail's `X-Gmail-Labels` decide the folder exactly as the live
 * sync's labels do: Sent wins over Inbox, drafts, spam, trash and chats are skipped, and the
 * tabs (Promotions, Updates, …) mark bulk mail.
 */
export async function* readMbox(file: string): AsyncGenerator<RawMessage> {
  const info = await stat(file);
  if (!info.isFile()) throw new Error(`${file} is not a file`);
  // Latin-1 maps every byte to one character, so the bytes of a header block come back intact.
  const lines = createInterface({ input: createReadStream(file, { encoding: 'latin1', highWaterMark: 256 * 1024 }), crlfDelay: Infinity });
  let state: 'start' | 'headers' | 'body' = 'start';
  let header: string[] = [];
  let previousEmpty = true;
  let number = 0;
  for await (const line of lines) {
    const separator = previousEmpty && line.startsWith('From ');
    previousEmpty = line.length === 0;
    if (separator) {
      if (state === 'headers' && header.length > 0) yield messageOf(header, ++number, file);
      state = 'headers';
      header = [];
      continue;
    }
    if (state !== 'headers') continue;
    if (line.length === 0 || header.length >= MAX_HEADER_LINES) {
      yield messageOf(header, ++number, file);
      state = 'body';
      header = [];
      continue;
    }
    header.push(line);
  }
  if (state === 'headers' && header.length > 0) yield messageOf(header, ++number, file);
}

/** How many messages an mbox holds (for progress): a fast pass counting separator lines. */
export async function countMbox(file: string): Promise<number> {
  let count = 0;
  let previousEmpty = true;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'latin1', highWaterMark: 256 * 1024 }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (previousEmpty && line.startsWith('From ')) count++;
    previousEmpty = line.length === 0;
  }
  return count;
}

function messageOf(lines: string[], number: number, file: string): RawMessage {
  const headers = decode(Buffer.from(lines.join('\n'), 'latin1'));
  const labels = gmailLabels(headers);
  const { folder, category, skip } = classifyLabels(labels);
  return {
    providerId: rawMessageId(headers),
    headers,
    folder,
    ...(category ? { category } : {}),
    ...(skip ? { skip } : {}),
    origin: `${file} #${number}`,
  };
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
