/**
 * The lines a person wrote in a reply, without what their client quoted or appended.
 *
 * Clients quote in three ways, and each is handled the way it is written:
 * - `>` prefixes (Gmail, Apple Mail, Thunderbird): prefixed lines and the attribution above
 *   them ("On … wrote:", possibly wrapped over two lines) are dropped, and reading goes on,
 *   so commands written below the quote (bottom-posting) still count;
 * - a header block with no prefixes (Outlook: a rule, then From:/Sent:/To:/Subject:, or
 *   "-----Original Message-----"), and forwards: everything from there on is the old
 *   message, so reading stops;
 * - the quoted rekindle mail itself, recognised by its first line (the quote sentinel), for
 *   clients that paste the original without any marker: reading stops.
 * Signatures (`-- `) and "Sent from my …" lines end the reply as well.
 */
import { QUOTE_SENTINEL } from '../digest/render-digest.ts';

const SENTINEL = new RegExp(`^\\s*${escapeRegExp(QUOTE_SENTINEL.replace(' ·', ''))}\\s*[·•|:-]\\s`, 'i');
const ATTRIBUTION_END = /(wrote|writes|schrieb|a écrit|escribió|scrisse|skrev|schreef|napisał|написал\(а\)|написал):?\s*$/i;
const ATTRIBUTION_START = /^(on|am|le|el|il|op|den|w dniu|em)\s/i;
const STOP = [
  /^_{10,}\s*$/, // Outlook's rule above the header block
  /^-{10,}\s*$/,
  /^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale)\s*-{2,}\s*$/i,
  /^-{2,}\s*forwarded message\s*-{2,}\s*$/i,
  /^begin forwarded message:?\s*$/i,
  /^-- ?$/, // signature delimiter
  /^sent from my\s/i,
  /^sent from (outlook|mail for windows|yahoo mail)/i,
  /^get outlook for\s/i,
];
const HEADER_FROM = /^\s*\*?(from|von|de|da|van|från|fra|od)\s*:\*?\s+\S/i;
const HEADER_NEXT = /^\s*\*?(sent|date|to|subject|gesendet|datum|an|betreff|envoyé|objet|enviado|fecha|para|asunto|inviato|oggetto|cc)\s*:\*?\s/i;

export function stripQuoted(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const own: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (SENTINEL.test(trimmed)) break;
    if (STOP.some((re) => re.test(trimmed))) break;
    if (HEADER_FROM.test(trimmed) && lines.slice(i + 1, i + 4).some((next) => HEADER_NEXT.test(next))) break;
    if (trimmed.startsWith('>')) continue;
    // "On Mon, 2 Jun 2025 at 08:00, rekindle <…> wrote:" — on one line or wrapped onto the
    // next ("…<rekindle@x\n>:" in some languages); recognised by its words, or by the quote
    // that follows it.
    const next = lines[i + 1]?.trim() ?? '';
    if (ATTRIBUTION_START.test(trimmed) && ATTRIBUTION_END.test(trimmed)) continue;
    if (ATTRIBUTION_START.test(trimmed) && ATTRIBUTION_END.test(next)) {
      i++;
      continue;
    }
    if ((trimmed.endsWith(':') || /^>\s*:?$/.test(next)) && quoteFollows(lines, i + 1)) continue;
    own.push(trimmed);
  }
  return own;
}

/** The next non-blank line, from `start` on, is a `>` quote. */
function quoteFollows(lines: string[], start: number): boolean {
  for (let j = start; j < lines.length && j < start + 3; j++) {
    const line = lines[j]!.trim();
    if (line === '') continue;
    return line.startsWith('>');
  }
  return false;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
