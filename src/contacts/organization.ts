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
]);

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
