/**
 * Server-rendered pages: one layout, one stylesheet and one small script, served by the app
 * itself (no build step, no remote resources). Every page goes out with a strict Content
 * Security Policy, no caching, and no Referer to other sites (action links carry their token in
 * the path; same-origin keeps the Origin header that POSTs are checked against).
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { withoutBidiControls } from '../mail/bidi-controls.ts';

/** Text for HTML: escaped, and without bidi controls (names and subjects come from other people's mail). */
export function esc(value: string | number): string {
  return withoutBidiControls(String(value))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const STYLESHEET = `
:root { color-scheme: light; --ink:#222; --muted:#666; --line:#e6e2da; --accent:#b4532a; --bg:#f6f4ef; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font:16px/1.5 -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; }
main { max-width:40rem; margin:0 auto; padding:1.5rem 1rem 3rem; }
header.top { display:flex; justify-content:space-between; align-items:center; gap:1rem; flex-wrap:wrap; margin-bottom:1rem; }
header.top a.brand { font-weight:700; color:var(--accent); text-decoration:none; font-size:1.2rem; }
nav a, nav button.link { margin-left:.75rem; color:var(--ink); }
.card { background:#fff; border-radius:8px; padding:1rem 1.25rem; margin:0 0 1rem; border:1px solid var(--line); }
h1 { font-size:1.6rem; line-height:1.25; margin:.5rem 0 1rem; }
h2 { font-size:1.15rem; margin:0 0 .5rem; }
.muted { color:var(--muted); }
.badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:.85rem; background:#eee; }
.badge.ok { background:#e3f2e1; color:#1d5d1a; }
.badge.busy { background:#fdf0d5; color:#7a4d00; }
.badge.bad { background:#fbe0dc; color:#8a1f11; }
.button, button { display:inline-block; font:inherit; padding:.55rem 1rem; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:#fff; text-decoration:none; cursor:pointer; margin:.25rem .5rem .25rem 0; }
.button.secondary, button.secondary { background:#fff; color:var(--accent); }
button.danger { background:#8a1f11; border-color:#8a1f11; }
button.link { background:none; border:none; color:inherit; padding:0; text-decoration:underline; margin:0; }
form.inline { display:inline; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:.25rem 1rem; margin:.5rem 0 0; }
dl.facts dt { color:var(--muted); }
dl.facts dd { margin:0; overflow-wrap:anywhere; }
label { display:block; margin:.75rem 0 .25rem; font-weight:600; }
input, select { font:inherit; padding:.4rem .5rem; border:1px solid #bbb; border-radius:4px; max-width:100%; }
.notice { border-left:4px solid var(--accent); padding:.5rem .75rem; background:#fff8f2; margin:0 0 1rem; }
.error { border-left-color:#8a1f11; background:#fdf0ee; }
ol.people, ul.people { list-style:none; padding:0; margin:0; }
li.person { border-top:1px solid var(--line); padding:.75rem 0; }
li.person:first-child { border-top:none; }
svg.rhythm { display:block; margin:.35rem 0; }
p.facts { margin:.25rem 0; }
form.actions button, form.actions select { font-size:.9rem; padding:.3rem .6rem; margin:.2rem .3rem .2rem 0; }
.choice { white-space:nowrap; }
form.undo { margin:.25rem 0 0; font-size:.9rem; }
.sync-progress { display:flex; align-items:center; gap:.5rem; flex-wrap:wrap; margin:.25rem 0; }
progress { width:10rem; accent-color:var(--accent); }
`;

/** Fills `tz` fields and links from the browser's own timezone, and offers it in settings. */
export const SCRIPT = `
(function () {
  var tz = '';
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) {}
  if (!tz) return;
  document.querySelectorAll('a[data-add-tz]').forEach(function (a) {
    var url = new URL(a.href); url.searchParams.set('tz', tz); a.setAttribute('href', url.pathname + url.search);
  });
  document.querySelectorAll('[data-detected-tz]').forEach(function (el) { el.textContent = tz; });
  document.querySelectorAll('button[data-use-tz]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function (ev) { ev.preventDefault(); var input = document.getElementById(b.getAttribute('data-use-tz')); if (input) input.value = tz; });
  });
})();
`;

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 10);
export const ASSET_PATHS = { css: `/assets/app.${hash(STYLESHEET)}.css`, js: `/assets/app.${hash(SCRIPT)}.js` };

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface PageOptions {
  title: string;
  /** Shown in the header's nav (signed-in pages). */
  nav?: string;
  /** Seconds until the page reloads itself (the status page while a sync runs). */
  refreshSeconds?: number;
}

export function layout(options: PageOptions, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">${options.refreshSeconds ? `\n<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<title>${esc(options.title)} · rekindle</title>
<link rel="stylesheet" href="${ASSET_PATHS.css}">
<script src="${ASSET_PATHS.js}" defer></script>
</head>
<body>
<main>
<header class="top"><a class="brand" href="/">rekindle</a>${options.nav ? `<nav>${options.nav}</nav>` : ''}</header>
${body}
</main>
</body>
</html>
`;
}

/** Sends a page with the security headers every page gets. */
export function sendPage(reply: FastifyReply, status: number, options: PageOptions, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'same-origin')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .send(layout(options, body));
}

/** A page that only says something (errors, confirmations). */
export function sendMessage(reply: FastifyReply, status: number, title: string, message: string, extra = ''): FastifyReply {
  return sendPage(reply, status, { title }, `<h1>${esc(title)}</h1><p>${esc(message)}</p>${extra}`);
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const dayName = (day: number) => DAYS[day] ?? 'Monday';

// One style for dates on every page and in every mail (src/dates/format-dates.ts).
export { formatCalendarDay, formatInstant, formatDate as formatDay } from '../dates/format-dates.ts';
