/**
 * The digest's signed links (src/digest/action-links.ts): GET /d/:token shows the person and
 * buttons, POST /d/:token applies `done`, `snooze` (2w, 1m, 3m), `never` or `undo`.
 *
 * The token is the authority: it names the user, the digest and the entry, so no session is
 * needed and nothing else can be reached with it. Applying is idempotent: the first action
 * through an entry's link records the mark the person had before (digest_actions), the same
 * action again changes nothing, and `undo` restores that earlier mark. Marks are the same ones
 * replies write (contact_marks), under the same per-user lock.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TransactionSql } from 'postgres';
import type { DigestActionVerb, MarkStatus } from '../db/schema.ts';
import { writeMark, type StoredMark } from '../digest/write-mark.ts';
import { readActionToken, type ActionLinkTarget } from '../digest/action-links.ts';
import { addDuration } from '../replies/parse-commands.ts';
import { esc, formatDay, sendMessage, sendPage } from './html.ts';
import { formOf, type WebDeps } from './web-deps.ts';

const SNOOZES: Record<string, string> = { '2w': '2 weeks', '1m': 'a month', '3m': '3 months' };

interface Item {
  name: string | null;
  email: string;
  contact: string;
  reason: string;
  lastContactAt: Date;
  timezone: string;
  weekOf: string;
}

export function registerActionRoutes(app: FastifyInstance, deps: WebDeps): void {
  const resolve = (token: string, reply: FastifyReply): ActionLinkTarget | null => {
    const read = readActionToken(deps.keys, token);
    if (read.ok) return read.target;
    deps.logger.info({ reason: read.reason }, 'digest link refused');
    if (read.reason === 'expired') {
      void sendMessage(reply, 410, 'This link has expired', 'Links in a digest work for a few weeks. Reply to a recent digest instead, or open rekindle.', '<p><a class="button" href="/">Open rekindle</a></p>');
    } else {
      void sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
    }
    return null;
  };

  const loadItem = async (sql: WebDeps['sql'] | TransactionSql, target: ActionLinkTarget): Promise<Item | null> => {
    const [item] = await sql<Item[]>`
      select i.name, i.email, i.contact, i.reason, i.last_contact_at as "lastContactAt", u.timezone, d.week_of::text as "weekOf"
        from digest_items i join digests d on d.id = i.digest_id join users u on u.id = d.user_id
       where d.id = ${target.digestId} and d.user_id = ${target.userId} and i.position = ${target.position}`;
    return item ?? null;
  };

  app.get<{ Params: { token: string }; Querystring: { do?: string } }>('/d/:token', async (request, reply) => {
    const target = resolve(request.params.token, reply);
    if (!target) return reply;
    const item = await loadItem(deps.sql, target);
    if (!item) return sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
    const [mark] = await deps.sql<StoredMark[]>`
      select status, marked_at as "markedAt", until from contact_marks where user_id = ${target.userId} and contact = ${item.contact}`;
    const [acted] = await deps.sql<{ verb: string }[]>`
      select verb from digest_actions where digest_id = ${target.digestId} and position = ${target.position}`;
    const chosen = request.query.do;
    return sendPage(reply, 200, { title: `${displayName(item)}` }, actionPage(request.params.token, item, mark ?? null, Boolean(acted), chosen));
  });

  app.post<{ Params: { token: string } }>('/d/:token', async (request, reply) => {
    const target = resolve(request.params.token, reply);
    if (!target) return reply;
    const form = formOf(request);
    const verb = form.do;
    if (verb !== 'done' && verb !== 'snooze' && verb !== 'never' && verb !== 'undo') {
      return sendMessage(reply, 400, 'Nothing was changed', 'Choose done, snooze, never or undo.');
    }
    const duration = verb === 'snooze' ? (Object.hasOwn(SNOOZES, form.for ?? '') ? form.for! : '1m') : null;
    const now = new Date();
    const outcome = await deps.sql.begin(async (tx) => {
      // Replies take the same lock: marks of one user change one writer at a time.
      await tx`select 1 from users where id = ${target.userId} for update`;
      const item = await loadItem(tx, target);
      if (!item) return null;
      const [current] = await tx<StoredMark[]>`
        select status, marked_at as "markedAt", until from contact_marks where user_id = ${target.userId} and contact = ${item.contact}`;
      const [acted] = await tx<{ verb: DigestActionVerb; before: StoredMark | null }[]>`
        select verb, before from digest_actions where digest_id = ${target.digestId} and position = ${target.position} for update`;
      if (verb === 'undo') {
        if (!acted) return { item, result: 'nothing-to-undo' as const };
        await writeMark(tx, target.userId, item.contact, acted.before);
        await tx`delete from digest_actions where digest_id = ${target.digestId} and position = ${target.position}`;
        return { item, result: 'undone' as const };
      }
      const status: MarkStatus = verb === 'snooze' ? 'snoozed' : verb;
      // The same link clicked again (or a scanner replaying the POST) changes nothing.
      if (acted?.verb === verb && current?.status === status && verb !== 'snooze') return { item, result: 'already' as const, mark: current };
      const until = duration ? addDuration(now, duration) : null;
      const mark: StoredMark = { status, markedAt: now.toISOString(), until: until?.toISOString() ?? null };
      if (acted?.verb === verb && verb === 'snooze' && current?.status === 'snoozed' && sameDuration(current, duration!)) {
        return { item, result: 'already' as const, mark: current };
      }
      await writeMark(tx, target.userId, item.contact, mark);
      await tx`
        insert into digest_actions (digest_id, position, user_id, contact, verb, before)
        values (${target.digestId}, ${target.position}, ${target.userId}, ${item.contact}, ${verb}, ${current ? tx.json(current as never) : null})
        on conflict (digest_id, position) do update set verb = excluded.verb, applied_at = now()`;
      return { item, result: 'applied' as const, mark };
    });
    if (!outcome) return sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
    deps.logger.info({ userId: target.userId, digestId: target.digestId, position: target.position, verb, result: outcome.result }, 'digest link applied');
    const who = esc(displayName(outcome.item));
    const undo = `<form method="post" action="/d/${esc(request.params.token)}"><input type="hidden" name="do" value="undo"><button type="submit" class="secondary">Undo</button></form>`;
    if (outcome.result === 'undone') return sendPage(reply, 200, { title: 'Undone' }, `<h1>Undone</h1><p id="result">${who} is back as before.</p><p><a href="/d/${esc(request.params.token)}">Choose again</a></p>`);
    if (outcome.result === 'nothing-to-undo') return sendPage(reply, 200, { title: 'Nothing to undo' }, `<h1>Nothing to undo</h1><p id="result">Nothing was done through this link.</p>`);
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
      `<h1>${outcome.result === 'already' ? 'Already done' : 'Done'}</h1><p id="result">${said}</p>${undo}<p class="muted">Changed your mind later? Reply “undo” to the digest or use this link again.</p>`,
    );
  });
}

function sameDuration(mark: StoredMark, duration: string): boolean {
  if (!mark.until) return false;
  const expected = addDuration(new Date(mark.markedAt), duration);
  return Math.abs(expected.getTime() - new Date(mark.until).getTime()) < 1000;
}

function displayName(item: Pick<Item, 'name' | 'email'>): string {
  return item.name ?? item.email;
}

function actionPage(token: string, item: Item, mark: StoredMark | null, acted: boolean, chosen: string | undefined): string {
  const post = (verb: string, label: string, extra = '', primary = false) =>
    `<form class="inline" method="post" action="/d/${esc(token)}"><input type="hidden" name="do" value="${verb}">${extra}<button type="submit" class="${primary ? '' : 'secondary'}">${esc(label)}</button></form>`;
  const state = !mark
    ? ''
    : mark.status === 'snoozed' && mark.until
      ? `<p class="notice">Now: snoozed until ${esc(formatDay(new Date(mark.until), item.timezone))}.</p>`
      : `<p class="notice">Now: ${mark.status === 'done' ? 'marked done' : 'never suggested'}.</p>`;
  const snoozes = Object.entries(SNOOZES)
    .map(([value, label]) => post('snooze', `Snooze ${label}`, `<input type="hidden" name="for" value="${value}">`, chosen === 'snooze' && value === '1m'))
    .join('\n');
  return `<h1>${esc(displayName(item))}</h1>
<p class="muted">${item.name ? `${esc(item.email)} · ` : ''}from your list for the week of ${esc(item.weekOf)} · last in touch ${esc(formatDay(item.lastContactAt, item.timezone))}</p>
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
