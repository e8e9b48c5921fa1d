/**
 * The organization behind a mail domain: its registrable domain, so `ect.enron.com`,
 * `mail.enron.com` and `enron.com` are one employer and `acme.co.uk` is not `co.uk`. An
 * approximation of the public suffix list that is right for the second-level suffixes
 * country registries actually use; an exotic suffix only makes two organizations look like
 * one, which the identity rules guard against with names and dates.
 */

/** Second-level labels under which country registries hand out names (`co.uk`, `com.au`, `ac.jp`). */
const SECOND_LEVEL = new Set([
  'co',
  'com',
  'net',
  'org',
  'ac',
  'edu',
  'gov',
  'gob',
  'govt',
  'ne',
  'or',
  'go',
  'mil',
  'nic',
  'ltd',
  'plc',
  'sch',
  'nhs',
  'gv',
  'lg',
  'ed',
]);

/** Providers where anyone gets an address: sharing one says nothing about who someone is. */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.uk',
  'yahoo.fr',
  'yahoo.de',
  'ymail.com',
  'rocketmail.com',
  'hotmail.com',
  'hotmail.co.uk',
  'hotmail.fr',
  'outlook.com',
  'live.com',
  'msn.com',
  'aol.com',
  'aim.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'gmx.de',
  'gmx.net',
  'gmx.com',
  'web.de',
  'mail.com',
  'email.com',
  'yandex.ru',
  'yandex.com',
  'mail.ru',
  'qq.com',
  '163.com',
  '126.com',
  'fastmail.com',
  'fastmail.fm',
  'zoho.com',
  'tutanota.com',
  'hey.com',
  'comcast.net',
  'verizon.net',
  'att.net',
  'sbcglobal.net',
  'bellsouth.net',
  'earthlink.net',
  'juno.com',
  'netzero.net',
  'cox.net',
  'charter.net',
  'optonline.net',
  'prodigy.net',
  'compuserve.com',
  'excite.com',
  'lycos.com',
  'netscape.net',
  'orange.fr',
  'wanadoo.fr',
  'free.fr',
  'laposte.net',
  't-online.de',
  'libero.it',
  'btinternet.com',
  'sky.com',
  // Access providers and portals of the years the public corpora come from (a laid-off
  // Enron employee wrote from earthlink.net): an address anyone could get, not an employer.
  'mindspring.com',
  'swbell.net',
  'pacbell.net',
  'flash.net',
  'ev1.net',
  'airmail.net',
  'rr.com',
  'cs.com',
  'netcom.com',
  'usa.net',
  'mchsi.com',
  'gte.net',
  'earthlink.com',
  'hotmail.de',
  'hotmail.es',
  'hotmail.it',
  'live.co.uk',
  'yahoo.es',
  'yahoo.it',
  'yahoo.ca',
  'yahoo.com.au',
  'yahoo.co.in',
  'yahoo.com.br',
  'sympatico.ca',
  'shaw.ca',
  'telus.net',
  'rogers.com',
  'bigpond.com',
  'ntlworld.com',
  'talktalk.net',
  'xs4all.nl',
  'home.com',
]);

/**
 * Forwarding and vanity services: the address stays while the job changes, so it says
 * nothing about an employer (alumni forwarding is matched by its first label, see
 * isForwardingDomain).
 */
export const FORWARDING_DOMAINS: ReadonlySet<string> = new Set([
  'pobox.com',
  'bigfoot.com',
  'iname.com',
  'forward.to',
  'mail.com',
  'post.com',
  'usa.com',
  'myself.com',
  'alumni.net',
  'duck.com',
  'simplelogin.com',
  'anonaddy.me',
  'privaterelay.appleid.com',
]);

/** `pobox.com`, `alum.mit.edu`, `alumni.stanford.edu`, `post.harvard.edu`: an address kept for life, not a workplace. */
export function isForwardingDomain(domain: string): boolean {
  if (FORWARDING_DOMAINS.has(domain) || FORWARDING_DOMAINS.has(organizationOf(domain))) return true;
  const first = domain.split('.')[0] ?? '';
  return domain.split('.').length > 2 && /^(alum|alumni|alumnae|post|forward|fwd|lifetime)$/.test(first);
}

/** `mail.ect.enron.com` → `enron.com`; `news.bbc.co.uk` → `bbc.co.uk`; IP literals unchanged. */
export function organizationOf(domain: string): string {
  if (domain.startsWith('[')) return domain;
  const labels = domain.split('.');
  if (labels.length <= 2) return domain;
  const tld = labels.at(-1)!;
  const second = labels.at(-2)!;
  const keep = tld.length === 2 && SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/** Free-mail or not, the organization of an address (`kim@ect.enron.com` → `enron.com`). */
export function organizationOfAddress(address: string): string {
  return organizationOf(address.slice(address.lastIndexOf('@') + 1));
}
