/**
 * "Who is due" (GET /due): the people the next weekly lists would likely hold, and everyone the
 * user told rekindle something about, each with their rhythm over two years and the digest
 * links' actions — done, snooze, never, met or called today, a rhythm of their own (or back to
 * the learned one) — plus an undo of the newest change about them.
 *
 * An adapter onto src/verdicts/, like the links and replies: POST /due/act turns one button
 * into one verdict and one journal entry (source `web`), POST /due/undo takes one entry back
 * (undoEntry: what changed again since stays). Both need the session and its CSRF token, and
 * act only on the session's own people and entries: a key or entry id of another user's is
 * answered 404 and reaches nothing.
 */
import type { FastifyInstance } from 'fastify';
import type { ContactMark } from '../contacts/select-reconnects.ts';
import { humanDuration, SUGGESTION_REST_DAYS } from '../contacts/select-reconnects.ts';
import { addDuration, rhythmDays } from '../replies/parse-commands.ts';
import { applyVerdicts, type Verdict } from '../verdicts/apply-verdicts.ts';
import { entryById } from '../verdicts/journal.ts';
import { undoEntry } from '../verdicts/undo-verdicts.ts';
import { type DuePerson, loadDueView } from './due-view.ts';
import { esc, formatDay, sendMessage, sendPage } from './html.ts';
import { rhythmSparkline } from './rhythm-sparkline.ts';
import type { Session } from './session.ts';
import { signedInHelpers } from './signed-in.ts';
import { describeChange, SAID } from './undo-route.ts';
import { formOf, isUuid, type WebDeps } from './web-deps.ts';

/** Snoozes offered, as the digest's links offer them. */
const SNOOZES: Record<string, string> = { '2w': '2 weeks', '1m': 'a month', '3m': '3 months' };
/** Rhythms offered, as a reply's "every <duration>" takes them; `auto` goes back to the learned one. */
const RHYTHMS: Record<string, string> = {
  '2w': 'every 2 weeks',
  '1m': 'every month',
  '2m': 'every 2 months',
  '3m': 'every 3 months',
  '6m': 'every 6 months',
  '1y': 'every year',
  auto: 'as learned from mail',
};
/** Longer than any normalized address rekindle keys a person by. */
const MAX_CONTACT_LENGTH = 512;

export function registerDueRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { nav, csrfField, signedIn, checkedPost } = signedInHelpers(deps);

  app.get<{ Querystring: { entry?: string; undone?: string; result?: string; unchanged?: string } }>('/due', async (request, reply) => {
    const found = await signedIn(request, reply);
    if (!found) return reply;
    const { session, status } = found;
    const tz = status.timezone;
    const budget = status.digestBudget ?? deps.config.DIGEST_BUDGET;
    const view = await loadDueView(deps.sql, status, budget);
    const notices = await noticeFor(request.query, session.userId, tz);
    const lists = view.lists
      .map((list, i) => {
        const when = list.soon ? 'due now' : formatDay(list.at, tz);
        const people = list.people.length
          ? `<ol class="people">${list.people.map((p) => personItem(p, session, tz, 'list')).join('\n')}</ol>`
          : '<p class="muted">Nobody is due for this list.</p>';
        return `<section class="card" id="list-${i + 1}"><h2>${i === 0 ? 'Next list' : 'Then'}: ${esc(when)}</h2>\n${people}</section>`;
      })
      .join('\n');
    const paused =
      status.digestPausedAt || status.digestStoppedAt
        ? '<p class="notice">Your weekly list is off, so none of these lists goes out until you <a href="/settings">turn it on again</a>.</p>'
        : '';
    const told = view.told.length
      ? `<ul class="people">${view.told.map((p) => personItem(p, session, tz, 'told')).join('\n')}</ul>`
      : '<p class="muted">Nobody yet. Whatever you tell rekindle here, in a reply or through a digest’s links, shows here.</p>';
    return sendPage(
      reply,
      200,
      { title: 'Who is due', nav: nav(session) },
      `<h1>Who is due</h1>
${notices}${paused}
<p class="muted">The people your next ${view.lists.length} weekly lists would likely hold (${budget} at most each), as your mail, your marks and past lists stand now: new mail and what you do here change them. Someone a list named rests ${SUGGESTION_REST_DAYS / 7} weeks before the next may name them again. Each picture shows your messages and meetings with them per month over two years, this month last.</p>
${lists}
<section class="card" id="told"><h2>What you told rekindle</h2>
${told}</section>`,
    );
  });

  app.post('/due/act', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    const form = formOf(request);
    const contact = String(form.contact ?? '');
    const verb = form.do;
    const snooze = Object.hasOwn(SNOOZES, form.for ?? '') ? form.for! : null;
    const rhythm = Object.hasOwn(RHYTHMS, form.every ?? '') ? form.every! : null;
    if (
      (verb !== 'done' && verb !== 'snooze' && verb !== 'never' && verb !== 'met' && verb !== 'every') ||
      (verb === 'snooze' && !snooze) ||
      (verb === 'every' && !rhythm)
    ) {
      return sendMessage(reply, 400, 'Nothing was changed', 'Choose done, snooze, never, met or a rhythm.', BACK);
    }
    if (contact === '' || contact.length > MAX_CONTACT_LENGTH) return notFound(reply);
    const now = new Date();
    const applied = await deps.sql.begin(async (tx) => {
      // Only the session's own people: a contact, or someone they have interactions or a mark with.
      const [person] = await tx<{ name: string | null; email: string }[]>`
        select name, email from contacts where user_id = ${session.userId} and contact = ${contact}
        union all
        select null, ${contact} where exists (select 1 from contact_marks where user_id = ${session.userId} and contact = ${contact})
           or exists (select 1 from interactions where user_id = ${session.userId} and contact = ${contact})
        limit 1`;
      if (!person) return null;
      const who = { contact, name: person.name ?? person.email, position: null };
      const verdict: Verdict =
        verb === 'snooze'
          ? { verb, who, until: addDuration(now, snooze!), duration: snooze! }
          : verb === 'met'
            ? { verb, who, on: now }
            : verb === 'every'
              ? { verb: 'cadence', who, days: rhythmDays(rhythm!) }
              : { verb, who };
      return applyVerdicts(tx, session.userId, [verdict], { source: 'web' }, now);
    });
    if (!applied) return notFound(reply);
    deps.logger.info({ userId: session.userId, verb, changed: applied.changes.length }, 'who-is-due action');
    return reply.redirect(applied.entryId ? `/due?entry=${applied.entryId}` : '/due?unchanged=1', 303);
  });

  app.post('/due/undo', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    const entryId = String(formOf(request).entry ?? '');
    if (!isUuid(entryId)) return notFound(reply);
    const undone = await deps.sql.begin((tx) => undoEntry(tx, session.userId, entryId, 'web'));
    if (!undone) return notFound(reply);
    const result =
      undone === 'already' ? 'already' : undone.kept.length === 0 ? 'restored' : undone.restored.length === 0 ? 'kept' : 'partly';
    deps.logger.info({ userId: session.userId, result }, 'who-is-due undo');
    return reply.redirect(`/due?undone=${entryId}&result=${result}`, 303);
  });

  const notFound = (reply: Parameters<typeof sendMessage>[0]) =>
    sendMessage(reply, 404, 'Not found', 'There is no such person or change among yours; nothing was changed.', BACK);

  /** What the last POST did, read back from the journal (only the session's own entries). */
  async function noticeFor(query: { entry?: string; undone?: string; result?: string; unchanged?: string }, userId: string, tz: string) {
    if (query.unchanged) return '<p class="notice" id="saved">Nothing changed: that was so already.</p>';
    const id = query.entry ?? query.undone;
    if (!id || !isUuid(id)) return '';
    const entry = await deps.sql.begin((tx) => entryById(tx, userId, id));
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

  function personItem(p: DuePerson, session: Session, tz: string, where: 'list' | 'told'): string {
    const name = p.name ?? p.email;
    const hidden = `${csrfField(session)}<input type="hidden" name="contact" value="${esc(p.contact)}">`;
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
      ? `<form class="undo" method="post" action="/due/undo">${csrfField(session)}<input type="hidden" name="entry" value="${esc(p.undo.id)}"><button type="submit" class="link">Undo</button> <span class="muted">${esc(p.undo.changes.map((c) => describeChange(c, tz)).join('; '))} (${esc(SAID[p.undo.source])}, ${esc(formatDay(p.undo.appliedAt, tz))})</span></form>`
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
}

const BACK = '<p><a class="button" href="/due">Back to who is due</a></p>';

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
