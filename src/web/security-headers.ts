/**
 * Headers every response carries, whatever route (or 404, or error) produced it: no sniffing,
 * no framing, no Referer to other sites, no cross-origin embedding, and a Content Security
 * Policy. Pages (src/web/html.ts) set their own stricter-for-pages policy; anything that set
 * none gets one that allows nothing at all. HSTS is sent when the app is reached over https —
 * PUBLIC_URL says https, or the request came over TLS (directly or via a trusted proxy).
 *
 * The queue dashboard is the one exception to the page policy: Bull Board's page has inline
 * styles and a JSON data block, so /admin/queues may use inline styles (never inline script);
 * it is behind the admin password anyway. Its remote web font stays refused (checked in
 * Chromium: the dashboard renders, in a system font, with no other violation).
 */
import type { FastifyInstance } from 'fastify';

/** For responses that are not pages: JSON, text, redirects, errors. Nothing may load or frame them. */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

/** Two years, subdomains included: the value browsers' preload lists ask for. */
export const HSTS = 'max-age=63072000; includeSubDomains';

const FIXED: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
  'x-permitted-cross-domain-policies': 'none',
};

export function registerSecurityHeaders(app: FastifyInstance, options: { publicUrl?: string; dashboardPath: string }): void {
  const httpsOnly = options.publicUrl?.startsWith('https:') ?? false;
  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of Object.entries(FIXED)) void reply.header(name, value);
    if (!reply.hasHeader('referrer-policy')) void reply.header('referrer-policy', 'same-origin');
    if (!reply.hasHeader('content-security-policy')) {
      const dashboard = request.url === options.dashboardPath || request.url.startsWith(`${options.dashboardPath}/`);
      void reply.header('content-security-policy', dashboard ? DASHBOARD_CSP : DEFAULT_CSP);
    }
    if (httpsOnly || request.protocol === 'https') void reply.header('strict-transport-security', HSTS);
    return payload;
  });
}
