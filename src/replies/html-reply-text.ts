/**
 * An HTML-only reply as text the stripper can read. Blockquotes become `>` lines (Gmail,
 * Apple Mail, Thunderbird, Proton quote in blockquotes), so inline answers between them still
 * count. Where a client puts the old message in a container of its own with no blockquote
 * (Outlook on the web and new Outlook, Yahoo, Thunderbird's forward), a marker line takes its
 * place and reading stops there. Links lose their addresses, images and styles vanish, and
 * nothing is wrapped (a wrapped line could split a command).
 */
import { convert, type FormatCallback } from 'html-to-text';
import { HTML_QUOTE_MARK } from './strip-quoted.ts';

/** Replies are short; HTML bigger than this, or with more tags, is not read (its text stays empty). */
const MAX_HTML_CHARS = 1_000_000;
const MAX_TAGS = 40_000;

/** Containers that hold the old message (and everything after them is old too). */
const QUOTE_CONTAINERS = [
  '#appendonsend',
  '#divRplyFwdMsg',
  '#x_divRplyFwdMsg',
  '#mail-editor-reference-message-container',
  '.OutlookMessageHeader',
  '.yahoo_quoted',
  '.moz-forward-container',
  '.zmail_extra',
  '#isForwardContent',
];

const quoteMark: FormatCallback = (_elem, _walk, builder) => {
  builder.openBlock({ leadingLineBreaks: 1 });
  builder.addLiteral(HTML_QUOTE_MARK);
  builder.closeBlock({ trailingLineBreaks: 1 });
};

export function htmlReplyText(html: string): string {
  if (html.length > MAX_HTML_CHARS) return '';
  let tags = 0;
  for (let i = html.indexOf('<'); i !== -1 && tags <= MAX_TAGS; i = html.indexOf('<', i + 1)) tags++;
  if (tags > MAX_TAGS) return '';
  return convert(html, {
    wordwrap: false,
    limits: { maxDepth: 500, maxChildNodes: 10_000 },
    formatters: { quoteMark },
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'head', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'hr', format: 'skip' },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
      { selector: 'h4', options: { uppercase: false } },
      { selector: 'h5', options: { uppercase: false } },
      { selector: 'h6', options: { uppercase: false } },
      // Mail is laid out in tables: read them as blocks (a data table would wrap its cells).
      ...['table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th'].map((selector) => ({ selector, format: 'block' })),
      { selector: 'blockquote', options: { trimEmptyLines: true, leadingLineBreaks: 1, trailingLineBreaks: 1 } },
      ...QUOTE_CONTAINERS.map((selector) => ({ selector, format: 'quoteMark' })),
    ],
  });
}
