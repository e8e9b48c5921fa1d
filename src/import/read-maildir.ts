import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Folder } from '../mail/types.ts';
import { isSentFolderName, skippedFolderReason } from './folder-names.ts';
import { rawMessageId, type RawMessage } from './raw-message.ts';
import { readHeaderBlockSync } from './read-header-block.ts';

/**
 * The messages of a local mailbox folder tree: CMU's layout (nested folders of RFC 822
 * files, `inbox/`, `sent_items/`, `discussion_threads/`), Maildir (`cur/`, `new/`) and
 * Maildir++ (`.Sent/`). Sent folders are read first, so the owner's addresses learned from
 * them are known before the rest is read. Streams: one directory listing and one header
 * block in memory at a time.
 */
export async function* readMaildir(root: string): AsyncGenerator<RawMessage> {
  const info = await stat(root);
  if (!info.isDirectory()) throw new Error(`${root} is not a directory`);
  for (const pass of ['sent', 'rest'] as const) {
    for await (const file of walk(root, [])) {
      const folder = folderOf(file.segments);
      if ((folder.folder === 'sent') !== (pass === 'sent')) continue;
      const headers = readHeaderBlockSync(file.path);
      const origin = path.relative(root, file.path);
      if (headers === null) {
        yield { providerId: rawMessageId(`unreadable:${origin}`), headers: '', folder: folder.folder, skip: 'malformed:headers', origin };
        continue;
      }
      yield { providerId: rawMessageId(headers), headers, folder: folder.folder, ...(folder.skip ? { skip: folder.skip } : {}), origin };
    }
  }
}

/** How many message files the tree holds (for progress), without reading any of them. */
export async function countMaildir(root: string): Promise<number> {
  let count = 0;
  for await (const _ of walk(root, [])) count++;
  return count;
}

/** Where a file sits decides its folder: the nearest folder name that says sent, or inbox. */
export function folderOf(segments: readonly string[]): { folder: Folder; skip: string | null } {
  let skip: string | null = null;
  let folder: Folder = 'other';
  for (const segment of segments) {
    skip ??= skippedFolderReason(segment);
    if (isSentFolderName(segment)) folder = 'sent';
    else if (folder !== 'sent' && /^\.?inbox$/i.test(segment)) folder = 'inbox';
  }
  return { folder, skip };
}

/** `2` before `10`, as people number files. One collator: `localeCompare` with options builds one per call. */
const NAME_ORDER = new Intl.Collator('en', { numeric: true });

async function* walk(dir: string, segments: string[]): AsyncGenerator<{ path: string; segments: string[] }> {
  // Sorted per directory, so progress and summaries read the same on every run.
  const entries: { name: string; isDirectory: boolean; isFile: boolean }[] = [];
  for await (const entry of await opendir(dir)) {
    entries.push({ name: entry.name, isDirectory: entry.isDirectory(), isFile: entry.isFile() });
  }
  entries.sort((a, b) => NAME_ORDER.compare(a.name, b.name));
  for (const entry of entries) {
    // Maildir's tmp/ holds deliveries in progress; dot-files like .DS_Store are not mail.
    if (entry.isDirectory) {
      if (entry.name === 'tmp') continue;
      yield* walk(path.join(dir, entry.name), [...segments, entry.name]);
    } else if (entry.isFile && !entry.name.startsWith('.') && !/^(dovecot.*|maildirfolder|subscriptions)$/i.test(entry.name)) {
      yield { path: path.join(dir, entry.name), segments };
    }
  }
}
