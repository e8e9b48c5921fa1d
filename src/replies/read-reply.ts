/**
 * Raw MIME in, what the reply says out. Every channel (the SMTP listener, the IMAP mailbox,
 * the webhook) hands its raw bytes to `readInbound`; nothing here touches the database.
 */
import { simpleParser, type AddressObject, type Attachment } from 'mailparser';
import { headerBlockOf, parseHeaderBlock } from '../mail/header-block.ts';
import { messageMetaFromHeaders } from '../mail/message-meta.ts';
import { classifyInbound, type SoftwareMail } from './classify-inbound.ts';
import { htmlReplyText } from './html-reply-text.ts';
import { parseCommandLine, type ReplyCommand } from './parse-commands.ts';
import { MAX_COMMAND_LINE, MAX_COMMANDS } from './reply-limits.ts';
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
  /** The whole verdict on software mail: bounces with their severity and the messages they report on. */
  software: SoftwareMail | null;
  /** The reply's text part, or its HTML as text (quote containers marked) when there is no text part. */
  text: string;
  /** True when the text came from the HTML part. */
  fromHtml: boolean;
  /** `Authentication-Results` header values, topmost first. */
  authenticationResults: string[];
  /** True when the raw bytes held at least one header. */
  hasHeaders: boolean;
  /**
   * Identity headers the message holds more than once (`Message-ID`, `From`, …), as the first
   * of them is written. DKIM verifies the last instance and readers take the first: such a
   * message is never a person's reply, and is not applied.
   */
  repeatedHeaders: string[];
  /** Its DKIM signatures: the signing domain (`d=`) and the signature itself (`b=`, no whitespace). */
  dkimSignatures: { domain: string; b: string }[];
}

export interface ReadCommands {
  commands: ReplyCommand[];
  /** Lines the person wrote that are not commands, as written (trimmed, at most 20). */
  ignored: string[];
  /** Commands past MAX_COMMANDS, not applied (and not kept); absent when there were none. */
  dropped?: number;
}

export const MAX_IGNORED_LINES = 20;
const MAX_LINE = 200;
/** Headers a message may carry once (RFC 5322 section 3.6) and that say who, when and which. */
const SINGLE_HEADERS = ['Message-ID', 'From', 'Date', 'Subject', 'To'];
const REPORT_PARTS =
  /^(message\/(delivery-status|global-delivery-status|feedback-report|disposition-notification|rfc822|global|rfc822-headers|global-headers)|text\/rfc822-headers)$/;

export async function readInbound(raw: Buffer | string, envelopeFrom: string | null = null): Promise<InboundMail> {
  const parsed = await simpleParser(raw, {
    skipImageLinks: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipHtmlToText: true,
    keepDeliveryStatus: true,
  });
  const headerText = headerBlockOf(typeof raw === 'string' ? raw : raw.subarray(0, 256 * 1024).toString('latin1'));
  const headers = parseHeaderBlock(headerText);
  const meta = messageMetaFromHeaders(headers, { providerId: 'inbound', threadId: null, folder: 'inbox', receivedAt: new Date() });
  const addresses = (value: AddressObject | AddressObject[] | undefined) =>
    (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value).flatMap(flatten);
  const headerAddresses = (name: string) =>
    headers.filter((h) => h.name.toLowerCase() === name).flatMap((h) => h.value.match(/[^\s<>,;"]+@[^\s<>,;"]+/g) ?? []);
  const references = [parsed.inReplyTo, ...(Array.isArray(parsed.references) ? parsed.references : [parsed.references])]
    .filter((r): r is string => typeof r === 'string')
    .flatMap((r) => r.match(/<[^<>\s]+>/g) ?? []);
  const plain = (parsed.text ?? '').trim() === '' ? null : parsed.text!;
  const html = typeof parsed.html === 'string' ? parsed.html : null;
  const text = plain ?? (html ? htmlReplyText(html) : '');
  const rawText = typeof raw === 'string' ? raw.slice(0, 256 * 1024) : raw.subarray(0, 256 * 1024).toString('latin1');
  const software = classifyInbound({
    headers,
    meta: 'message' in meta ? meta.message : null,
    parts: parsed.attachments
      .filter((a: Attachment) => REPORT_PARTS.test(a.contentType))
      .map((a) => ({ contentType: a.contentType, content: a.content })),
    // Broken MIME (a report whose boundary does not match) leaves no text: read the body as it is.
    text: text.trim() === '' ? rawText.slice(headerText.length) : text,
    raw: rawText,
    envelopeFrom,
  });
  return {
    messageId: parsed.messageId ? (parsed.messageId.startsWith('<') ? parsed.messageId : `<${parsed.messageId}>`) : null,
    from: parsed.from?.value.flatMap(flatten)[0] ?? null,
    recipients: [
      ...new Set(
        [...addresses(parsed.to), ...addresses(parsed.cc), ...headerAddresses('delivered-to'), ...headerAddresses('x-original-to')].map(
          (a) => a.toLowerCase(),
        ),
      ),
    ],
    references: [...new Set(references)],
    subject: parsed.subject ?? '',
    automated: software?.reason ?? null,
    software,
    text,
    fromHtml: plain === null && html !== null,
    authenticationResults: headers
      .filter((h) => h.name.toLowerCase() === 'authentication-results')
      .map((h) => h.value.replace(/\s+/g, ' ').trim()),
    hasHeaders: headers.length > 0,
    repeatedHeaders: SINGLE_HEADERS.filter((name) => headers.filter((h) => h.name.toLowerCase() === name.toLowerCase()).length > 1),
    dkimSignatures: headers.filter((h) => h.name.toLowerCase() === 'dkim-signature').flatMap((h) => dkimTags(h.value)),
  };
}

/** `d=` and `b=` of a DKIM-Signature header value; nothing when either is missing. */
function dkimTags(value: string): { domain: string; b: string }[] {
  const tags = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).replace(/\s+/g, ''));
  }
  const domain = tags.get('d')?.toLowerCase();
  const b = tags.get('b');
  return domain && b ? [{ domain, b }] : [];
}

function flatten(address: { address?: string; group?: { address?: string }[] }): string[] {
  if (address.group) return address.group.flatMap((g) => (g.address ? [g.address.toLowerCase()] : []));
  return address.address ? [address.address.toLowerCase()] : [];
}

/** The commands of a reply, from its own lines (quotes stripped), and the lines that were not commands. */
export function readCommands(mail: Pick<InboundMail, 'subject' | 'text'>): ReadCommands {
  const commands: ReplyCommand[] = [];
  const ignored: string[] = [];
  let dropped = 0;
  // The mailto: List-Unsubscribe link writes its command as the subject.
  if (/^\s*unsubscribe\s*$/i.test(mail.subject)) commands.push({ verb: 'stop', items: [] });
  for (const line of stripQuoted(mail.text)) {
    const parsed = line.length <= MAX_COMMAND_LINE ? parseCommandLine(line) : null;
    if (!parsed) {
      if (ignored.length < MAX_IGNORED_LINES) ignored.push(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line);
      continue;
    }
    // One at a time, never spread: a line can hold thousands of commands.
    for (const command of parsed) {
      if (commands.length < MAX_COMMANDS) commands.push(command);
      else dropped++;
    }
  }
  return dropped > 0 ? { commands, ignored, dropped } : { commands, ignored };
}
