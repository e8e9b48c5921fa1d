/** The digest link's pages (GET and POST /d/:token): the person with their buttons, and what a click did. */
import type { LinkedItem } from '../../digest/find-digest.ts';
import type { MarkState } from '../../verdicts/journal.ts';
import { SNOOZES } from '../choices.ts';
import { esc, formatCalendarDay, formatDay } from '../html.ts';
import { displayName, type LinkClick, type LinkOutcome } from '../link-clicks.ts';

/** The person a link names, how they stand, and one button per action; `chosen` is the verb the mail's link preselected. */
export function actionPage(token: string, item: LinkedItem, mark: MarkState | null, acted: boolean, chosen: string | undefined): string {
  const post = (verb: string, label: string, extra = '', primary = false) =>
    `<form class="inline" method="post" action="/d/${esc(token)}"><input type="hidden" name="do" value="${verb}">${extra}<button type="submit" class="${primary ? '' : 'secondary'}">${esc(label)}</button></form>`;
  const state = !mark
    ? ''
    : mark.status === 'snoozed' && mark.until
      ? `<p class="notice">Now: snoozed until ${esc(formatDay(new Date(mark.until), item.timezone))}.</p>`
      : `<p class="notice">Now: ${mark.status === 'done' ? 'marked done' : 'never suggested'}.</p>`;
  const snoozes = Object.entries(SNOOZES)
    .map(([value, label]) =>
      post('snooze', `Snooze ${label}`, `<input type="hidden" name="for" value="${value}">`, chosen === 'snooze' && value === '1m'),
    )
    .join('\n');
  return `<h1>${esc(displayName(item))}</h1>
<p class="muted">${item.name ? `${esc(item.email)} · ` : ''}from your list for the week of ${esc(formatCalendarDay(item.weekOf))} · last in touch ${esc(formatDay(item.lastContactAt, item.timezone))}</p>
<p>${esc(item.reason)}</p>
${state}
<div class="card" id="actions">
<p>${post('done', 'I wrote to them — done', '', chosen === 'done')}</p>
<p>${snoozes}</p>
<p>${post('never', 'Never suggest them again', '', chosen === 'never')}</p>
${acted ? `<p>${post('undo', 'Undo what this link did')}</p>` : ''}
</div>
<p class="muted">Nothing changes until you press a button.</p>`;
}

/** What a click did, said of the person it names. */
export function linkResultPage(token: string, click: LinkClick, outcome: LinkOutcome): { title: string; body: string } {
  const who = esc(displayName(outcome.item));
  const again = `<p><a href="/d/${esc(token)}">Choose again</a></p>`;
  if (outcome.result === 'undone') return { title: 'Undone', body: `<h1>Undone</h1><p id="result">${who} is back as before.</p>${again}` };
  if (outcome.result === 'kept')
    return {
      title: 'Left as it is',
      body: `<h1>Left as it is</h1><p id="result">${who} was changed again since (by a reply or another link), so that change stays.</p>${again}`,
    };
  if (outcome.result === 'nothing-to-undo')
    return { title: 'Nothing to undo', body: `<h1>Nothing to undo</h1><p id="result">Nothing was done through this link.</p>` };
  const mark = 'mark' in outcome ? outcome.mark : null;
  const said =
    click.verb === 'done'
      ? `${who} is marked <strong>done</strong>: rekindle will not suggest them again until you are next in touch.`
      : click.verb === 'never'
        ? `rekindle will <strong>never</strong> suggest ${who} again.`
        : `${who} is <strong>snoozed</strong> until ${esc(formatDay(new Date(mark!.until!), outcome.item.timezone))}.`;
  const undo = `<form method="post" action="/d/${esc(token)}"><input type="hidden" name="do" value="undo"><button type="submit" class="secondary">Undo</button></form>`;
  return {
    title: 'Done',
    body: `<h1>${outcome.result === 'already' ? 'Already done' : 'Done'}</h1><p id="result">${said}</p>${undo}<p class="muted">Changed your mind later? Use this link again, or reply “undo” to the digest: it takes back your latest change, whether you made it by reply or by link.</p>`,
  };
}
