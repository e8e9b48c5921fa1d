/**
 * Settings (GET and POST /settings): the weekly list's day, hour, timezone and size, and
 * pausing or resuming it (an adapter onto src/verdicts/, source `settings`). Every POST needs
 * the session's CSRF token (src/web/signed-in.ts); without it nothing changes and it answers 403.
 */
import type { FastifyInstance } from 'fastify';
import { saveDigestSettings } from '../accounts/digest-settings.ts';
import { applyVerdicts } from '../verdicts/apply-verdicts.ts';
import { sendMessage, sendPage } from './html.ts';
import { readSettingsForm } from './settings-form.ts';
import { signedInHelpers } from './signed-in.ts';
import { settingsPage } from './views/settings-page.ts';
import { formOf, type WebDeps } from './web-deps.ts';

const BACK = '<p><a class="button" href="/settings">Back to settings</a></p>';

export function registerSettingsRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { nav, csrfField, signedIn, checkedPost } = signedInHelpers(deps);

  app.get<{ Querystring: { saved?: string } }>('/settings', async (request, reply) => {
    const found = await signedIn(request, reply);
    if (!found) return reply;
    const { session, status } = found;
    const body = settingsPage({
      status,
      csrf: csrfField(session),
      saved: Boolean(request.query.saved),
      defaultBudget: deps.config.DIGEST_BUDGET,
    });
    return sendPage(reply, 200, { title: 'Settings', nav: nav(session) }, body);
  });

  app.post('/settings', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    const read = readSettingsForm(formOf(request));
    if (!read.ok) return sendMessage(reply, 400, 'Not saved', `Please check: ${read.problems.join(', ')}.`, BACK);
    await saveDigestSettings(deps.sql, session.userId, read.settings);
    deps.logger.info({ userId: session.userId }, 'settings saved');
    return reply.redirect('/settings?saved=1', 303);
  });

  for (const verb of ['pause', 'resume'] as const) {
    app.post(`/settings/${verb}`, async (request, reply) => {
      const session = checkedPost(request, reply);
      if (!session) return reply;
      await deps.sql.begin((tx) => applyVerdicts(tx, session.userId, [{ verb }], { source: 'settings' }));
      deps.logger.info({ userId: session.userId }, verb === 'pause' ? 'digest paused' : 'digest resumed');
      return reply.redirect('/settings?saved=1', 303);
    });
  }
}
