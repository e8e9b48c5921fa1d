/**
 * The digest's signed links (src/digest/action-links.ts): GET /d/:token shows the person and
 * buttons, POST /d/:token applies `done`, `snooze` (2w, 1m, 3m), `never` or `undo`.
 *
 * The token is the authority: it names the user, the digest and the entry, so no session is
 * needed and nothing else can be reached with it. The page is an adapter onto src/verdicts/:
 * each click is an entry of the one journal (so a reply's "undo" takes it back too), the same
 * click again changes nothing, and this link's `undo` takes back everything done through it,
 * unless the person was changed again since.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { readActionToken, type ActionLinkTarget } from '../digest/action-links.ts';
import { linkedItem, type LinkedItem } from '../digest/find-digest.ts';
import { addDuration } from '../replies/parse-commands.ts';
import { applyVerdicts, type Verdict } from '../verdicts/apply-verdicts.ts';
import { readContactState } from '../verdicts/contact-state.ts';
import { standingEntries, type MarkState } from '../verdicts/journal.ts';
import { undoLink } from '../verdicts/undo-verdicts.ts';
import { esc, formatCalendarDay, formatDay, sendMessage, sendPage } from './html.ts';
import { formOf, type WebDeps } from './web-deps.ts';

const SNOOZES: Record<string, string> = { '2w': '2 weeks', '1m': 'a month', '3m': '3 months' };

type Item = LinkedItem;

export function registerActionRoutes(app: FastifyInstance, deps: WebDeps): void {
  const resolve = async (token: string, reply: FastifyReply): Promise<(ActionLinkTarget & { userId: string }) | null> => {
    const read = readActionToken(deps.keys, token);
    if (read.ok) {
      const { target } = read;
      if (target.userId !== null) return { ...target, userId: target.userId };
      // A compact token names the digest only; its row says whose it is.
      const [digest] = await deps.sql<{ userId: string }[]>`select user_id as "userId" from digests where id = ${target.digestId}`;
      if (digest) return { ...target, userId: digest.userId };
      void sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
      return null;
    }
    deps.logger.info({ reason: read.reason }, 'digest link refused');
    if (read.reason === 'expired') {
      void sendMessage(
        reply,
        410,
        'This link has expired',
        'Links in a digest work for a few weeks. Reply to a recent digest instead, or open rekindle.',
        '<p><a class="button" href="/">Open rekindle</a></p>',
      );
    } else {
      void sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
    }
    return null;
  };

  app.get<{ Params: { token: string }; Querystring: { do?: string } }>('/d/:token', async (request, reply) => {
    const target = await resolve(request.params.token, reply);
    if (!target) return reply;
    const item = await linkedItem(deps.sql, target);
    if (!item) return sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
    const { mark, acted } = await deps.sql.begin(async (tx) => ({
      mark: (await readContactState(tx, target.userId, item.contact)).mark,
      acted: (await standingEntries(tx, target.userId, 'link', `${target.digestId}/${target.position}`)).length > 0,
    }));
    const chosen = request.query.do;
    return sendPage(reply, 200, { title: `${displayName(item)}` }, actionPage(request.params.token, item, mark, acted, chosen));
  });

  app.post<{ Params: { token: string } }>('/d/:token', async (request, reply) => {
    const target = await resolve(request.params.token, reply);
    if (!target) return reply;
    const form = formOf(request);
    const verb = form.do;
    if (verb !== 'done' && verb !== 'snooze' && verb !== 'never' && verb !== 'undo') {
      return sendMessage(reply, 400, 'Nothing was changed', 'Choose done, snooze, never or undo.');
    }
    const duration = verb === 'snooze' ? (Object.hasOwn(SNOOZES, form.for ?? '') ? form.for! : '1m') : null;
    const now = new Date();
    const outcome = await deps.sql.begin(async (tx) => {
      const item = await linkedItem(tx, target);
      if (!item) return null;
      const link = { digestId: target.digestId, position: target.position };
      if (verb === 'undo') {
        const undone = await undoLink(tx, target.userId, link, now);
        if (!undone) return { item, result: 'nothing-to-undo' as const };
        return { item, result: undone.restored.length > 0 ? ('undone' as const) : ('kept' as const) };
      }
      const who = { contact: item.contact, name: displayName(item), position: target.position };
      const verdict: Verdict = verb === 'snooze' ? { verb, who, until: addDuration(now, duration!), duration: duration! } : { verb, who };
      const applied = await applyVerdicts(tx, target.userId, [verdict], { source: 'link', ...link }, now);
      const mark = (await readContactState(tx, target.userId, item.contact)).mark;
      return { item, result: applied.already ? ('already' as const) : ('applied' as const), mark };
    });
    if (!outcome) return sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
    deps.logger.info(
      { userId: target.userId, digestId: target.digestId, position: target.position, verb, result: outcome.result },
      'digest link applied',
    );
    const who = esc(displayName(outcome.item));
    const undo = `<form method="post" action="/d/${esc(request.params.token)}"><input type="hidden" name="do" value="undo"><button type="submit" class="secondary">Undo</button></form>`;
    if (outcome.result === 'undone')
      return sendPage(
        reply,
        200,
        { title: 'Undone' },
        `<h1>Undone</h1><p id="result">${who} is back as before.</p><p><a href="/d/${esc(request.params.token)}">Choose again</a></p>`,
      );
    if (outcome.result === 'kept') {
      return sendPage(
        reply,
        200,
        { title: 'Left as it is' },
        `<h1>Left as it is</h1><p id="result">${who} was changed again since (by a reply or another link), so that change stays.</p><p><a href="/d/${esc(request.params.token)}">Choose again</a></p>`,
      );
    }
    if (outcome.result === 'nothing-to-undo')
      return sendPage(
        reply,
        200,
        { title: 'Nothing to undo' },
        `<h1>Nothing to undo</h1><p id="result">Nothing was done through this link.</p>`,
      );
    const mark = 'mark' in outcome ? outcome.mark : null;
    const said =
      verb === 'done'
        ? `${who} is marked <strong>done</strong>: rekindle will not suggest them again until you are next in touch.`
        : verb === 'never'
          ? `rekindle will <strong>never</strong> suggest ${who} again.`
          : `${who} is <strong>snoozed</strong> until ${esc(formatDay(new Date(mark!.until!), outcome.item.timezone))}.`;
    return sendPage(
      reply,
      200,
      { title: 'Done' },
      `<h1>${outcome.result === 'already' ? 'Already done' : 'Done'}</h1><p id="result">${said}</p>${undo}<p class="muted">Changed your mind later? Use this link again, or reply “undo” to the digest: it takes back your latest change, whether you made it by reply or by link.</p>`,
    );
  });
}

function displayName(item: Pick<Item, 'name' | 'email'>): string {
  return item.name ?? item.email;
}

function actionPage(token: string, item: Item, mark: MarkState | null, acted: boolean, chosen: string | undefined): string {
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
