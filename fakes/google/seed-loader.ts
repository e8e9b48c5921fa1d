/**
 * Mailbox seeds from disk: a `.json` file in the MailboxSeed format, or a maildir — the CMU
 * layout (nested folders of RFC 822 files, as in the Enron corpus) or a classic cur/new/tmp
 * one. Only header blocks are read. Files that cannot be placed in time are skipped and
 * listed in `skipped`, never fatal.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { z } from 'zod';
import type { MaildirSeed, MailboxSeed, SeedMessage, SkippedSeedFile } from './seed-types.ts';
import { HeaderFields, type RawHeader, headerBlockOf, parseHeaderBlock, parseHeaderDate, parseMailboxes } from '../shared/mail-headers.ts';

/** Header blocks longer than this are cut; no real header block comes close. */
const HEADER_READ_BYTES = 256 * 1024;
const READ_CONCURRENCY = 32;
const SENT_FOLDER = /^_*sent([ _-]?(items|mail|messages))?$/i;

const header = z.object({ name: z.string().min(1), value: z.string() });
const time = z.union([z.object({ dateTime: z.string(), timeZone: z.string().optional() }), z.object({ date: z.string() })]);
const person = { email: z.string().min(3), displayName: z.string().optional(), self: z.boolean().optional() };
const seedSchema = z.object({
  email: z.string().min(3),
  aliases: z.array(z.string()).optional(),
  messages: z.array(
    z
      .object({
        id: z.string().optional(),
        threadId: z.string().optional(),
        labelIds: z.array(z.string()).optional(),
        internalDate: z.string().optional(),
        headers: z.array(header).optional(),
        raw: z.string().optional(),
      })
      .refine((m) => (m.headers === undefined) !== (m.raw === undefined), 'needs exactly one of headers and raw'),
  ),
  events: z
    .array(
      z.object({
        id: z.string().optional(),
        iCalUID: z.string().optional(),
        status: z.enum(['confirmed', 'tentative', 'cancelled']).optional(),
        summary: z.string().optional(),
        start: time,
        end: time,
        organizer: z.object(person).optional(),
        attendees: z
          .array(
            z.object({
              ...person,
              responseStatus: z.enum(['needsAction', 'declined', 'tentative', 'accepted']),
              organizer: z.boolean().optional(),
              resource: z.boolean().optional(),
              optional: z.boolean().optional(),
            }),
          )
          .optional(),
        updated: z.string().optional(),
      }),
    )
    .optional(),
});

/**
 * Reads a seed: a JSON file, or a maildir directory. A maildir's owner is taken from
 * `owner`, else guessed: the usual From of its sent folders, or the usual recipient of the rest.
 */
export async function loadMailboxSeed(path: string, owner?: { email: string; aliases?: string[] }): Promise<MailboxSeed> {
  const info = await stat(path);
  if (info.isDirectory()) {
    const entries = await readMaildir(path);
    return buildSeed(entries.messages, entries.skipped, owner ?? { email: guessOwner(entries.messages, path) });
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`Google emulator: ${path} is not valid JSON (${(error as Error).message})`);
  }
  const parsed = seedSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Google emulator: ${path} is not a mailbox seed: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data as MailboxSeed;
}

export async function mailboxSeedFromMaildir(dir: string, owner: { email: string; aliases?: string[] }): Promise<MaildirSeed> {
  const { messages, skipped } = await readMaildir(dir);
  return buildSeed(messages, skipped, owner);
}

interface MaildirMessage {
  file: string;
  labelIds: string[];
  headers: RawHeader[];
  date: Date;
}

function buildSeed(messages: MaildirMessage[], skipped: SkippedSeedFile[], owner: { email: string; aliases?: string[] }): MaildirSeed {
  // Oldest first, so replies find the threads they answer and historyIds follow time.
  const ordered = [...messages].sort((a, b) => a.date.getTime() - b.date.getTime() || a.file.localeCompare(b.file));
  const seedMessages: SeedMessage[] = ordered.map((m) => ({
    labelIds: m.labelIds,
    internalDate: m.date.toISOString(),
    headers: m.headers,
  }));
  return {
    email: owner.email,
    ...(owner.aliases?.length ? { aliases: owner.aliases } : {}),
    messages: seedMessages,
    skipped,
  };
}

async function readMaildir(dir: string): Promise<{ messages: MaildirMessage[]; skipped: SkippedSeedFile[] }> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => !relative(dir, file).split(sep).slice(0, -1).includes('tmp'))
    .sort();
  const labels = new Map<string, string>();
  const messages: MaildirMessage[] = [];
  const skipped: SkippedSeedFile[] = [];
  for (let i = 0; i < files.length; i += READ_CONCURRENCY) {
    const batch = files.slice(i, i + READ_CONCURRENCY);
    const read = await Promise.all(batch.map((file) => readHeaders(file)));
    read.forEach((headers, j) => {
      const file = batch[j]!;
      if (headers === null) {
        skipped.push({ file, reason: 'unreadable' });
        return;
      }
      if (headers.length === 0) {
        skipped.push({ file, reason: 'no-headers' });
        return;
      }
      const date = parseHeaderDate(new HeaderFields(headers).get('Date'));
      if (!date) {
        skipped.push({ file, reason: 'no-usable-date' });
        return;
      }
      messages.push({ file, headers, date, labelIds: labelsFor(dir, file, labels) });
    });
  }
  return { messages, skipped };
}

async function readHeaders(file: string): Promise<RawHeader[] | null> {
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(HEADER_READ_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEADER_READ_BYTES, 0);
      // In Latin-1 one byte is one character, so the block's length is its length in bytes.
      const blockBytes = headerBlockOf(buffer.subarray(0, bytesRead).toString('latin1')).length;
      return parseHeaderBlock(decode(buffer.subarray(0, blockBytes)));
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

/** Raw 8-bit headers are UTF-8 today; older mail is usually Latin-1, which never fails to decode. */
function decode(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** Gmail labels for a file from its folder: sent folders → SENT, inbox → INBOX, others a user label. */
function labelsFor(root: string, file: string, userLabels: Map<string, string>): string[] {
  const segments = relative(root, file).split(sep).slice(0, -1);
  while (segments.length > 0 && ['cur', 'new'].includes(segments.at(-1)!)) segments.pop();
  if (segments.length === 0) segments.push(basename(root));
  const folder = segments.join('/');
  const labels: string[] = [];
  if (SENT_FOLDER.test(segments.at(-1)!.trim())) labels.push('SENT');
  else if (folder.toLowerCase() === 'inbox') labels.push('INBOX');
  else {
    const key = folder.toLowerCase();
    if (!userLabels.has(key)) userLabels.set(key, `Label_${userLabels.size + 1}`);
    labels.push(userLabels.get(key)!);
  }
  // Maildir info ":2,FLAGS": no S (seen) means unread.
  const info = /:2,([A-Za-z]*)$/.exec(basename(file));
  if (info && !info[1]!.includes('S')) labels.push('UNREAD');
  return labels;
}

function guessOwner(messages: MaildirMessage[], dir: string): string {
  const sent = messages.filter((m) => m.labelIds.includes('SENT'));
  const counts = new Map<string, number>();
  const count = (values: string[]) => {
    for (const { email } of parseMailboxes(...values)) {
      const key = email.toLowerCase();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  for (const m of sent.length > 0 ? sent : messages) {
    const h = new HeaderFields(m.headers);
    count(sent.length > 0 ? h.all('From') : [...h.all('To'), ...h.all('Cc'), ...h.all('Delivered-To')]);
  }
  const best = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  if (!best) throw new Error(`Google emulator: cannot tell whose maildir ${dir} is; pass the owner`);
  return best[0];
}
