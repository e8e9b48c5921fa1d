import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Folder } from '../mail/types.ts';
import { folderOf } from './read-maildir.ts';
import { countMbox, listMbox } from './read-mbox.ts';
import type { ScanJob } from './scan-job.ts';

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
  /** The folder's mbox file, or (a profile that stores mail as maildir) its directory. */
  file: string;
  store: 'mbox' | 'maildir';
  /** The folder path as Thunderbird shows it: account, then folders (`Inbox.sbd/Work` → `Inbox/Work`). */
  path: string[];
  folder: Folder;
  skip: string | null;
}

/**
 * The mail folders of a Thunderbird profile: every mbox file under `Mail/` (local folders,
 * POP accounts) and `ImapMail/` (one folder per IMAP server), subfolders in `*.sbd/`
 * directories, and the folders of a profile set to store mail as maildir (`cur/`, `new/`). The `.msf` summaries beside them are indexes, not mail, and are never read;
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
      // A profile set to store mail as maildir: the folder is a directory with cur/ and new/.
      else if (existsSync(path.join(full, 'cur')) || existsSync(path.join(full, 'new')))
        out.push(placed(full, 'maildir', [...segments, entry.name]));
      else if (ignored) ignored.count++;
      continue;
    }
    if (!entry.isFile() || entry.name.endsWith('.msf')) continue;
    if (!startsWithFromLine(full)) {
      if (statSync(full).size > 0 && ignored) ignored.count++;
      continue;
    }
    out.push(placed(full, 'mbox', [...segments, entry.name]));
  }
}

/** A folder's place from its names below the account: sent, inbox, skipped or other. */
function placed(file: string, store: MboxFolder['store'], names: string[]): MboxFolder {
  const place = folderOf(names.slice(1));
  const skip = place.skip ?? THUNDERBIRD_SKIPPED[names.at(-1)!.toLowerCase()] ?? null;
  return { file, store, path: names, folder: place.folder, skip };
}

/** The message files of a maildir-store folder, in name order. */
function maildirFiles(dir: string): string[] {
  const files: string[] = [];
  for (const sub of ['cur', 'new']) {
    const subdir = path.join(dir, sub);
    if (!existsSync(subdir)) continue;
    const names = readdirSync(subdir, { withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.'));
    for (const name of names.map((e) => e.name).sort()) files.push(path.join(subdir, name));
  }
  return files;
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
export async function* listThunderbird(profile: string, ignored?: { count: number }): AsyncGenerator<ScanJob> {
  const info = await stat(profile);
  if (!info.isDirectory()) throw new Error(`${profile} is not a directory`);
  for (const folder of thunderbirdFolders(profile, ignored)) {
    const origin = folder.path.join('/');
    if (folder.store === 'mbox') {
      yield* listMbox(folder.file, { folder: folder.folder, skip: folder.skip, origin });
      continue;
    }
    for (const file of maildirFiles(folder.file)) {
      yield { file, folder: folder.folder, ...(folder.skip ? { skip: folder.skip } : {}), origin: `${origin}/${path.basename(file)}` };
    }
  }
}

export async function countThunderbird(profile: string): Promise<number> {
  const info = await stat(profile);
  if (!info.isDirectory()) throw new Error(`${profile} is not a directory`);
  let count = 0;
  for (const folder of thunderbirdFolders(profile))
    count += folder.store === 'mbox' ? await countMbox(folder.file) : maildirFiles(folder.file).length;
  return count;
}
