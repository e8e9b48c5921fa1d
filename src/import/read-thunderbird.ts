import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Folder } from '../mail/types.ts';
import { folderOf } from './read-maildir.ts';
import { countMbox, listMbox } from './read-mbox.ts';
import type { HeaderBlockSource } from './scan-headers.ts';

/** A folder given as a Thunderbird profile that is not one. */
export class NotThunderbirdProfileError extends Error {
  constructor(dir: string) {
    super(`${dir} is not a Thunderbird profile: it has no Mail/ or ImapMail/ folder`);
    this.name = 'NotThunderbirdProfileError';
  }
}

/**
 * Folders whose mail Thunderbird itself does not count as correspondence. Only here, not
 * for every maildir: an Enron user's `junk` folder holds real mail, Thunderbird's `Junk`
 * holds what its filter judged spam.
 */
const THUNDERBIRD_SKIPPED: Record<string, string> = { junk: 'spam', templates: 'draft', 'unsent messages': 'draft' };

export interface MboxFolder {
  file: string;
  /** The folder path as Thunderbird shows it: account, then folders (`Inbox.sbd/Work` → `Inbox/Work`). */
  path: string[];
  folder: Folder;
  skip: string | null;
}

/**
 * The mail folders of a Thunderbird profile: every mbox file under `Mail/` (local folders,
 * POP accounts) and `ImapMail/` (one folder per IMAP server), subfolders in `*.sbd/`
 * directories. The `.msf` summaries beside them are indexes, not mail, and are never read;
 * other files (filter rules, `popstate.dat`) are told apart by their first bytes. Sent
 * folders come first, as in a maildir.
 */
export function thunderbirdFolders(profile: string, ignored?: { count: number }): MboxFolder[] {
  const roots = ['Mail', 'ImapMail'].map((name) => path.join(profile, name)).filter((dir) => existsSync(dir));
  if (roots.length === 0) throw new NotThunderbirdProfileError(profile);
  const found: MboxFolder[] = [];
  for (const root of roots) {
    for (const account of readdirSync(root, { withFileTypes: true })) {
      if (account.isDirectory()) collect(path.join(root, account.name), [account.name], found, ignored);
    }
  }
  found.sort((a, b) => Number(b.folder === 'sent') - Number(a.folder === 'sent'));
  return found;
}

function collect(dir: string, segments: string[], out: MboxFolder[], ignored?: { count: number }): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // `Inbox.sbd/` holds the subfolders of the mbox file `Inbox`.
      if (entry.name.endsWith('.sbd')) collect(full, [...segments, entry.name.slice(0, -4)], out, ignored);
      continue;
    }
    if (!entry.isFile() || entry.name.endsWith('.msf')) continue;
    if (!startsWithFromLine(full)) {
      if (statSync(full).size > 0 && ignored) ignored.count++;
      continue;
    }
    const names = [...segments, entry.name];
    const place = folderOf(names.slice(1));
    const skip = place.skip ?? THUNDERBIRD_SKIPPED[entry.name.toLowerCase()] ?? null;
    out.push({ file: full, path: names, folder: place.folder, skip });
  }
}

function startsWithFromLine(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(5);
    return readSync(fd, head, 0, 5, 0) === 5 && head.toString('latin1') === 'From ';
  } finally {
    closeSync(fd);
  }
}

/** Every message of the profile's mail folders, for the scanner. */
export async function* listThunderbird(profile: string, ignored?: { count: number }): AsyncGenerator<HeaderBlockSource> {
  const info = await stat(profile);
  if (!info.isDirectory()) throw new Error(`${profile} is not a directory`);
  for (const folder of thunderbirdFolders(profile, ignored)) {
    yield* listMbox(folder.file, { folder: folder.folder, skip: folder.skip, origin: folder.path.join('/') });
  }
}

export async function countThunderbird(profile: string): Promise<number> {
  const info = await stat(profile);
  if (!info.isDirectory()) throw new Error(`${profile} is not a directory`);
  let count = 0;
  for (const folder of thunderbirdFolders(profile)) count += await countMbox(folder.file);
  return count;
}
