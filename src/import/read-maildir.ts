import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Folder } from '../mail/types.ts';
import { isSentFolderName, skippedFolderReason } from './folder-names.ts';
import { rawMessageId, type RawMessage } from './raw-message.ts';
import { readHeaderBlockSync } from './read-header-block.ts';
import type { FileJob } from './scan-job.ts';

/** Which files of a tree are messages: every file (maildir) or only `*.eml` (a folder of saved messages). */
export type FileKind = 'maildir' | 'eml';

/**
 * The messages of a local mailbox folder tree: CMU's layout (nested folders of RFC 822
 * files, `inbox/`, `sent_items/`, `discussion_threads/`), Maildir (`cur/`, `new/`) and
 * Maildir++ (`.Sent/`), or a folder of `.eml` files. Sent folders are listed first, so the
 * owner's addresses learned from them are known before the rest is read. Streams: one
 * directory listing in memory at a time; the files themselves are read by the scanner.
 */
export async function* listMaildir(root: string, kind: FileKind = 'maildir', ignored?: { count: number }): AsyncGenerator<FileJob> {
  await assertDirectory(root);
  for (const pass of ['sent', 'rest'] as const) {
    for (const dir of walk(root, [], kind, pass === 'rest' ? ignored : undefined)) {
      // A folder's place decides the folder of every file in it: worked out once per folder.
      const folder = folderOf(dir.segments);
      if ((folder.folder === 'sent') !== (pass === 'sent')) continue;
      const prefix = dir.segments.length > 0 ? dir.segments.join(path.sep) + path.sep : '';
      for (const name of dir.files) {
        yield {
          file: path.join(dir.path, name),
          folder: folder.folder,
          ...(folder.skip ? { skip: folder.skip } : {}),
          origin: prefix + name,
        };
      }
    }
  }
}

/** The same messages read in this thread, header blocks and all (tests, the eval, the bench's baseline). */
export async function* readMaildir(root: string, kind: FileKind = 'maildir'): AsyncGenerator<RawMessage> {
  for await (const job of listMaildir(root, kind)) {
    const headers = readHeaderBlockSync(job.file);
    const { file: _, ...rest } = job;
    if (headers === null) {
      yield { ...rest, providerId: rawMessageId(`unreadable:${job.origin}`), headers: '', skip: 'malformed:headers' };
      continue;
    }
    yield { ...rest, providerId: rawMessageId(headers), headers };
  }
}

/** How many message files the tree holds (for progress), without reading any of them. */
export async function countMaildir(root: string, kind: FileKind = 'maildir'): Promise<number> {
  await assertDirectory(root);
  let count = 0;
  for (const dir of walk(root, [], kind)) count += dir.files.length;
  return count;
}

async function assertDirectory(root: string): Promise<void> {
  const info = await stat(root);
  if (!info.isDirectory()) throw new Error(`${root} is not a directory`);
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

/**
 * `2` before `10`, as people number files, case ignored: digit runs compare by value. A
 * sort key per name and a plain comparison: a collator per comparison was most of a walk.
 */
function sortKey(name: string): string {
  return name.toLowerCase().replace(/\d+/g, (digits) => digits.padStart(12, '0'));
}

/**
 * Depth first, one folder at a time (its message files, then its subfolders), sorted, so
 * progress and summaries read the same on every run. Listings are synchronous for the
 * reason read-header-block.ts gives: an import runs in a process of its own, and a listing
 * from the page cache costs less than its hand-off.
 */
function* walk(
  dir: string,
  segments: string[],
  kind: FileKind,
  ignored?: { count: number },
): Generator<{ path: string; segments: string[]; files: string[] }> {
  const entries = readdirSync(dir, { withFileTypes: true })
    .map((entry) => ({ entry, key: sortKey(entry.name) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ entry }) => entry);
  const files: string[] = [];
  const folders: string[] = [];
  for (const entry of entries) {
    // Maildir's tmp/ holds deliveries in progress; dot-files like .DS_Store are not mail.
    if (entry.isDirectory()) {
      if (!(entry.name === 'tmp' && kind === 'maildir')) folders.push(entry.name);
    } else if (entry.isFile() && isMessageFile(entry.name, kind)) files.push(entry.name);
    else if (entry.isFile() && ignored) ignored.count++;
  }
  if (files.length > 0) yield { path: dir, segments, files };
  for (const name of folders) yield* walk(path.join(dir, name), [...segments, name], kind, ignored);
}

function isMessageFile(name: string, kind: FileKind): boolean {
  if (kind === 'eml') return /\.eml$/i.test(name);
  return !name.startsWith('.') && !/^(dovecot.*|maildirfolder|subscriptions)$/i.test(name);
}
