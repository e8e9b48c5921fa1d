/**
 * Disconnecting one mailbox (POST /accounts/:id/disconnect) and deleting the whole account
 * (POST /account/delete): the data goes first, then rekindle withdraws its access at each
 * provider that offers it (src/accounts/withdraw-access.ts). Both need the session's CSRF token.
 */
import type { FastifyInstance } from 'fastify';
import { deleteUser } from '../accounts/delete-user.ts';
import { disconnectAccount } from '../accounts/disconnect-account.ts';
import { heldGrants, withdrawAccess } from '../accounts/withdraw-access.ts';
import { sendMessage } from './html.ts';
import { endSession } from './session.ts';
import { signedInHelpers } from './signed-in.ts';
import { accountDeletedText } from './views/account-deleted-page.ts';
import { formOf, isUuid, type WebDeps } from './web-deps.ts';

export function registerAccountRemovalRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { checkedPost } = signedInHelpers(deps);

  app.post<{ Params: { id: string } }>('/accounts/:id/disconnect', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    const accountId = request.params.id;
    if (!isUuid(accountId)) return sendMessage(reply, 404, 'Not found', 'There is no such mailbox.');
    const grants = await heldGrants(deps.sql, deps.cipher, session.userId, accountId);
    const result = await disconnectAccount(deps.sql, session.userId, accountId);
    if (!result) return sendMessage(reply, 404, 'Not found', 'There is no such mailbox among yours.');
    deps.logger.info({ userId: session.userId, accountId, ...result }, 'mailbox disconnected');
    for (const grant of grants) await withdrawAccess(deps.config, grant, deps.logger);
    return reply.redirect('/status', 303);
  });

  app.post('/account/delete', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    if (formOf(request).confirm !== 'yes')
      return sendMessage(
        reply,
        400,
        'Nothing was deleted',
        'Tick the box to confirm, then press the button again.',
        '<p><a class="button" href="/settings">Back to settings</a></p>',
      );
    const grants = await heldGrants(deps.sql, deps.cipher, session.userId);
    const deleted = await deleteUser(deps.sql, session.userId);
    deps.logger.info({ userId: session.userId, deleted }, 'account deleted');
    endSession(deps.session, reply);
    const outcomes = await Promise.all(
      grants.map(async (grant) => ({ provider: grant.provider, outcome: await withdrawAccess(deps.config, grant, deps.logger) })),
    );
    return sendMessage(reply, 200, 'Your account is deleted', accountDeletedText(outcomes), '<p><a class="button" href="/">Home</a></p>');
  });
}
