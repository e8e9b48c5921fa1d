/**
 * The lines a person wrote in a reply, without what their client quoted or appended.
 *
 * Clients quote in three ways, and each is handled the way it is written:
 * - `>` prefixes (Gmail, Apple Mail, Thunderbird, most mobile clients): prefixed lines are
 *   dropped, and so is the attribution above them ("On … wrote:", wrapped over up to three
 *   lines, in the big clients' languages) — and reading goes on after the quote, so answers
 *   written below it or between its lines (inline) still count;
 * - an attribution followed by the old message *without* prefixes (Yahoo, webmail, HTML
 *   converted to text), a header block (Outlook: From:/Sent:/To:/Subject:, localized, with or
 *   without angle brackets, starred or indented), a separator ("-----Original Message-----",
 *   a forward, a long rule): everything from there on is the old message, so reading stops;
 * - the quoted rekindle mail itself, recognised by its first line (the marker line), for a
 *   client that pastes the original with no marker at all: reading stops.
 * Signatures (`-- `, a dash rule, "Sent from my iPhone" and its translations) end the reply.
 *
 * No rule here ever drops a line that is itself a command: attribution and header rules
 * only match lines with addresses, colons or "wrote", which no command has.
 */
import { QUOTE_SENTINEL } from '../digest/render-digest.ts';
import { parseCommandLine } from './parse-commands.ts';

/** What src/replies/html-reply-text.ts writes where an HTML quote container began. */
export const HTML_QUOTE_MARK = '\u2063rekindle-quote\u2063';

const SENTINEL = new RegExp(`^${escapeRegExp(QUOTE_SENTINEL.replace(' ·', ''))}\\s*[·•|:-]\\s`, 'i');

/** Lines after which nothing is the person's: separators, forwards, signature delimiters. */
const STOP = [
  /^_{2,}$/, // Outlook's rule above the header block; a mailing list's footer rule
  /^--\s*$/, // signature delimiter ("-- ", often stripped to "--")
  /^[—–]+\s*$/, // a dash rule some clients and people put above a signature
  // "-----Original Message-----", "---------- Forwarded message ---------", "-------- Message d'origine --------", "---- On … wrote ----"
  /^[-_=]{2,}\s*\S.*\p{L}.*\S\s*[-_=]{2,}$/u,
  /^(begin forwarded message|début du message réexpédié|anfang der weitergeleiteten nachricht|inicio del mensaje reenviado|inizio messaggio inoltrato|begin doorgestuurd bericht)\s*:?$/i,
  /^(original message|forwarded message|ursprüngliche nachricht|weitergeleitete nachricht|message d'origine|message transféré|mensaje original|mensaje reenviado|messaggio originale|oorspronkelijk bericht|oprindelig meddelelse|oprindelig besked|opprinnelig melding|ursprungligt meddelande|alkuperäinen viesti|wiadomość oryginalna|исходное сообщение)\s*:?\s*$/i,
];

/**
 * A client's signature line: "Sent from my iPhone", "Get Outlook for iOS", "Envoyé de mon
 * iPhone", "Von meinem iPhone gesendet"… Short and whole-line only, so a sentence that
 * starts with "Sent from my desk, …" is not one.
 */
const SIGNATURE = [
  /^(sent|envoyé|envoye|enviado|inviato|verzonden|verstuurd|gesendet|skickat|sendt|lähetetty|wysłane|отправлено|odesláno|gönderildi)\s+(from|with|via|using|de|depuis|à partir de|desde|do|da|dal|met|vanaf|van|von|mit|från|fra|z|с|z mého|mobil)\b[^,;!?]{0,48}$/i,
  /^(sent|envoyé|enviado|inviato)\s+(from|de|desde|da)\s+(outlook|mail|yahoo|gmail|aol|proton|samsung)\b.{0,60}$/i,
  /^get (outlook|the outlook app|\[outlook)\b.{0,80}$/i,
  /^von meinem .{1,40} gesendet\.?$/i,
  /^from my (iphone|ipad|android|mobile|phone|blackberry|galaxy|samsung|pixel)\b.{0,20}$/i,
  /^(diese nachricht wurde von meinem|this message was sent from my)\b.{0,80}$/i,
  /^(gesendet von|envoyé à partir de|enviado desde|inviato da)\s+(outlook|mail|yahoo|gmail|aol|proton|samsung|iphone|ipad|android)\b.{0,60}$/i,
  /^\(?sent from (a|my) (phone|mobile|mobile device|iphone|ipad|android)\)?\.?$/i,
  /^從我的 ?iphone ?傳送$|^从我的 ?iphone ?发送$|^iphoneから送信$|^iphone에서 보냄$/i,
  /^<<sent by .{1,30}>>$/i,
];

/** Header names of a quoted message's header block, in the big clients' languages. */
const HEADER_FROM = '(?:from|von|de|da|van|från|fra|od|от|від|kimden|feladó|lähettäjä|发件人|寄件者|差出人|보낸 사람|message du)';
const HEADER_OTHER =
  "(?:sent|date|to|cc|subject|reply-to|gesendet|datum|an|betreff|envoyé|envoyé le|date d'envoi|à|a|objet|copie à|cc ?:|enviado|enviado el|enviada em|fecha|para|asunto|assunto|inviato|oggetto|verzonden|aan|onderwerp|skickat|till|ämne|sendt|til|emne|dato|lähetetty|vastaanottaja|aihe|wysłano|do|temat|data|отправлено|кому|тема|дата|надіслано|gönderildi|kime|konu|elküldve|címzett|tárgy|发送时间|收件人|主题|日期|送信日時|宛先|件名|日付|보낸 날짜|받는 사람|제목|sujet)";
const HEADER_LINE = (names: string) => new RegExp(`^[*\\s]*${names}[*\\s]*[:：][*\\s]*(\\S|$)`, 'iu');
const FROM_LINE = HEADER_LINE(HEADER_FROM);
const OTHER_LINE = HEADER_LINE(HEADER_OTHER);

/** "On … wrote", "Am … schrieb", "Le … a écrit", "El … escribió", "Op … schreef", "W dniu … napisał" … */
const ATTRIBUTION_VERB =
  /(wrote|writes|said|schrieb|a écrit|escribió|escreveu|scrisse|ha scritto|skrev|schreef|napisał|napisał\(a\)|написал|написал\(а\)|написала|написав|kirjoitti|írta|yazdı|napsal|写道|寫道|のメッセージ|さんは書きました|님이 작성)\s*[:：]?\s*(-{2,})?\s*$/iu;
const ATTRIBUTION_START =
  /^(on|am|le|el|il|op|den|dne|w dniu|dnia|em|in data|el día|le \d|\d|пт|пн|вт|ср|чт|сб|вс|ma|ti|to|fr|lø|sø|må|on|ke|pe|la|su)\b/i;
const EMAIL = /[^\s<>()"'@,;]+@[a-z0-9-]+(\.[a-z0-9-]+)*/i;
/** A year, a numeric date or time, or a month's name: what every attribution's date has. */
const DATE_LIKE = /\b(19|20)\d{2}\b|\d{1,4}[-/.:]\d{1,2}|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/i;
/** Gmail's older attribution, sometimes cut before the address: "2016-03-03 17:21 GMT+01:00 Some One". */
const GMAIL_DATED = /^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\.?\s+\d{1,2}[:.]\d{2}\s+GMT[+-]\d{1,2}:?\d{2}\b/i;
/** A quoted line: `>` (any depth), `|` (older clients), or supercite's `Name>`. */
const QUOTED = /^(>|\||[\p{L}]{1,12}>)/u;

export function stripQuoted(text: string): string[] {
  const lines = text
    .replace(/\r\n?/g, '\n')
    // biome-ignore lint/suspicious/noMisleadingCharacterClass: each invisible character is removed on its own, joiner included
    .replace(/[\u200b\u200c\u200d\u2060\ufeff]/g, '')
    .split('\n')
    .map((line) => line.replace(/\u00a0/g, ' ').trim());
  const own: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    if (QUOTED.test(line)) continue;
    // A line between two quoted lines that is no command is quoted text a client wrapped.
    if (i > 0 && QUOTED.test(lines[i - 1]!) && QUOTED.test(lines[i + 1] ?? '') && parseCommandLine(line) === null) continue;
    if (line === HTML_QUOTE_MARK) break;
    if (SENTINEL.test(line)) break;
    const bare = line.replace(/^\*+|\*+$/g, '').trim();
    if (STOP.some((re) => re.test(bare))) break;
    // Mobile clients link their name: "Sent from TypeApp<http://…>", "Get [Outlook for Android](https://…)".
    const unlinked = line
      .replace(/<https?:[^>\s]*>|\((https?:[^)\s]*)\)/g, '')
      .replace(/\[([^\]]*)\]/g, '$1')
      .trim();
    if (SIGNATURE.some((re) => re.test(unlinked))) break;
    if (headerBlockAt(lines, i)) break;
    // Rules and decorations ("-----", "====", "***") say nothing: not the person's words to report.
    if (!/[\p{L}\p{N}]/u.test(line)) continue;
    const attribution = attributionAt(lines, i);
    if (attribution > 0) {
      // Followed by a `>` quote: drop it and read on (inline and bottom answers). Followed by
      // anything else, the old message follows without prefixes: stop.
      const next = nextNonBlank(lines, i + attribution);
      if (next === undefined || !QUOTED.test(next)) break;
      i += attribution - 1;
      continue;
    }
    own.push(line);
  }
  return own;
}

/** A quoted header block starts at `lines[i]`: a From line and another header line within the next few. */
function headerBlockAt(lines: string[], i: number): boolean {
  if (!FROM_LINE.test(lines[i]!) && !OTHER_LINE.test(lines[i]!)) return false;
  let headers = 0;
  let from = false;
  let seen = 0;
  for (let j = i; j < lines.length && seen < 6; j++) {
    const line = lines[j]!;
    if (line === '') continue;
    seen++;
    if (FROM_LINE.test(line)) {
      from = true;
      headers++;
    } else if (OTHER_LINE.test(line)) headers++;
  }
  return from && headers >= 2 && parseCommandLine(lines[i]!) === null;
}

/**
 * How many lines (1–3, consecutive, none blank, none a command) form an attribution starting
 * at `lines[i]`; 0 when there is none. An attribution names the old message's writer: its
 * words ("On … wrote:"), or an address and a closing colon ("2017-11-24 16:32 GMT+01:00 Baptiste <b@x>:").
 */
function attributionAt(lines: string[], i: number): number {
  const size = attributionFrom(lines, i);
  // "Thanks!" right above "On … wrote:" is the person's, not the attribution's first line.
  const line = lines[i]!;
  const opening = ATTRIBUTION_START.test(line) || DATE_LIKE.test(line) || EMAIL.test(line);
  if (size > 1 && !opening && attributionFrom(lines, i + 1) === size - 1) return 0;
  return size;
}

function attributionFrom(lines: string[], i: number): number {
  let joined = '';
  for (let size = 1; size <= 3 && i + size - 1 < lines.length; size++) {
    const line = lines[i + size - 1]!;
    if (line === '' || parseCommandLine(line) !== null) return 0;
    // A `>` or `>:` right after an address line is the end of an attribution a client wrapped.
    if (QUOTED.test(line)) return size > 1 && /^>\s*[:：]?\s*$/.test(line) && EMAIL.test(joined) ? size - 1 : 0;
    joined = size === 1 ? line : `${joined} ${line}`;
    if (isAttribution(joined)) return size;
    const quoteNext = QUOTED.test(nextNonBlank(lines, i + size) ?? '');
    // A line with an address right above a quote is one, however it ends (some are cut short);
    // so is a line ending in a colon ("Sam wrote:", "… пользователь lidel написал:").
    if (quoteNext && (EMAIL.test(joined) || /[:：]$/.test(joined))) return size;
    if (joined.length > 400) return 0;
  }
  return 0;
}

function isAttribution(text: string): boolean {
  if (GMAIL_DATED.test(text)) return true;
  const hasEmail = EMAIL.test(text);
  if (hasEmail && (ATTRIBUTION_VERB.test(text) || /[:：]\s*$/.test(text))) return true;
  // Without an address: the clients' opening words, a date, and the verb at the end.
  return ATTRIBUTION_START.test(text) && ATTRIBUTION_VERB.test(text) && DATE_LIKE.test(text);
}

function nextNonBlank(lines: string[], start: number): string | undefined {
  for (let j = start; j < lines.length; j++) if (lines[j] !== '') return lines[j];
  return undefined;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
