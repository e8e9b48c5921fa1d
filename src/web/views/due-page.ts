/**
 * The "who is due" page (GET /due): the coming lists' likely people and everyone the user told
 * rekindle something about, each with their rhythm, facts, buttons and the undo of the newest
 * change about them; above them, what the last button did.
 */
import type { ContactMark } from '../../contacts/select-reconnects.ts';
import { humanDuration, SUGGESTION_REST_DAYS } from '../../contacts/select-reconnects.ts';
import type { JournalEntry } from '../../verdicts/journal.ts';
import { RHYTHMS, SNOOZES } from '../choices.ts';
import type { DuePerson, DueView } from '../due-view.ts';
import { esc, formatDay } from '../html.ts';
import { rhythmSparkline } from '../rhythm-sparkline.ts';
import { describeChange, SAID } from './journal-changes.ts';

export interface DuePageData {
  view: DueView;
  timezone: string;
  budget: number;
  /** Whether the weekly list is paused or unsubscribed. */
  off: boolean;
  /** The notice of what the last POST did (dueNotice), or ''. */
  notice: string;
  /** The session's hidden CSRF input. */
  csrf: string;
}

export function duePage({ view, timezone: tz, budget, off, notice, csrf }: DuePageData): string {
  const lists = view.lists
    .map((list, i) => {
      const when = list.soon ? 'due now' : formatDay(list.at, tz);
      const people = list.people.length
        ? `<ol class="people">${list.people.map((p) => personItem(p, csrf, tz, 'list')).join('\n')}</ol>`
        : '<p class="muted">Nobody is due for this list.</p>';
      return `<section class="card" id="list-${i + 1}"><h2>${i === 0 ? 'Next list' : 'Then'}: ${esc(when)}</h2>\n${people}</section>`;
    })
    .join('\n');
  const paused = off
    ? '<p class="notice">Your weekly list is off, so none of these lists goes out until you <a href="/settings">turn it on again</a>.</p>'
    : '';
  const told = view.told.length
    ? `<ul class="people">${view.told.map((p) => personItem(p, csrf, tz, 'told')).join('\n')}</ul>`
    : '<p class="muted">Nobody yet. Whatever you tell rekindle here, in a reply or through a digest’s links, shows here.</p>';
  return `<h1>Who is due</h1>
${notice}${paused}
<p class="muted">The people your next ${view.lists.length} weekly lists would likely hold (${budget} at most each), as your mail, your marks and past lists stand now: new mail and what you do here change them. Someone a list named rests ${SUGGESTION_REST_DAYS / 7} weeks before the next may name them again. Each picture shows your messages and meetings with them per month over two years, this month last.</p>
${lists}
<section class="card" id="told"><h2>What you told rekindle</h2>
${told}</section>`;
}

export interface DueQuery {
  entry?: string;
  undone?: string;
  result?: string;
  unchanged?: string;
}

/** What the last POST did, said from its journal entry (the user's own, read by the route); '' when there is nothing to say. */
export function dueNotice(query: DueQuery, entry: JournalEntry | null, tz: string): string {
  if (query.unchanged) return '<p class="notice" id="saved">Nothing changed: that was so already.</p>';
  if (!entry) return '';
  const what = entry.changes.map((c) => esc(describeChange(c, tz))).join('; ');
  if (query.entry) return `<p class="notice" id="saved">Saved: ${what}.</p>`;
  const said =
    query.result === 'restored'
      ? `Taken back: ${what}.`
      : query.result === 'kept'
        ? `Left as it is, because it changed again since: ${what}.`
        : query.result === 'partly'
          ? `Taken back where nothing changed since: ${what}.`
          : `That was taken back before: ${what}.`;
  return `<p class="notice" id="undone">${said}</p>`;
}

function personItem(p: DuePerson, csrf: string, tz: string, where: 'list' | 'told'): string {
  const name = p.name ?? p.email;
  const hidden = `${csrf}<input type="hidden" name="contact" value="${esc(p.contact)}">`;
  const snoozes = Object.entries(SNOOZES)
    .map(([value, label]) => `<option value="${value}"${value === '1m' ? ' selected' : ''}>${esc(label)}</option>`)
    .join('');
  const rhythms = Object.entries(RHYTHMS)
    .map(([value, label]) => `<option value="${value}"${value === '3m' ? ' selected' : ''}>${esc(label)}</option>`)
    .join('');
  const actions = `<form class="actions" method="post" action="/due/act">${hidden}
<button type="submit" name="do" value="done">Done</button>
<span class="choice"><button type="submit" name="do" value="snooze" class="secondary">Snooze</button><select name="for" aria-label="Snooze for">${snoozes}</select></span>
<button type="submit" name="do" value="never" class="secondary">Never</button>
<button type="submit" name="do" value="met" class="secondary">Met or called today</button>
<span class="choice"><button type="submit" name="do" value="every" class="secondary">Expect to talk</button><select name="every" aria-label="How often">${rhythms}</select></span>
</form>`;
  const undo = p.undo
    ? `<form class="undo" method="post" action="/due/undo">${csrf}<input type="hidden" name="entry" value="${esc(p.undo.id)}"><button type="submit" class="link">Undo</button> <span class="muted">${esc(p.undo.changes.map((c) => describeChange(c, tz)).join('; '))} (${esc(SAID[p.undo.source])}, ${esc(formatDay(p.undo.appliedAt, tz))})</span></form>`
    : '';
  const facts = [
    p.candidate ? `Last in touch ${formatDay(p.candidate.lastContactAt, tz)}.` : '',
    p.candidate?.reason ?? '',
    ...(p.mark ? toldFacts(p.mark, p.holds, tz) : []),
  ];
  return `<li class="person" data-contact="${esc(p.contact)}">
<div class="who"><strong>${esc(name)}</strong>${p.name ? ` <span class="muted">${esc(p.email)}</span>` : ''}${p.summary || where === 'list' ? '' : ' <span class="muted">(no longer among your contacts)</span>'}</div>
${rhythmSparkline({ counts: p.rhythm.counts, lastAt: p.rhythm.lastAt, timezone: tz })}
<p class="facts">${facts
    .filter(Boolean)
    .map((f) => esc(f))
    .join(' ')}</p>
${actions}
${undo}
</li>`;
}

/** What the user told rekindle about one person, each part as a true sentence as of now. */
export function toldFacts(mark: ContactMark, holds: DuePerson['holds'], tz: string): string[] {
  const facts: string[] = [];
  if (mark.status === 'done' && mark.markedAt) {
    facts.push(
      holds === 'done'
        ? `Marked done on ${formatDay(mark.markedAt, tz)}: not suggested until you are next in touch.`
        : `Marked done on ${formatDay(mark.markedAt, tz)}; you have been in touch since, so they may be suggested again.`,
    );
  } else if (mark.status === 'snoozed' && mark.until) {
    facts.push(holds === 'snoozed' ? `Snoozed until ${formatDay(mark.until, tz)}.` : `Was snoozed until ${formatDay(mark.until, tz)}.`);
  } else if (mark.status === 'never') {
    facts.push('Never suggested again.');
  }
  if (mark.metAt) facts.push(`In touch on ${formatDay(mark.metAt, tz)}, as you told rekindle.`);
  if (mark.cadenceDays != null) facts.push(`You expect to be in touch about every ${humanDuration(mark.cadenceDays)}.`);
  return facts;
}
