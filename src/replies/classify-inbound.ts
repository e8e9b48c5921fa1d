/**
 * Mail written by software, as the inbound pipeline sees it: a delivery report (bounce), a
 * spam complaint (ARF), a read receipt, an auto-reply, a list. Such mail is never obeyed and
 * never answered. Delivery reports are read further: how final the failure is, and which
 * message of ours it reports on, so a digest that cannot be delivered pauses that user's
 * digests (src/replies/handle-reply.ts) instead of bouncing week after week.
 *
 * Pure: headers and MIME parts in, a verdict out.
 */
import { automatedAddressReason, automatedMessageReason } from '../contacts/detect-automated.ts';
import type { RawHeader } from '../mail/header-block.ts';
import type { MessageMeta } from '../mail/types.ts';

export type SoftwareKind = 'bounce' | 'complaint' | 'receipt' | 'auto-reply' | 'automated';

export interface SoftwareMail {
  kind: SoftwareKind;
  /** Short, for logs and `inbound_replies.detail`: `bounce`, `auto-reply`, `list`, `sender:no-reply`, … */
  reason: string;
  /** Bounces: a permanent failure (5.x.x, "failed"), a temporary one, or not said. */
  severity?: 'hard' | 'soft' | 'unknown';
  /** Bounces: the enhanced status code when one is given, e.g. `5.1.1`. */
  status?: string;
  /** Message-IDs (with angle brackets) of the messages the report is about. */
  reported: string[];
}

/** A MIME part of the message, as mailparser gives attachments. */
export interface ReportPart {
  contentType: string;
  content: Buffer;
}

export interface ClassifyInput {
  headers: RawHeader[];
  meta: MessageMeta | null;
  /** `multipart/report` parts and attached messages / headers. */
  parts: ReportPart[];
  /** The message's text, or its raw body when MIME gave none (bounces of non-standard servers say it there). */
  text: string;
  /** The raw message's first bytes, as latin1 (what MIME parsing may have hidden). */
  raw: string;
  /** The SMTP envelope sender when the channel knows it; `''` is the null sender. */
  envelopeFrom: string | null;
}

const LIST_HEADERS = [
  'list-id',
  'list-unsubscribe',
  'list-subscribe',
  'list-post',
  'list-help',
  'mailing-list',
  'x-mailing-list',
  'x-loop',
  'x-ml-name',
];
const SOFTWARE_SENDERS = new Set(['mailer-daemon', 'postmaster', 'no-reply', 'bounce', 'verp', 'list', 'calendar', 'esp']);
/** Our own Message-IDs: digests `<rk.<32 hex>@…>`, confirmations `<rk.c.…>`. */
const OUR_MESSAGE_ID = /<rk\.(?:[a-z]\.)?[0-9a-f]{32}@[^<>\s]+>/gi;

export function classifyInbound(input: ClassifyInput): SoftwareMail | null {
  const header = (name: string) => input.headers.find((h) => h.name.toLowerCase() === name)?.value.trim() ?? null;
  const contentType = (header('content-type') ?? '').toLowerCase();
  const reportType = /multipart\/report/.test(contentType) ? (/report-type\s*=\s*"?([\w-]+)/.exec(contentType)?.[1] ?? '') : null;
  const reported = reportedMessageIds(input);

  const feedback = input.parts.find((p) => p.contentType === 'message/feedback-report');
  // Hotmail's older complaint loop (JMRP): the complained-of message, attached, marked by Hotmail.
  const jmrp =
    /^x-hmxmroriginalrecipient:/im.test(input.raw) && !input.headers.some((h) => h.name.toLowerCase() === 'x-hmxmroriginalrecipient');
  if (jmrp) return { kind: 'complaint', reason: 'complaint:abuse', reported };
  if (reportType === 'feedback-report' || feedback) {
    const type = feedback ? (field(feedback.content.toString('utf8'), 'feedback-type') ?? 'abuse') : 'abuse';
    return { kind: 'complaint', reason: `complaint:${type.toLowerCase()}`, reported };
  }
  if (reportType === 'disposition-notification' || input.parts.some((p) => p.contentType === 'message/disposition-notification')) {
    return { kind: 'receipt', reason: 'read-receipt', reported };
  }
  const dsn = input.parts.find((p) => p.contentType === 'message/delivery-status' || p.contentType === 'message/global-delivery-status');
  if (reportType === 'delivery-status' || dsn) {
    return { kind: 'bounce', reason: 'bounce', ...severityOfDsn(dsn?.content.toString('utf8') ?? '', input.text), reported };
  }

  const automated = input.meta ? automatedMessageReason(input.meta) : null;
  const fromHeader = header('from');
  const fromReason = input.meta?.from ? automatedAddressReason(input.meta.from.email) : null;
  if (automated === 'bounce' || (fromHeader !== null && /^\s*<?\s*>?\s*$/.test(fromHeader))) {
    return { kind: 'bounce', reason: 'bounce', ...severityOfText(input.text), reported };
  }
  if (automated === 'auto-reply') return { kind: 'auto-reply', reason: 'auto-reply', reported };
  if (automated) return { kind: 'automated', reason: automated, reported };
  if (input.envelopeFrom === '') return { kind: 'automated', reason: 'null-sender', reported };
  if (fromReason && SOFTWARE_SENDERS.has(fromReason)) return { kind: 'automated', reason: `sender:${fromReason}`, reported };
  const list = LIST_HEADERS.find((name) => header(name) !== null);
  if (list) return { kind: 'automated', reason: `list:${list}`, reported };
  if (header('x-autoresponse') !== null || header('x-autogenerated') !== null)
    return { kind: 'auto-reply', reason: 'auto-reply', reported };
  // Facebook, Amazon SES and others send bounces and notifications as JSON or with feedback ids.
  if (header('x-ses-outgoing') !== null && /"notificationType"\s*:\s*"(Bounce|Complaint)"/.test(input.text)) {
    return { kind: 'bounce', reason: 'bounce:ses', ...severityOfText(input.text), reported };
  }
  return null;
}

/** The worst outcome of the per-recipient blocks of a `message/delivery-status` part. */
function severityOfDsn(dsn: string, text: string): { severity: 'hard' | 'soft' | 'unknown'; status?: string } {
  let soft: string | undefined;
  for (const block of dsn.split(/\r?\n\s*\r?\n/)) {
    const action = field(block, 'action')?.toLowerCase();
    const status = /([245])\.\d{1,3}\.\d{1,3}/.exec(field(block, 'status') ?? '')?.[0];
    if (status?.startsWith('5') && action !== 'delayed' && action !== 'delivered' && action !== 'relayed' && action !== 'expanded') {
      return { severity: 'hard', status };
    }
    if (action === 'failed' && !status) return { severity: 'hard' };
    if (status?.startsWith('4') || action === 'delayed') soft ??= status ?? '4.0.0';
  }
  if (soft) return { severity: 'soft', status: soft };
  return dsn.trim() === '' ? severityOfText(text) : { severity: 'unknown' };
}

/** Full mailboxes and other conditions that pass: soft, whatever code a server gave them. */
const SOFT_WORDS =
  /mailbox (is )?full|over ?quota|quota exceeded|exceeded (the )?(storage|quota)|insufficient (disk )?space|temporar(il)?y|delayed|deferred|will (be )?retr(y|ied)|try again later|greylist/i;
/** How servers word a failure that will not pass, when they give no code. */
const HARD_WORDS =
  /user unknown|unknown user|no such (user|recipient|mailbox|address|domain)|(mailbox|account|address|recipient|user) (is )?(unavailable|not found|does not exist|doesn't exist|disabled|inactive|invalid|rejected|unknown)|does not exist|invalid (recipient|address|mailbox)|recipient (address )?rejected|address rejected|host (or domain name )?not found|domain (not found|does not exist)|host unknown|permanent(ly)?( fatal)? (error|failure)|delivery has failed|could not be delivered|undeliverable|unable to deliver/i;

/** A bounce without a machine-readable report: the SMTP codes its text quotes, or its words. */
function severityOfText(text: string): { severity: 'hard' | 'soft' | 'unknown'; status?: string } {
  const sample = text.slice(0, 64 * 1024);
  const enhanced = [...sample.matchAll(/(?<![\d.])([45])\.(\d{1,3})\.(\d{1,3})(?![\d.])/g)].map((m) => m[0]);
  const soft = SOFT_WORDS.test(sample) || enhanced.includes('5.2.2');
  const hard = enhanced.find((s) => s.startsWith('5') && s !== '5.2.2');
  if (hard && !soft) return { severity: 'hard', status: hard };
  if (enhanced.length > 0) return { severity: 'soft', status: enhanced.find((s) => s.startsWith('4')) ?? enhanced[0] };
  if (soft || /(?<!\d)4[25]\d[ :-]/.test(sample) || /"bounceType"\s*:\s*"Transient"/.test(sample)) return { severity: 'soft' };
  if (/(?<![\d.])5[05][0-4][ :-]/.test(sample) || /"bounceType"\s*:\s*"Permanent"/.test(sample) || HARD_WORDS.test(sample))
    return { severity: 'hard' };
  return { severity: 'unknown' };
}

/** Message-IDs of ours the report is about: from attached messages and headers, or anywhere in it. */
function reportedMessageIds(input: ClassifyInput): string[] {
  const found = new Set<string>();
  for (const part of input.parts) {
    if (!/^(message\/rfc822|message\/global|text\/rfc822-headers|message\/rfc822-headers|message\/global-headers)$/.test(part.contentType))
      continue;
    const id = /^message-id:\s*(<[^<>\s]+>)/im.exec(part.content.subarray(0, 64 * 1024).toString('utf8'))?.[1];
    if (id) found.add(id);
  }
  for (const part of input.parts)
    for (const m of part.content
      .subarray(0, 256 * 1024)
      .toString('utf8')
      .matchAll(OUR_MESSAGE_ID))
      found.add(m[0]);
  for (const m of input.raw.matchAll(OUR_MESSAGE_ID)) found.add(m[0]);
  return [...found];
}

/** `Name: value` of a header-like block (a DSN's per-recipient fields, an ARF report). */
function field(block: string, name: string): string | null {
  return new RegExp(`^${name}\\s*:\\s*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(block)?.[1]?.replace(/\s+/g, ' ').trim() ?? null;
}
