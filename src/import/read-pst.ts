import { closeSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PSTFile, type PSTFolder, type PSTMessage } from 'pst-extractor';
import { folderOf } from './read-maildir.ts';
import type { HeaderBlockSource } from './scan-headers.ts';
import { parseMailDate } from '../mail/parse-date.ts';

/** A file given as a .pst that is not one (or one the reader cannot open). */
export class NotPstError extends Error {
  constructor(file: string, why: string) {
    super(`${file} is not an Outlook data file (.pst/.ost): ${why}`);
    this.name = 'NotPstError';
  }
}

/** MAPI properties pst-extractor reads but does not name: the sender's SMTP address when the sender is an Exchange user. */
const PR_SENDER_SMTP_ADDRESS = 0x5d01;
const PR_SENT_REPRESENTING_SMTP_ADDRESS = 0x5d02;
const RECIPIENT_HEADERS: Record<number, string> = { 1: 'To', 2: 'Cc', 3: 'Bcc' };

/**
 * The mail of an Outlook data file, read with pst-extractor (pure JavaScript, no native
 * build), as header blocks for the same scanner as every other import. Bodies and
 * attachments are never read. A message that came in over the internet keeps its
 * transport headers, which are exactly the header block a maildir copy would have; one
 * without (the owner's sent items, mail between Exchange users) gets a block written from
 * its sender and recipient properties. Folders are placed by name as in a maildir (Sent
 * Items, Drafts, Junk E-mail); calendars, contacts and tasks are not mail: their items are
 * counted in `leftOut` by message class, not read.
 */
export async function* listPst(file: string, leftOut: Record<string, number> = {}): AsyncGenerator<HeaderBlockSource> {
  const pst = openPst(file);
  try {
    const folders: { folder: PSTFolder; path: string[] }[] = [];
    collectFolders(pst.getRootFolder(), [], folders);
    // Sent folders first, as in a maildir: the owner's addresses are learned before the rest.
    const ordered = [
      ...folders.filter((f) => folderOf(f.path).folder === 'sent'),
      ...folders.filter((f) => folderOf(f.path).folder !== 'sent'),
    ];
    for (const { folder, path } of ordered) {
      if (folder.contentCount === 0) continue;
      const place = folderOf(path);
      const mailFolder = isMailFolder(folder);
      let number = 0;
      for (let item: PSTMessage | null = folder.getNextChild(); item; item = folder.getNextChild()) {
        number++;
        const messageClass = item.messageClass || 'unknown';
        if (!mailFolder || !/^IPM\.(Note|Schedule\.Meeting)/i.test(messageClass)) {
          leftOut[messageClass] = (leftOut[messageClass] ?? 0) + 1;
          continue;
        }
        yield {
          headers: headerBlockOf(item),
          folder: place.folder,
          ...(place.skip ? { skip: place.skip } : {}),
          origin: `${file}: ${path.join('/')} #${number}`,
        };
      }
    }
  } finally {
    pst.close();
  }
}

/** How many items the mail folders hold (for progress), from the folders' own counts. */
export async function countPst(file: string): Promise<number> {
  const pst = openPst(file);
  try {
    const folders: { folder: PSTFolder; path: string[] }[] = [];
    collectFolders(pst.getRootFolder(), [], folders);
    return folders.filter((f) => isMailFolder(f.folder)).reduce((n, f) => n + f.folder.contentCount, 0);
  } finally {
    pst.close();
  }
}

/** Folders of mail (IPF.Note), and folders that say nothing (Outlook's older files leave the class empty). */
function isMailFolder(folder: PSTFolder): boolean {
  return folder.containerClass === '' || folder.containerClass.startsWith('IPF.Note');
}

function openPst(file: string): PSTFile {
  const fd = openSync(file, 'r');
  const magic = Buffer.alloc(4);
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  // Every PST and OST begins with the four bytes "!BDN" (MS-PST 2.2.2.6, HEADER.dwMagic).
  if (magic.toString('latin1') !== '!BDN') throw new NotPstError(file, 'it does not begin with the PST signature "!BDN"');
  try {
    return new PSTFile(file);
  } catch (error) {
    throw new NotPstError(file, `the reader gave up: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function assertPstFile(file: string): Promise<void> {
  const info = await stat(file);
  if (!info.isFile()) throw new Error(`${file} is not a file`);
  openPst(file).close();
}

function collectFolders(folder: PSTFolder, path: string[], out: { folder: PSTFolder; path: string[] }[]): void {
  out.push({ folder, path });
  if (!folder.hasSubfolders) return;
  for (const child of folder.getSubFolders()) collectFolders(child, [...path, child.displayName], out);
}

/**
 * The message's own transport headers when it has them; otherwise a header block written
 * from its properties, carrying the PST's node id so two such messages never share a name.
 */
export function headerBlockOf(message: PSTMessage, useTransport = true): string {
  const transport = useTransport ? message.transportMessageHeaders.replace(/^[\s]+/, '') : '';
  const date = message.clientSubmitTime ?? message.messageDeliveryTime;
  if (/^[\x21-\x39\x3b-\x7e]+:/m.test(transport) && /^(From|Date):/im.test(transport))
    return withReadableDate(transport.replace(/\r?\n\r?\n[\s\S]*$/, ''), date);
  const lines: string[] = [];
  const smtp = (tag: number) => (message as unknown as { getStringItem(id: number): string }).getStringItem(tag) || '';
  const representing = smtp(PR_SENT_REPRESENTING_SMTP_ADDRESS) || message.sentRepresentingEmailAddress;
  const senderAddress =
    message.senderAddrtype === 'SMTP'
      ? message.senderEmailAddress
      : smtp(PR_SENDER_SMTP_ADDRESS) || message.senderEmailAddress || representing;
  if (senderAddress) lines.push(`From: ${mailbox(message.senderName || message.sentRepresentingName, senderAddress)}`);
  const byType = new Map<string, string[]>();
  for (let i = 0; i < message.numberOfRecipients; i++) {
    const recipient = message.getRecipient(i);
    const header = recipient ? RECIPIENT_HEADERS[recipient.recipientType] : undefined;
    if (!recipient || !header) continue;
    const address = recipient.smtpAddress || recipient.emailAddress;
    if (!address) continue;
    byType.set(header, [...(byType.get(header) ?? []), mailbox(recipient.displayName, address)]);
  }
  for (const [header, list] of byType) lines.push(`${header}: ${list.join(', ')}`);
  if (date) lines.push(`Date: ${date.toUTCString()}`);
  if (message.subject) lines.push(`Subject: ${oneLine(message.subject)}`);
  if (message.internetMessageId) lines.push(`Message-ID: ${oneLine(message.internetMessageId)}`);
  if (message.inReplyToId) lines.push(`In-Reply-To: ${oneLine(message.inReplyToId)}`);
  lines.push(`X-PST-Node: ${message.descriptorNodeId.toString()}`);
  return lines.join('\n');
}

/**
 * Transport headers whose Date cannot be read keep the message's own submit (or delivery) time,
 * which Outlook stores beside them: exports of Exchange mail carry dates such as
 * `Fri, 6 Oct 2000 08:03:06 -0700 (PDT) Fri, 6 Oct 2000 08:03:06 -0600` (pst-extractor's
 * example enron.pst has 71 of them), two instants in one header, so the header alone says nothing
 * certain while the store's own time does.
 */
function withReadableDate(block: string, stored: Date | null | undefined): string {
  const header = /^Date:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/im.exec(block);
  if (!stored || (header && parseMailDate(header[1]!.replace(/\r?\n[ \t]/g, ' ')) !== null)) return block;
  const line = `Date: ${stored.toUTCString()}`;
  return header ? block.replace(header[0], line) : `${block}\n${line}`;
}

function mailbox(name: string, address: string): string {
  const display = oneLine(name).trim();
  const addr = oneLine(address).trim();
  if (!display || display === addr) return `<${addr}>`;
  return `"${display.replace(/["\\]/g, (c) => `\\${c}`)}" <${addr}>`;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
