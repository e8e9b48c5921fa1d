import type { MessageMeta } from '../mail/types.ts';
import {
  BULK_HOST_LABELS,
  BULK_WORDS,
  ESP_DOMAINS,
  LIST_DOMAINS,
  LIST_HOST_LABELS,
  LIST_LOCAL_PARTS,
  ROLE_WORDS,
} from './automated-address-patterns.ts';
import { normalizeAddress } from './normalize-address.ts';

/**
 * Mail written by software rather than a person: a list, a bulk sender, an auto-reply, a
 * bounce. Such a message never makes or dates a contact. Returns a short reason (`list`,
 * `list-unsubscribe`, `precedence:bulk`, `auto-submitted`, `auto-reply`, `bounce`,
 * `category:promotions`, `sender:<address reason>`) or null for mail that looks personal.
 *
 * Checked most specific first, so a bounce that also says `Auto-Submitted` reads `bounce`.
 */
export function automatedMessageReason(message: MessageMeta): string | null {
  const { flags } = message;
  const subject = (message.subject ?? '').trim();
  const fromReason = message.from ? automatedAddressReason(message.from.email) : null;

  if (flags.deliveryReport) return 'bounce';
  if (fromReason === 'mailer-daemon' || fromReason === 'postmaster') return 'bounce';
  if (BOUNCE_SUBJECT.test(subject)) return 'bounce';

  if (flags.autoReply || flags.autoSubmitted === 'auto-replied') return 'auto-reply';
  if (flags.precedence === 'auto_reply' || flags.precedence === 'auto-reply') return 'auto-reply';
  if (isAutoReplySubject(subject)) return 'auto-reply';
  // RFC 3834 asks responders to send with a null envelope sender, and only delivery reports
  // and responders do: anything left with `Return-Path: <>` is one of them.
  if (flags.nullReturnPath) return 'bounce';
  if (flags.autoSubmitted !== null && flags.autoSubmitted !== 'no') return 'auto-submitted';

  if (flags.listId) return 'list';
  if (flags.listUnsubscribe) return 'list-unsubscribe';
  if (flags.precedence === 'bulk' || flags.precedence === 'list' || flags.precedence === 'junk') {
    return `precedence:${flags.precedence}`;
  }
  if (flags.category) return `category:${flags.category}`;

  // Mail "from" a person but sent by a bulk platform (`Sender: bounce-…@mcsv.net`, a list
  // relay). A role Sender is left alone: assistants send on their manager's behalf.
  if (message.sender) {
    const senderReason = automatedAddressReason(message.sender.email);
    if (senderReason !== null && !senderReason.startsWith('role:')) return `sender:${senderReason}`;
  }
  return null;
}

/**
 * Addresses that belong to software or to a shared function rather than one person:
 * `no-reply`, `mailer-daemon`, `postmaster`, `bounce`, `verp`, `list`, `calendar`, `esp`,
 * `bulk:<word>` (newsletter, notifications, …), `role:<word>` (info, support, jobs, …).
 * Null for anything else, including strings that are not addresses.
 */
export function automatedAddressReason(email: string): string | null {
  const address = normalizeAddress(email);
  if (address === null) return null;
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  return localPartReason(local, domain) ?? domainReason(domain);
}

function localPartReason(local: string, domain: string): string | null {
  if (/^mail(er)?[-_.]?daemon$/.test(local)) return 'mailer-daemon';
  if (local === 'postmaster') return 'postmaster';
  if (NO_REPLY.test(local)) return 'no-reply';

  if (domain === 'google.com' && /^calendar(-notification|-server)?$/.test(local)) return 'calendar';
  if (local.startsWith('calendar-notification')) return 'calendar';
  // Exchange's system mailbox that relays meeting forwards: MicrosoftExchange + a GUID.
  if (/^microsoftexchange[0-9a-f]{32}$/.test(local)) return 'calendar';

  if (/^bounces?([-_.+=]|$)/.test(local) || /[-_.]bounces?([-_.+=]|$)/.test(local)) return 'bounce';
  // ezmlm and qmail put the original recipient after `-return-`: `list-return-42-joe=x.org@`.
  if (/(^|-)return-/.test(local)) return 'bounce';
  // BATV, SRS and VERP rewrite the envelope address: `prvs=…`, `SRS0=…`, `x+joe=example.org@`.
  if (/^(prvs|msprvs\d*|srs[01]|btv1)=/.test(local)) return 'verp';
  if (/=[^=]*\.[a-z]/.test(local)) return 'verp';
  if (LIST_LOCAL_PARTS.has(local) || /^owner-|-(owner|request)$/.test(local)) return 'list';

  const rawTokens = local.split(/[._+=-]+/).filter((token) => token.length > 0);
  if (rawTokens.some(isMachineToken)) return 'verp';
  const tokens = rawTokens.map((token) => token.replace(/\d+$/, '')).filter((token) => token.length > 0);

  const bulk = tokens.find((token) => BULK_WORDS.has(token));
  if (bulk) return `bulk:${bulk}`;

  // Role words only count when nothing in the local part could be a person's name: the rest
  // must be role words too, short qualifiers (`uk`, `us`) or the organization's own name.
  const orgLabels = new Set(domain.split('.'));
  const role = tokens.find((token) => ROLE_WORDS.has(token));
  if (role && tokens.every((token) => ROLE_WORDS.has(token) || token.length <= 2 || orgLabels.has(token))) {
    return `role:${role}`;
  }
  if (tokens.length === 1) return compoundReason(tokens[0]!);
  return null;
}

/**
 * Two list words written as one (`customerservice`, `salesteam`, `rssfeeds`). Both halves
 * must have three letters or more, so names that merely start with a short role word
 * (`hiram`, `irene`, `prince`) are not split.
 */
function compoundReason(token: string): string | null {
  for (let cut = 3; cut <= token.length - 3; cut++) {
    const head = token.slice(0, cut);
    const tail = token.slice(cut);
    const headBulk = BULK_WORDS.has(head);
    const tailBulk = BULK_WORDS.has(tail);
    if ((headBulk || ROLE_WORDS.has(head)) && (tailBulk || ROLE_WORDS.has(tail))) {
      return `${headBulk || tailBulk ? 'bulk' : 'role'}:${token}`;
    }
  }
  return null;
}

function domainReason(domain: string): string | null {
  if (/(^|[.-])no-?reply([.-]|$)/.test(domain)) return 'no-reply';
  if (domain === 'calendar.google.com' || domain.endsWith('.calendar.google.com')) return 'calendar';
  if (inDomains(domain, LIST_DOMAINS)) return 'list';
  if (inDomains(domain, ESP_DOMAINS)) return 'esp';
  const labels = domain.split('.');
  if (labels.length >= 3) {
    if (LIST_HOST_LABELS.has(labels[0]!)) return 'list';
    if (BULK_HOST_LABELS.has(labels[0]!)) return 'esp';
  }
  return null;
}

function inDomains(domain: string, list: readonly string[]): boolean {
  return list.some((entry) => domain === entry || domain.endsWith('.' + entry));
}

/**
 * Tokens no person picks: a long hex run (a hash or GUID), or a long mix of letters and
 * digits (a tracking id). Names with a birth year (`smith1987`) are far below these lengths.
 */
function isMachineToken(token: string): boolean {
  if (token.length >= 16 && /^[0-9a-f]+$/.test(token) && /\d/.test(token) && /[a-f]/.test(token)) return true;
  if (token.length >= 20) {
    const digits = token.replace(/\D/g, '').length;
    return digits >= 4 && token.length - digits >= 4;
  }
  return false;
}

const NO_REPLY =
  /(^|[^a-z])(no|do[-_.]?not|dont|never)[-_.]?(reply|respond|response|return|mail|address)|noreply|donotreply|^nobody$|^unmonitored/;

/** Subjects delivery reports start with, in the languages the big MTAs and Exchange speak. */
const BOUNCE_SUBJECT = new RegExp(
  '^(' +
    [
      'undeliverable\\b',
      'undelivered mail',
      'delivery status notification',
      'delivery notification: delivery has failed',
      'delivery (has )?failed',
      'delivery failure',
      'mail delivery (failed|failure|subsystem)',
      'message delivery failure',
      'mail system error - returned mail',
      'returned mail\\b',
      'failure notice$',
      'non-?deliverable (mail|message)',
      'warning: could not send message',
      'delayed mail',
      'non remis',
      'non distribuable',
      'unzustellbar',
      'nicht zustellbar',
      'onbestelbaar',
      'non recapitabile',
      'no se puede entregar',
      'não é possível entregar',
      'kan ikke leveres',
      'olevererbart',
    ].join('|') +
    ')',
  'iu',
);

/**
 * Phrases auto-replies start with (Outlook's `Automatic reply:` in its common locales,
 * Exchange's `Out of Office AutoReply:`, Notes' `Auto:`). They must be followed by `:`,
 * a dash, a bracket or nothing, so a person writing "Out of office next week?" is not
 * mistaken for a responder, and a human `Re: Automatic reply: …` is never matched.
 */
const AUTO_REPLY_PHRASES = [
  'automatic reply',
  'auto[- ]?reply',
  'auto[- ]?response',
  'automatic response',
  'out of (the )?office( auto[- ]?reply| reply| response| notification| notice| message)?',
  'abwesenheitsnotiz',
  'automatische antwort',
  'réponse automatique',
  'absence du bureau',
  'absent du bureau',
  'respuesta automática',
  'fuera de (la )?oficina',
  'risposta automatica',
  'fuori sede',
  'fuori ufficio',
  'resposta automática',
  'ausência temporária',
  'automatisch antwoord',
  'afwezig',
  'autosvar',
  'automatiskt? svar',
  'automaattinen vastaus',
  'automatyczna odpowiedź',
  'automatická odpověď',
  'automatikus válasz',
  'otomatik yanıt',
  'автоматический ответ',
  'αυτόματη απάντηση',
  '自動応答',
  '自動返信',
  '自动回复',
  '自動回覆',
  '자동 회신',
];
const AUTO_REPLY_SUBJECT = new RegExp(`^(${AUTO_REPLY_PHRASES.join('|')})\\s*([:：\\-–(]|$)`, 'iu');
/** `Autoreply from Jane`, `Auto-Response from support`, and Notes' bare `Auto: …` (colon only: `Auto-renewal` is a topic). */
const AUTO_REPLY_FROM = /^auto(matic)?[- ]?(reply|response) from\b|^auto\s*:/iu;
/** Lotus Notes: `Jane Doe/ACME is out of the office.` or `… (returning 05/12/2010)`. */
const NOTES_AWAY = /^[^:]{1,100}\bis out of (the )?office\b\s*\.?\s*(\(returning[^)]*\)\s*\.?)?$/iu;

function isAutoReplySubject(subject: string): boolean {
  return AUTO_REPLY_SUBJECT.test(subject) || AUTO_REPLY_FROM.test(subject) || NOTES_AWAY.test(subject);
}
