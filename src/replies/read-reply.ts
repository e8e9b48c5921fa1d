/**
 * Raw MIME in, what the reply says out. Every channel (the SMTP listener today; IMAP and a
 * webhook later) hands its raw bytes to `readInbound`; nothing here touches the database.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import { automatedMessageReason } from '../contacts/detect-automated.ts';
import { headerBlockOf, parseHeaderBlock } from '../mail/header-block.ts';
import { messageMetaFromHeaders } from '../mail/message-meta.ts';
import { parseCommandLine, type ReplyCommand } from './parse-commands.ts';
import { stripQuoted } from './strip-quoted.ts';

export interface InboundMail {
  /** With angle brackets, as written; null when the message has none. */
  messageId: string | null;
  /** The From address, lower-cased. */
  from: string | null;
  /** Every address the message was for: To, Cc, Delivered-To, X-Original-To, lower-cased. */
  recipients: string[];
  /** In-Reply-To and References, with angle brackets. */
  references: string[];
  subject: string;
  /** Why software wrote this (an auto-reply, a bounce, a list), or null for a person. */
  automated: string | null;
  /** The reply's text part (or its HTML as text when there is no text part). */
  text: string;
  /** True when the raw bytes held at least one header. */
  hasHeaders: boolean;
}

export interface ReadCommands {
  commands: ReplyCommand[];
  /** Lines the person wrote that are not commands, as written (trimmed, at most 20). */
  ignored: string[];
}

export const MAX_IGNORED_LINES = 20;
const MAX_LINE = 200;

export async function readInbound(raw: Buffer | string): Promise<InboundMail> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const headerText = headerBlockOf(typeof raw === 'string' ? raw : raw.subarray(0, 256 * 1024).toString('latin1'));
  const headers = parseHeaderBlock(headerText);
  const meta = messageMetaFromHeaders(headers, { providerId: 'inbound', threadId: null, folder: 'inbox', receivedAt: new Date() });
  const automated = 'message' in meta ? automatedMessageReason(meta.message) : null;
  const addresses = (value: AddressObject | AddressObject[] | undefined) =>
    (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value).flatMap(flatten);
  const headerAddresses = (name: string) =>
    headers
      .filter((h) => h.name.toLowerCase() === name)
      .flatMap((h) => h.value.match(/[^\s<>,;"]+@[^\s<>,;"]+/g) ?? []);
  const references = [parsed.inReplyTo, ...(Array.isArray(parsed.references) ? parsed.references : [parsed.references])]
    .filter((r): r is string => typeof r === 'string')
    .flatMap((r) => r.match(/<[^<>\s]+>/g) ?? []);
  return {
    messageId: parsed.messageId ? (parsed.messageId.startsWith('<') ? parsed.messageId : `<${parsed.messageId}>`) : null,
    from: parsed.from?.value.flatMap(flatten)[0] ?? null,
    recipients: [
      ...new Set([...addresses(parsed.to), ...addresses(parsed.cc), ...headerAddresses('delivered-to'), ...headerAddresses('x-original-to')].map((a) => a.toLowerCase())),
    ],
    references: [...new Set(references)],
    subject: parsed.subject ?? '',
    automated,
    text: parsed.text ?? '',
    hasHeaders: headers.length > 0,
  };
}

function flatten(address: { address?: string; group?: { address?: string }[] }): string[] {
  if (address.group) return address.group.flatMap((g) => (g.address ? [g.address.toLowerCase()] : []));
  return address.address ? [address.address.toLowerCase()] : [];
}

/** The commands of a reply, from its own lines (quotes stripped), and the lines that were not commands. */
export function readCommands(mail: Pick<InboundMail, 'subject' | 'text'>): ReadCommands {
  const commands: ReplyCommand[] = [];
  const ignored: string[] = [];
  // The mailto: List-Unsubscribe link writes its command as the subject.
  if (/^\s*unsubscribe\s*$/i.test(mail.subject)) commands.push({ verb: 'unsubscribe', items: [] });
  for (const line of stripQuoted(mail.text)) {
    const parsed = parseCommandLine(line);
    if (parsed) commands.push(...parsed);
    else if (ignored.length < MAX_IGNORED_LINES) ignored.push(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line);
  }
  return { commands, ignored };
}
