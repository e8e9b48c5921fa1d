/**
 * Replies as each client writes them, around a real digest (rendered here, with names and
 * subjects chosen to look like commands): HTML-only replies from Gmail, Apple Mail, Outlook on
 * the web and new Outlook, Yahoo, Thunderbird and Proton, and plain-text ones from Outlook in
 * other languages (header blocks with no angle brackets), iOS and Android, Samsung Email and
 * Yahoo. Each reads as exactly what the person wrote above (or between) the quoted digest.
 */
import { describe, expect, it } from 'vitest';
import { composeMail } from '../../src/mailer/create-mailer.ts';
import { renderDigest, type DigestEntry } from '../../src/digest/render-digest.ts';
import { htmlReplyText } from '../../src/replies/html-reply-text.ts';
import { readCommands, readInbound } from '../../src/replies/read-reply.ts';

const asOf = new Date('2025-06-02T06:00:00Z');
const entries: DigestEntry[] = [
  { name: 'Done Never', subject: 'never 1 2 3' },
  { name: 'Ada Byron', subject: 'done 1' },
  { name: null, subject: 'snooze 2 1m' },
].map((e, i) => ({
  position: i + 1,
  contact: `p${i}@example.com`,
  email: `p${i}@example.com`,
  name: e.name,
  reason: 'You last talked 4 months ago; you used to talk every 3 weeks.',
  lastContactAt: new Date(asOf.getTime() - (120 + i) * 86_400_000),
  cadenceDays: 21,
  lastSubject: e.subject,
}));
const digest = renderDigest({
  weekOf: '2025-06-02',
  asOf,
  entries,
  recipientName: 'Sam Rivera',
  schedule: { day: 1, hour: 8, timezone: 'Europe/Berlin' },
  unsubscribeUrl: 'https://rekindle.example/digest/unsubscribe/t',
  actionUrl: (position, verb) => `https://rekindle.example/d/token${position}${verb ? `?do=${verb}` : ''}`,
});
const body = digest.html.replace(/^[\s\S]*<body[^>]*>|<\/body>[\s\S]*$/g, '');
const quotedText = digest.text
  .trimEnd()
  .split('\n')
  .map((l) => (l ? `> ${l}` : '>'))
  .join('\n');
const expected = [
  { verb: 'done', items: [1] },
  { verb: 'snooze', items: [2], duration: '2w' },
];

/** An HTML-only reply (no text part at all), or a plain-text one. */
const read = async (parts: { text?: string; html?: string }) =>
  readInbound(
    parts.html
      ? htmlOnlyMessage(parts.html)
      : await composeMail({
          from: 'Sam <sam@example.com>',
          to: 'reply+t0ken@localhost',
          subject: 'Re: Reconnect this week',
          messageId: '<x@y>',
          text: parts.text ?? '',
        }),
  );

function htmlOnlyMessage(html: string): Buffer {
  return Buffer.from(
    [
      'From: Sam <sam@example.com>',
      'To: reply+t0ken@localhost',
      'Subject: Re: Reconnect this week',
      'Message-ID: <x@y>',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      html,
      '',
    ].join('\r\n'),
  );
}

describe('HTML-only replies', () => {
  it.each([
    [
      'Gmail',
      `<div dir="ltr">done 1<div>snooze 2 2w</div></div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Mon, Jun 2, 2025 at 8:00 AM rekindle &lt;<a href="mailto:digest@rekindle.example">digest@rekindle.example</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">${body}</blockquote></div>`,
    ],
    [
      'Apple Mail',
      `<html><body style="overflow-wrap: break-word;"><div>done 1</div><div>snooze 2 2w</div><div><br><blockquote type="cite"><div>On 2 Jun 2025, at 08:00, rekindle &lt;digest@rekindle.example&gt; wrote:</div><br class="Apple-interchange-newline">${body}</blockquote></div><br></body></html>`,
    ],
    [
      'Outlook on the web',
      `<html><body><div class="elementToProof">done 1<br>snooze 2 2w</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><b>From:</b> rekindle &lt;digest@rekindle.example&gt;<br><b>Sent:</b> Monday, June 2, 2025 8:00 AM<br><b>To:</b> Sam Rivera<br><b>Subject:</b> Reconnect this week</div><div>${body}</div></body></html>`,
    ],
    [
      'new Outlook and Outlook for Mac',
      `<div>done 1</div><div>snooze 2 2w</div><div id="mail-editor-reference-message-container"><hr><b>Von: </b>rekindle<br><b>Datum: </b>Montag, 2. Juni 2025 um 08:00<br><b>An: </b>Sam Rivera<br><b>Betreff: </b>Reconnect this week<br>${body}</div>`,
    ],
    [
      'Yahoo',
      `<html><body><div class="ydp1 yahoo-style-wrap"><div>done 1</div><div>snooze 2 2w</div></div><div id="yahoo_quoted_123" class="yahoo_quoted"><div style="font-family:Helvetica"><div>On Monday, June 2, 2025, 08:00:00 AM GMT+2, rekindle &lt;digest@rekindle.example&gt; wrote:</div><div><br></div>${body}</div></div></body></html>`,
    ],
    [
      'Proton',
      `<div>done 1</div><div>snooze 2 2w</div><div class="protonmail_quote">On Monday, June 2nd, 2025 at 08:00, rekindle &lt;digest@rekindle.example&gt; wrote:<br><blockquote class="protonmail_quote" type="cite">${body}</blockquote></div>`,
    ],
    [
      'Thunderbird, answering between the quoted lines',
      `<p>done 1</p><div class="moz-cite-prefix">On 02/06/2025 08:00, rekindle wrote:<br></div><blockquote type="cite" cite="mid:rk.1@rekindle.example"><p>1. Done Never &lt;p0@example.com&gt;</p></blockquote><p>snooze 2 2w</p><blockquote type="cite">${body}</blockquote>`,
    ],
    ['a digest pasted back with no quote at all', `<div>done 1<br>snooze 2 2w</div><div>${body}</div>`],
  ])('%s', async (_client, html) => {
    const mail = await read({ html });
    expect(mail.fromHtml).toBe(true);
    expect(readCommands(mail).commands).toEqual(expected);
  });

  it('gives no command at all when the person wrote none above the quoted digest', async () => {
    for (const html of [`<div class="gmail_quote"><blockquote>${body}</blockquote></div>`, body, `<div id="appendonsend"></div>${body}`]) {
      expect(readCommands(await read({ html })).commands).toEqual([]);
    }
  });

  it('reads nothing out of oversized or absurdly nested HTML', () => {
    expect(htmlReplyText(`<p>done 1</p>${'<b>'.repeat(50_000)}`)).toBe('');
    expect(htmlReplyText(`done 1${' '.repeat(1_100_000)}`)).toBe('');
  });
});

describe('plain-text replies', () => {
  it.each([
    [
      'Outlook in German, no angle brackets',
      `done 1\r\nsnooze 2 2w\r\n\r\n________________________________\r\nVon: rekindle\r\nGesendet: Montag, 2. Juni 2025 08:00\r\nAn: Sam Rivera\r\nBetreff: Reconnect this week\r\n\r\n${digest.text}`,
    ],
    [
      'Outlook in French',
      `done 1\nsnooze 2 2w\n\nDe : rekindle <digest@rekindle.example>\nEnvoyé : lundi 2 juin 2025 08:00\nÀ : Sam Rivera\nObjet : Reconnect this week\n\n${digest.text}`,
    ],
    [
      'Outlook in Spanish',
      `done 1\nsnooze 2 2w\n\nDe: rekindle\nEnviado el: lunes, 2 de junio de 2025 8:00\nPara: Sam Rivera\nAsunto: Reconnect this week\n\n${digest.text}`,
    ],
    [
      'Outlook in Dutch, starred',
      `done 1\nsnooze 2 2w\n\n*Van:* rekindle\n*Verzonden:* maandag 2 juni 2025 08:00\n*Aan:* Sam Rivera\n*Onderwerp:* Reconnect this week\n\n${digest.text}`,
    ],
    [
      'iPhone Mail',
      `done 1\nsnooze 2 2w\n\nSent from my iPhone\n\n> On 2 Jun 2025, at 08:00, rekindle <digest@rekindle.example> wrote:\n> \n${quotedText}`,
    ],
    ['Gmail for Android', `done 1\nsnooze 2 2w\n\nOn Mon, 2 Jun 2025, 08:00 rekindle, <digest@rekindle.example> wrote:\n\n${quotedText}`],
    [
      'Samsung Email',
      `done 1\nsnooze 2 2w\n\n\nSent from my Galaxy\n\n\n-------- Original message --------\nFrom: rekindle <digest@rekindle.example>\nDate: 02/06/2025 08:00 (GMT+01:00)\nTo: Sam Rivera <sam@example.com>\nSubject: Reconnect this week\n\n${digest.text}`,
    ],
    [
      'Outlook for Android',
      `done 1\nsnooze 2 2w\n\nGet Outlook for Android<https://aka.ms/AAb9ysg>\n________________________________\nFrom: rekindle <digest@rekindle.example>\nSent: Monday, June 2, 2025 8:00:00 AM\n\n${digest.text}`,
    ],
    [
      'Yahoo, quoted without marks',
      `done 1\nsnooze 2 2w\n\n\n   On Monday, June 2, 2025, 08:00:00 AM GMT+2, rekindle <digest@rekindle.example> wrote:\n\n${digest.text}`,
    ],
    ['Thunderbird, bottom-posted', `On 02/06/2025 08:00, rekindle wrote:\n${quotedText}\n\ndone 1\nsnooze 2 2w\n`],
    [
      'an inline answer under each quoted entry',
      `${quotedText.split('\n').slice(0, 5).join('\n')}\ndone 1\n> 2. Ada Byron <p1@example.com>\nsnooze 2 2w\n${quotedText.split('\n').slice(9).join('\n')}`,
    ],
  ])('%s', async (_client, text) => {
    expect(readCommands(await read({ text })).commands).toEqual(expected);
  });
});
