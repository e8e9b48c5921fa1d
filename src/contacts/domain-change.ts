/**
 * "They write from newco.io since March (oldco.de before): likely a new job." A false one is
 * worse than none (issue 14: a laid-off person writing from earthlink.net was congratulated,
 * a garbled `'.''dorothy@enron.com` made a move out of nothing), so the rule claims a move
 * only when the mail leaves no other reading:
 *
 * - only addresses that can speak for an employer count: a clean address (domainEvidence),
 *   not free mail, not a forwarding service, not a role or automated address;
 * - they wrote from the new organization on two different days or more (one message is not
 *   a move);
 * - nothing came from the old organization once the new one had started (a person writing
 *   from both is someone with two hats, not someone who moved).
 *
 * Otherwise null: the reason is left out rather than guessed.
 */
import { automatedAddressReason } from './detect-automated.ts';
import { isCleanAddress } from './normalize-address.ts';
import { FREE_MAIL_DOMAINS, isForwardingDomain, organizationOf } from './organization.ts';
import type { ContactSummary } from './types.ts';

const DAY = 86_400_000;

/** Mail a person sent the user from one of their addresses (normalized), up to asOf. */
export interface SenderActivity {
  address: string;
  /** Their first and last mail from this address, ms since the epoch. */
  firstAt: number;
  lastAt: number;
  /** Mail from this address on two different (UTC) days or more. */
  severalDays: boolean;
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
export function domainChangeOf(senders: readonly SenderActivity[]): ContactSummary['domainChange'] {
  // Most people write from one address: nothing to weigh (this runs for every contact).
  if (senders.length < 2) return null;
  const organizations = new Map<string, { firstAt: number; lastAt: number; firstDay: number; severalDays: boolean }>();
  for (const { address, firstAt, lastAt, severalDays } of senders) {
    if (notEmployerEvidence(address) !== null) continue;
    const organization = organizationOf(address.slice(address.lastIndexOf('@') + 1));
    const firstDay = Math.floor(firstAt / DAY);
    const entry = organizations.get(organization);
    if (!entry) {
      organizations.set(organization, { firstAt, lastAt, firstDay, severalDays: severalDays || Math.floor(lastAt / DAY) !== firstDay });
      continue;
    }
    // Two addresses of one organization: several days if either has them, or their days differ.
    entry.severalDays ||= severalDays || firstDay !== entry.firstDay || Math.floor(lastAt / DAY) !== firstDay;
    if (firstAt < entry.firstAt) {
      entry.firstAt = firstAt;
      entry.firstDay = firstDay;
    }
    if (lastAt > entry.lastAt) entry.lastAt = lastAt;
  }
  if (organizations.size < 2) return null;
  const byLast = [...organizations].sort((a, b) => b[1].lastAt - a[1].lastAt || (a[0] < b[0] ? -1 : 1));
  const [to, now] = byLast[0]!;
  if (!now.severalDays) return null;
  // Every other organization fell silent before the day the new one began.
  if (byLast.slice(1).some(([, before]) => Math.floor(before.lastAt / DAY) >= now.firstDay)) return null;
  const [from] = byLast[1]!;
  return { from, to, since: new Date(now.firstAt) };
}
