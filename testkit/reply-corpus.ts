/**
 * The reply-stripping fixtures of ../shared/corpora/reply-fixtures, read in place, each split
 * into what its writer typed and what their client added (the quote, the attribution or
 * header block above it, a signature, a list footer).
 *
 * discourse/email_reply_trimmer ships its own split (`test/trimmed` and `test/elided`);
 * github/email_reply_parser and crisp-oss/email-reply-parser ship inputs only, so where their
 * client part begins is written down here, line by line, by reading each fixture: `inline`
 * marks answers written between quoted lines, `none` a message with nothing a client added.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { corpus } from './corpora.ts';

export type ReplyStyle = 'quote' | 'inline' | 'none';

export interface ReplyFixture {
  source: 'discourse' | 'github' | 'crisp';
  name: string;
  style: ReplyStyle;
  /** The whole fixture, lines as written (line endings normalized). */
  lines: string[];
  /** `quote`: index of the first line the client added. */
  clientStart: number;
}

type Split = string | 'inline' | 'none';

/** The first line (trimmed) of each fixture's client part. */
const GITHUB: Record<string, Split> = {
  'correct_sig.txt': '--',
  'email_1_1.txt': '_______________________________________________',
  'email_1_2.txt': 'inline',
  'email_1_3.txt': 'On 01/03/11 7:07 PM, Russell Brown wrote:',
  'email_1_4.txt': 'On Aug 22, 2011, at 7:37 PM, defunkt<reply@reply.github.com> wrote:',
  'email_1_5.txt': 'none',
  'email_1_6.txt': 'Sent from a magnificent torch of pixels',
  'email_1_7.txt': 'On Tue, Sep 25, 2012 at 8:59 AM, Chris Wanstrath',
  'email_1_8.txt': 'inline',
  'email_2_1.txt': '------------------------------',
  'email_2_2.txt': '________________________________________',
  'email_2_3.txt': 'From: CRM Comments [crm-comment@example.com]',
  'email_BlackBerry.txt': 'Sent from my BlackBerry',
  'email_bullets.txt': 'On Fri, Feb 24, 2012 at 10:19 AM, <examples@email.goalengine.com> wrote:',
  'email_iPhone.txt': 'Sent from my iPhone',
  'email_long_quote.txt': '_______________________________________________',
  'email_multi_word_sent_from_my_mobile_device.txt': 'Sent from my Verizon Wireless BlackBerry',
  'email_one_is_not_on.txt': 'On Oct 1, 2012, at 11:55 PM, Dave Tapley wrote:',
  'email_sent_from_my_not_signature.txt': 'none',
  'email_sig_delimiter_in_middle_of_line.txt': 'none',
  'greedy_on.txt': 'On 9 Jan 2014, at 2:47, George Plymale wrote:',
  'pathological.txt': 'On Dec 8, 2013 2:10 PM, "John Sullivan" <notifications@github.com> wrote:',
};

const CRISP: Record<string, Split> = {
  'correct_sig.txt': '--',
  'email_1.txt': '__',
  'email_10.txt': 'De : Company Questions<mailto:questions@company.com>',
  'email_11.txt': 'De : Company Questions<mailto:questions@company.com>',
  'email_12.txt': 'Van: Company Questions [mailto:questions@company.com]',
  'email_13.txt': 'Da: Company Questions<mailto:questions@company.com>',
  'email_14.txt': 'W dniu 2017-01-09 11:59:39 użytkownik Company Questions <questions@company.com> napisał:',
  'email_15.txt': 'Sent from my Wiko RIDGE FAB 4G',
  'email_16.txt': 'Dnia 27 grudnia 2016 12:08 Company Questions <questions@company.com> napisał(a):',
  'email_17.txt': 'W dniu 2017-01-09 11:59:39 użytkownik Company Questions <questions@company.com> napisał:',
  'email_18.txt': 'From: John Jung <john@hellolucy.io>',
  'email_19.txt': 'Sent from a magnificent torch of pixels',
  'email_2.txt': 'inline',
  'email_20.txt': '> On May 17, 2017, at 01:42 PM, John Doe <doe@example.com> wrote:',
  'email_21.txt': 'none',
  'email_22.txt': '30.09.2017, 18.30, "John - Doe" <s.rewrre34r34reere.i@saas.com>:',
  'email_23.txt': '2017-11-24 16:32 GMT+01:00 Baptiste - Crisp <s.rgrefecerg.i@mail.support.crisp.chat>:',
  'email_24.txt': 'On Wed, 14 Nov 2018 08:14:43 -0200 John Doe <john@doe.com> wrote',
  'email_25.txt': '11:00 AM, November 17, 2021, "John - Acme" <john@mail.acme.com>:',
  'email_26.txt': 'Wednesday, 17 November 2021, 3:32 PM +0300 from john@mail.acme.com <john@mail.acme.com>:',
  'email_2_1.txt': '------------------------------',
  'email_3.txt': 'On 01/03/11 7:07 PM, Russell Brown wrote:',
  'email_4.txt': 'On Aug 22, 2011, at 7:37 PM, defunkt<reply@reply.github.com> wrote:',
  'email_5.txt': 'none',
  'email_6.txt': 'Sent a magnificent torch of pixels',
  'email_7.txt': 'Il giovedì 8 dicembre 2016, Company Questions <questions@mycompany.com>',
  'email_8.txt': 'Op 12 december 2016 19:05 schreef Company Questions <',
  'email_9.txt': '====',
  'email_blackberry.txt': 'Sent from my BlackBerry',
  'email_bullets.txt': 'On Fri, Feb 24, 2012 at 10:19 AM, <examples@email.goalengine.com> wrote:',
  'email_custom_quote_header.txt': '2013.02.08. 7:31 keltezéssel, "Gyõrvári Eszter" írta:',
  'email_customer_quote_header_2.txt': 'From: somedude [mailto:test@webdomain.com]',
  'email_customer_quote_header_3.txt': 'De : Someone Somewhere <someone@yahoo.fr>',
  'email_danish_dash_separator.txt': '-------- Oprindelig besked --------',
  'email_emoji.txt': '—',
  'email_en_multiline_2.txt': 'On Tue, 16 Nov 2021, 12:34 pm John - Acme <john@acme.supportcorp.com>',
  'email_finnish.txt': 'pe 20. lokakuuta 2017 klo 17.50 John Coe',
  'email_fr_multiline.txt': 'Le lun. 15 nov. 2021 à 19:42, John - Acme <john@acme.supportcorp.com>',
  'email_french_2.txt': '> Le 29 avr. 2025 à 11:11, Chris - Crisp <chris@mail.support.crisp.chat> a écrit :',
  'email_french_dash_separator.txt': "-------- Message d'origine --------",
  'email_german.txt': 'Am 13.12.2017 21:11 schrieb "John Doe - Stripe <s.test.i@mail.stripe.com>:',
  'email_german_2.txt': 'Von: John Doe <service@example.de>',
  'email_german_3.txt': 'Gesendet von Outlook für Android<https://aka.ms/AAb9ysg>',
  'email_german_outlook.txt': '-----Ursprüngliche Nachricht-----',
  'email_gmail_split_line_from.txt': 'On Mon, Aug 26, 2019 at 4:37 PM The Hiring Engine <',
  'email_ios_outlook.txt': 'Get Outlook for iOS<https://aka.ms/o0ukef>',
  'email_ios_outlook_fr.txt': 'Envoyé à partir de Outlook pour iOS<https://aka.ms/o0ukef>',
  'email_iphone.txt': 'Sent from my iPhone',
  'email_italian.txt': 'In data 11 ottobre 2017 21:11:31 "John Doe - Stripe" <s.test.i@mail.stripe.com> ha scritto:',
  'email_msn.txt': '________________________________',
  'email_multi_word_sent_from_my_mobile_device.txt': 'Sent from my Verizon Wireless BlackBerry',
  'email_norwegian_gmail.txt': 'tir. 18. apr. 2017 kl. 13:09 skrev Test user <test@example.com',
  'email_not_a_signature.txt': 'none',
  'email_not_a_signature_2.txt': 'none',
  'email_one_is_not_on.txt': 'On Oct 1, 2012, at 11:55 PM, Dave Tapley wrote:',
  'email_original_message.txt': '-----original message-----',
  'email_original_message_2.txt': '----- Original Message -----',
  'email_outlook_split_line_from.txt': 'From: Human Resources',
  'email_portuguese.txt': 'Em 10 de julho de 2017 às 16:32:35, John Doe - Stripe (',
  'email_reply_header.txt': 'On Wed, Dec 9, Mister Example',
  'email_russian.txt': 'ср, 30 апр. 2025 г. в 15:19, John Doe <doe@example.com>:',
  'email_sent_from.txt': 'Sent from TypeApp<http://www.typeapp.com/r?b=2621>',
  'email_sent_from_my_not_signature.txt': 'none',
  'email_thread.txt': 'On Nov 21, 2014,',
  'email_tricky_10_special_chars_in_name.txt': "On Dec 15, 2024, at 3:45 PM, O'Brien, Patrick (Patrick) <p.o'brien@example.com> wrote:",
  'email_tricky_11_double_signature.txt': '--',
  'email_tricky_12_no_space_after_header.txt': 'On Dec 15, 2024, at 3:00 PM, John Smith <john@example.com> wrote:',
  'email_tricky_13_timestamp_variations.txt': 'none',
  'email_tricky_14_long_quote_header.txt':
    'On Monday, December 15, 2024, at 3:45:32 PM EST, John William Smith Junior from Accounting Department <john.william.smith.jr@verylongdomainname.example.com> wrote:',
  'email_tricky_15_original_message_variations.txt': '-----Original Message-----',
  'email_tricky_16_unicode_signatures.txt': '—————',
  'email_tricky_17_forward_header.txt': '---------- Forwarded message ---------',
  'email_tricky_18_inline_reply.txt': 'inline',
  'email_tricky_19_quote_without_header.txt': 'inline',
  'email_tricky_1_on_false_positive.txt': 'none',
  'email_tricky_20_html_entities.txt': 'On Dec 15, 2024, John &quot;Johnny&quot; Smith &lt;john@example.com&gt; wrote:',
  'email_tricky_2_url_with_wrote.txt': 'none',
  'email_tricky_3_code_block.txt': 'none',
  'email_tricky_4_from_in_body.txt': 'none',
  'email_tricky_5_mixed_languages.txt': 'Le 15 janv. 2024 à 14:30, Pierre Dubois <pierre@example.fr> a écrit :',
  'email_tricky_6_regards_in_sentence.txt': 'none',
  'email_tricky_7_multiple_dashes.txt': 'none',
  'email_tricky_8_sent_from_in_content.txt': 'none',
  'email_tricky_9_nested_quotes.txt': 'On Dec 15, 2024, at 2:00 PM, Jane Doe <jane@example.com> wrote:',
  'email_unquoted_reply.txt': 'On Nov 26, 2013 you wrote:',
  // Placeholders of the library's own custom-header tests, not a client's writing.
  'email_with_date_headers.txt': 'none',
  'email_with_from_headers.txt': 'none',
  'email_with_regards.txt': 'none',
  'email_zoho.txt': '---- On Wed, 24 Feb 2021 14:02:50 +0530 john@gmail.com wrote ----',
  'sig_no_empty_line.txt': '--',
};

/** How clients prefix quoted lines: `>` (nested or spaced), `|`, supercite's `Name>`. */
const QUOTE_PREFIX = /^\s*((?:[>|]\s?)+|[\p{L}]{1,12}>\s?)/u;
const squash = (line: string) => line.replace(/\s+/g, ' ').trim();
const read = (file: string) => readFileSync(file, 'utf8').replace(/\r\n?/g, '\n').split('\n');

export function loadReplyFixtures(): ReplyFixture[] {
  const fixtures: ReplyFixture[] = [];
  const annotated = (source: 'github' | 'crisp', dir: string, table: Record<string, Split>) => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort();
    const unknown = files.filter((f) => !(f in table));
    if (unknown.length > 0) throw new Error(`${source}: fixtures without a split: ${unknown.join(', ')}`);
    for (const name of files) {
      const lines = read(path.join(dir, name));
      const split = table[name]!;
      if (split === 'inline' || split === 'none') {
        fixtures.push({ source, name, style: split, lines, clientStart: lines.length });
        continue;
      }
      const clientStart = lines.findIndex((line) => squash(line) === squash(split));
      if (clientStart === -1) throw new Error(`${source}/${name}: no line "${split}"`);
      fixtures.push({ source, name, style: 'quote', lines, clientStart });
    }
  };
  annotated('github', corpus('reply-fixtures/github-email_reply_parser/test/emails'), GITHUB);
  annotated('crisp', corpus('reply-fixtures/crisp-email-reply-parser/test/fixtures'), CRISP);

  // discourse: the writer's part is test/trimmed; the client part begins at the first line
  // after it (test/elided holds that part, normalized).
  const discourse = corpus('reply-fixtures/discourse-email_reply_trimmer/test');
  for (const name of readdirSync(path.join(discourse, 'emails')).sort()) {
    const lines = read(path.join(discourse, 'emails', name));
    // discourse keeps a forwarded message's body as the writer's words (to post it); to
    // rekindle a forward is never its sender's instructions, so all of it is client part.
    if (name === 'forwarded_message.txt') {
      fixtures.push({ source: 'discourse', name, style: 'quote', lines, clientStart: 0 });
      continue;
    }
    const elided = read(path.join(discourse, 'elided', name)).filter((l) => l.trim() !== '');
    if (elided.length === 0) {
      fixtures.push({ source: 'discourse', name, style: 'none', lines, clientStart: lines.length });
      continue;
    }
    const trimmed = read(path.join(discourse, 'trimmed', name)).filter((l) => l.trim() !== '');
    let at = 0;
    let clientStart = -1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      if (at < trimmed.length && line === trimmed[at]!.trim()) {
        at++;
        continue;
      }
      if (at === trimmed.length) {
        clientStart = i;
        break;
      }
    }
    // The writer's words run around what the client added (an attribution above them): inline.
    if (clientStart === -1) fixtures.push({ source: 'discourse', name, style: 'inline', lines, clientStart: lines.length });
    else fixtures.push({ source: 'discourse', name, style: 'quote', lines, clientStart });
  }
  return fixtures;
}

export interface BuiltReply {
  /** The reply's text: the known commands where the writer's words were, the client part kept. */
  text: string;
  /** The commands a correct reading finds, as lines. */
  expected: string[];
  /** The client part's own lines (trimmed, non-blank): none of them is the person's. */
  clientLines: string[];
}

/**
 * A reply as a person would write it on that client: `commands` above the client part (or,
 * with no client part, above and below their text; between quoted lines too when they answer
 * inline). With `hostile`, a line that *is* a command is planted inside the client part, in
 * its quoting style; a correct reading never sees it.
 */
export function buildReply(fixture: ReplyFixture, commands: string[], hostile?: string): BuiltReply {
  const { lines } = fixture;
  if (fixture.style === 'none' || (fixture.style === 'inline' && !lines.some((l) => l.trim().startsWith('>')))) {
    return { text: [...commands, '', ...lines, '', ...commands].join('\n'), expected: [...commands, ...commands], clientLines: [] };
  }
  if (fixture.style === 'inline') {
    // Top, and after the first quoted block: where a person answers the first question.
    const firstQuote = lines.findIndex((l) => l.trim().startsWith('>'));
    let end = firstQuote;
    while (end < lines.length && (lines[end]!.trim().startsWith('>') || lines[end]!.trim() === '')) end++;
    const quoted = hostile ? [...lines.slice(0, firstQuote + 1), `> ${hostile}`, ...lines.slice(firstQuote + 1, end)] : lines.slice(0, end);
    return {
      text: [...commands, '', ...quoted, ...commands, '', ...lines.slice(end)].join('\n'),
      expected: [...commands, ...commands],
      clientLines: [],
    };
  }
  const client = lines.slice(fixture.clientStart);
  let planted = client;
  if (hostile) {
    const lastQuoted = client.findLastIndex((l) => QUOTE_PREFIX.test(l));
    if (lastQuoted !== -1) {
      const prefix = QUOTE_PREFIX.exec(client[lastQuoted]!)![1]!.trimEnd();
      planted = [...client.slice(0, lastQuoted + 1), `${prefix} ${hostile}`, ...client.slice(lastQuoted + 1)];
    } else {
      const lastText = client.findLastIndex((l) => l.trim() !== '');
      planted = [...client.slice(0, lastText + 1), hostile, ...client.slice(lastText + 1)];
    }
  }
  return {
    text: [...commands, '', ...planted].join('\n'),
    expected: commands,
    clientLines: client.map((l) => l.trim()).filter((l) => l !== ''),
  };
}
