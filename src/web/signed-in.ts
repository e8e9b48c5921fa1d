/**
 * What every signed-in page shares: the header's links, the session's user (or a redirect to
 * the landing page), and the check every POST passes — the session, its CSRF token and the
 * request's origin (src/web/session.ts); a POST without them changes nothing and answers 403.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { esc, sendMessage } from './html.ts';
import { csrfOk, csrfToken, endSession, readSession, type Session } from './session.ts';
import { loadUserStatus, type UserStatus } from './user-status.ts';
import { formOf, type WebDeps } from './web-deps.ts';

export interface SignedInHelpers {
  nav(session: Session): string;
  /** The hidden CSRF field of a form. */
  csrfField(session: Session): string;
  /** The session's user, or a redirect to the landing page (then null). */
  signedIn(request: FastifyRequest, reply: FastifyReply): Promise<{ session: Session; status: UserStatus } | null>;
  /** For POSTs: the session, when its CSRF token and origin check out; otherwise a 403 is sent (then null). */
  checkedPost(request: FastifyRequest, reply: FastifyReply): Session | null;
}

export function signedInHelpers(deps: WebDeps): SignedInHelpers {
  const csrfField = (session: Session) => `<input type="hidden" name="csrf" value="${esc(csrfToken(deps.session, session))}">`;
  return {
    csrfField,
    nav: (session) =>
      `<a href="/status">Status</a><a href="/due">Who is due</a><a href="/settings">Settings</a><form class="inline" method="post" action="/signout">${csrfField(session)}<button class="link" type="submit">Sign out</button></form>`,

    async signedIn(request, reply) {
      const session = readSession(deps.session, request);
      const status = session ? await loadUserStatus(deps.sql, session.userId) : null;
      if (!session || !status) {
        if (session) endSession(deps.session, reply);
        void reply.redirect('/', 303);
        return null;
      }
      return { session, status };
    },

    checkedPost(request, reply) {
      const session = readSession(deps.session, request);
      if (!session) {
        void sendMessage(
          reply,
          403,
          'Signed out',
          'Your session has ended. Please sign in again.',
          '<p><a class="button" href="/">Home</a></p>',
        );
        return null;
      }
      if (!csrfOk(deps.session, session, request, formOf(request).csrf)) {
        deps.logger.warn({ userId: session.userId, route: request.routeOptions.url }, 'form refused: csrf');
        void refuseForeignForm(reply);
        return null;
      }
      return session;
    },
  };
}

/** The answer to a POST whose CSRF token or origin is not the session's page's: nothing changes. */
export function refuseForeignForm(reply: FastifyReply): FastifyReply {
  return sendMessage(
    reply,
    403,
    'Not accepted',
    'This form did not come from your rekindle page, so nothing was changed. Reload the page and try again.',
  );
}
