/**
 * Exchange and Outlook mailboxes name people without SMTP addresses: a sender as a legacy
 * Exchange DN (`"Bailey, Susan" </O=ENRON/OU=NA/CN=RECIPIENTS/CN=SBAILE2>`, Graph's `EX`
 * addresses), a recipient as a display name only (`"Watson, Kimberly"`). Dropping them loses
 * most of a corporate mailbox, so each such mailbox gets a stable placeholder key (an alias:
 * `ex:<dn>` or `name:<name>`) and is resolved to an SMTP address from what the same mailbox
 * shows of that person elsewhere:
 *
 * - an address written beside its directory entry (an export's `X-From`/`X-To`/`X-cc`
 *   pairing `jsmith@enron.com` with `Smith, John </O=…/CN=JSMITH>`): DN ↔ SMTP;
 * - a display name written with an SMTP address, or with a DN: name ↔ SMTP, name ↔ DN;
 * - the owner's own Sent mail written from a DN or a bare name: that DN and name are the owner.
 *
 * A DN is one directory entry, so all SMTP addresses seen with it are one mailbox: the most
 * seen wins. A name is resolved only when everything it was seen with is one person (one DN,
 * and no SMTP address that DN was not seen with): `Smith, Mike B` and `Smith, Mike D.` are
 * different names, and a name seen with two directory entries stays unresolved. What stays
 * unresolved is kept (as pending interactions, see src/sync/resolve-pending.ts) and counted,
 * never dropped. Pure.
 */
import type { Address, MessageMeta } from '../mail/types.ts';
import { displayNameOf, nameKey } from './display-name.ts';
import { normalizeAddress } from './normalize-address.ts';
import type { Owner } from './types.ts';

/** One thing the mailbox showed: `alias` (an `ex:` or `name:` key) was written with `target` (an address or an `ex:` key), `seen` times. */
export interface AddressEvidence {
  alias: string;
  target: string;
  seen: number;
}

const DN_PREFIX = 'ex:';
const NAME_PREFIX = 'name:';

/** A key that stands for a mailbox without an SMTP address (not a contact until resolved). */
export function isAlias(key: string): boolean {
  return key.startsWith(DN_PREFIX) || key.startsWith(NAME_PREFIX);
}

/** The alias of a full display name: its natural order (`Watson, Kimberly` is `Kimberly Watson`), lower case, initials kept; null for a single word. */
export function nameAlias(name: string | null | undefined): string | null {
  if (!name) return null;
  let alias = seenNames.get(name);
  if (alias === undefined) {
    const shown = displayNameOf(name);
    // A full name only (two words or more, see nameKey): a first name alone ("Kim") names too many people.
    alias = shown && nameKey(shown) !== null ? NAME_PREFIX + shown.toLowerCase() : null;
    // Names repeat on thousands of messages: a bounded memo of a pure function.
    if (name.length <= 200) {
      if (seenNames.size >= 10_000) seenNames.clear();
      seenNames.set(name, alias);
    }
  }
  return alias;
}

const seenNames = new Map<string, string | null>();

/** The placeholder key of a mailbox without a usable SMTP address: its DN, else its name; null when it has neither. */
export function aliasOf(address: Address): string | null {
  if (address.dn) return DN_PREFIX + address.dn;
  return nameAlias(address.name);
}

/** The identity key of a mailbox as written: its normalized SMTP address, else its alias (resolved when `resolve` knows it). */
export function keyOfMailbox(address: Address, resolve?: (alias: string) => string | null): string | null {
  const key = normalizeAddress(address.email);
  if (key !== null) return key;
  const alias = aliasOf(address);
  if (alias === null) return null;
  return resolve?.(alias) ?? alias;
}

/** Every alias a message's mailboxes would need resolved. */
export function aliasesOf(message: MessageMeta): string[] {
  const result: string[] = [];
  for (const address of mailboxesOf(message)) {
    if (normalizeAddress(address.email) !== null) continue;
    const alias = aliasOf(address);
    if (alias !== null) result.push(alias);
  }
  return result;
}

/**
 * What one message shows about who is behind its DNs and names. The owner's Sent mail
 * written from a DN or a bare name says that DN and name are the owner (`ownerAddress`).
 */
export function evidenceOf(message: MessageMeta, ownerAddress: string | null): AddressEvidence[] {
  const result: AddressEvidence[] = [];
  observe(message, ownerAddress, (alias, target) => result.push({ alias, target, seen: 1 }));
  return result;
}

/** The evidence of many messages, one row per (alias, target) with its count, in a fixed order. */
export function evidenceOfMessages(messages: Iterable<MessageMeta>, ownerAddress: string | null): AddressEvidence[] {
  // Keyed alias → target → count: a batch repeats the same few pairs on most of its messages.
  const tally = new Map<string, Map<string, number>>();
  for (const message of messages) {
    observe(message, ownerAddress, (alias, target) => {
      let targets = tally.get(alias);
      if (!targets) tally.set(alias, (targets = new Map()));
      targets.set(target, (targets.get(target) ?? 0) + 1);
    });
  }
  const rows: AddressEvidence[] = [];
  for (const alias of [...tally.keys()].sort(compare)) {
    const targets = tally.get(alias)!;
    for (const target of [...targets.keys()].sort(compare)) rows.push({ alias, target, seen: targets.get(target)! });
  }
  return rows;
}

function observe(message: MessageMeta, ownerAddress: string | null, push: (alias: string, target: string) => void): void {
  const pair = (alias: string | null, target: string | null) => {
    if (alias !== null && target !== null && alias !== target) push(alias, target);
  };
  for (const address of mailboxesOf(message)) {
    // A garbled address (`.williams@enron.com`) is still what this slot was written with: the
    // name resolves to it, kept apart as it is (never repaired into someone else).
    const key = normalizeAddress(address.email);
    const dn = address.dn ? DN_PREFIX + address.dn : null;
    const name = nameAlias(address.name);
    if (key !== null) {
      pair(dn, key);
      pair(name, key);
    } else {
      pair(name, dn);
    }
  }
  if (message.folder === 'sent' && message.from && ownerAddress !== null && normalizeAddress(message.from.email) === null) {
    pair(message.from.dn ? DN_PREFIX + message.from.dn : null, ownerAddress);
    pair(nameAlias(message.from.name), ownerAddress);
  }
}

/** Evidence rows tallied: one row per (alias, target) with its count, in a fixed order. */
export function tallyEvidence(rows: Iterable<AddressEvidence>): AddressEvidence[] {
  const tally = new Map<string, AddressEvidence>();
  for (const row of rows) {
    const id = `${row.alias}\u0000${row.target}`;
    const seen = tally.get(id);
    if (seen) seen.seen += row.seen;
    else tally.set(id, { ...row });
  }
  return [...tally.values()].sort((a, b) => compare(a.alias, b.alias) || compare(a.target, b.target));
}

/**
 * The SMTP address each alias stands for, where the evidence makes it certain (see the
 * header); aliases left out stay unresolved. Owner addresses count as one: a DN seen with two
 * of the owner's aliases is the owner.
 */
export function resolveAliases(aliases: Iterable<string>, evidence: readonly AddressEvidence[], owner: Owner): Map<string, string> {
  const targets = new Map<string, Map<string, number>>();
  const namesOfDn = new Map<string, Set<string>>();
  for (const { alias, target, seen } of evidence) {
    let map = targets.get(alias);
    if (!map) targets.set(alias, (map = new Map()));
    map.set(target, (map.get(target) ?? 0) + seen);
    if (target.startsWith(DN_PREFIX) && alias.startsWith(NAME_PREFIX)) {
      let names = namesOfDn.get(target);
      if (!names) namesOfDn.set(target, (names = new Set()));
      names.add(alias);
    }
  }
  const addressesOf = (alias: string) => [...(targets.get(alias) ?? new Map<string, number>())].filter(([t]) => !isAlias(t));
  const dnsOf = (alias: string) => [...(targets.get(alias)?.keys() ?? [])].filter((t) => t.startsWith(DN_PREFIX));

  /** One mailbox among addresses: the owner if any is theirs, else the most seen (then the first by spelling). */
  const oneMailbox = (seen: [string, number][]): string | null => {
    if (seen.length === 0) return null;
    const own = seen.map(([a]) => a).filter((a) => owner.addresses.has(a));
    if (own.length > 0) return own.sort(compare)[0]!;
    return [...seen].sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))[0]![0];
  };
  /** Several addresses are one person only when they are all the owner's, or all one. */
  const onePerson = (addresses: string[]): string | null => {
    const distinct = [...new Set(addresses)];
    if (distinct.length === 1) return distinct[0]!;
    if (distinct.length > 1 && distinct.every((a) => owner.addresses.has(a))) return distinct.sort(compare)[0]!;
    return null;
  };

  const resolveDn = (dn: string): string | null => {
    const direct = oneMailbox(addressesOf(dn));
    if (direct !== null) return direct;
    // No address beside the DN: through names that belong to this entry alone.
    const viaNames: string[] = [];
    for (const name of namesOfDn.get(dn) ?? []) {
      if (dnsOf(name).length !== 1) continue;
      viaNames.push(...addressesOf(name).map(([a]) => a));
    }
    return onePerson(viaNames);
  };

  const resolveName = (name: string): string | null => {
    const dns = dnsOf(name);
    const direct = addressesOf(name).map(([a]) => a);
    if (dns.length === 0) return onePerson(direct);
    const ofDns = dns.map((dn) => oneMailbox(addressesOf(dn)));
    // Two directory entries under one name are one person only when both are (the owner's two mailboxes).
    const resolved = ofDns.every((r) => r !== null) ? onePerson(ofDns as string[]) : dns.length === 1 ? onePerson(direct) : null;
    if (resolved === null) return null;
    const ofEntries = new Set([resolved, ...dns.flatMap((dn) => addressesOf(dn).map(([a]) => a))]);
    // The owner's own directory entry under their own name: the stray forms it was also written
    // with (`.vince@`, `vince_j_kaminski@`) are theirs, not a namesake's.
    if (owner.addresses.has(resolved)) return resolved;
    // The name was also written with an address its directory entries never were: a namesake, perhaps.
    return direct.every((a) => ofEntries.has(a)) ? resolved : null;
  };

  const result = new Map<string, string>();
  for (const alias of aliases) {
    if (result.has(alias)) continue;
    const resolved = alias.startsWith(DN_PREFIX) ? resolveDn(alias) : alias.startsWith(NAME_PREFIX) ? resolveName(alias) : null;
    if (resolved !== null) result.set(alias, resolved);
  }
  return result;
}

function* mailboxesOf(message: MessageMeta): Iterable<Address> {
  if (message.from) yield message.from;
  yield* message.to;
  yield* message.cc;
  yield* message.bcc;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
