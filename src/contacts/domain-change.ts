/**
 * "They write from newco.io since March (oldco.de before): likely a new job." A false one is
 * worse than none (issue 14: a laid-off person writing from earthlink.net was congratulated,
 * a garbled `'.''dorothy@enron.com` made a move out of nothing), so the rule claims a move
 * only when the mail leaves no other reading:
 *
 * - only addresses that can speak for an employer count: a clean address (domainEvidence),
 *   not free mail, not a forwarding service, not a role or automated address;
 * - they wrote from the new organization on at least MIN_MOVE_DAYS different days (one
 *   message is not a move);
 * - nothing came from the old organization once the new one had started (a person writing
 *   from both is someone with two hats, not someone who moved).
 *
 * Otherwise null: the reason is left out rather than guessed.
 */
import { automatedAddressReason } from './detect-automated.ts';
import { isCleanAddress } from './normalize-address.ts';
import { FREE_MAIL_DOMAINS, isForwardingDomain, organizationOf } from './organization.ts';
import type { ContactSummary } from './types.ts';

/** Different days with mail from the new organization before it counts as a move. */
export const MIN_MOVE_DAYS = 2;

/** Mail a person sent the user from one of their addresses (normalized), up to asOf. */
export interface SenderActivity {
  address: string;
  /** Their first mail from this address, ms since the epoch. */
  firstAt: number;
  /** Distinct UTC day numbers with mail from this address. */
  days: ReadonlySet<number>;
}

/**
 * Why an address says nothing about where someone works, or null when it can: `garbled`
 * (not a clean address: quotes, stray dots), `free-mail`, `forwarding`, `role:…`/automated.
 */
export function notEmployerEvidence(address: string): string | null {
  if (!isCleanAddress(address)) return 'garbled';
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const organization = organizationOf(domain);
  if (FREE_MAIL_DOMAINS.has(domain) || FREE_MAIL_DOMAINS.has(organization)) return 'free-mail';
  if (isForwardingDomain(domain)) return 'forwarding';
  return automatedAddressReason(address);
}

/** The move the person's own mail shows, or null when it does not show one beyond doubt. */
export function domainChangeOf(senders: Iterable<SenderActivity>): ContactSummary['domainChange'] {
  const organizations = new Map<string, { days: Set<number>; first: number; last: number; firstAt: number }>();
  for (const { address, firstAt, days } of senders) {
    if (days.size === 0 || notEmployerEvidence(address) !== null) continue;
    const organization = organizationOf(address.slice(address.lastIndexOf('@') + 1));
    let entry = organizations.get(organization);
    if (!entry) {
      entry = { days: new Set(), first: Infinity, last: -Infinity, firstAt: Infinity };
      organizations.set(organization, entry);
    }
    if (firstAt < entry.firstAt) entry.firstAt = firstAt;
    for (const day of days) {
      entry.days.add(day);
      if (day < entry.first) entry.first = day;
      if (day > entry.last) entry.last = day;
    }
  }
  if (organizations.size < 2) return null;
  const byLast = [...organizations].sort((a, b) => b[1].last - a[1].last || (a[0] < b[0] ? -1 : 1));
  const [to, now] = byLast[0]!;
  if (now.days.size < MIN_MOVE_DAYS) return null;
  // Every other organization fell silent before the new one began.
  if (byLast.slice(1).some(([, before]) => before.last >= now.first)) return null;
  const [from] = byLast[1]!;
  return { from, to, since: new Date(now.firstAt) };
}
