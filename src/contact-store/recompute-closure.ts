/**
 * Which addresses an incremental recompute must read together. Identity (src/contacts/
 * identity.ts) joins addresses only within a name group (the same nameKey) or by the user's
 * decisions, so a person's summary depends on nothing outside the addresses connected to it
 * by a shared name, a shared person before, or a decision. The changed addresses (`seeds`)
 * and everything so connected to them are recomputed; each connected component can be read
 * apart from the others, which keeps a recompute of many people in bounded memory. Pure.
 */
import { nameKeyOf } from '../contacts/compute-contacts.ts';
import type { IdentityDecision } from '../contacts/identity.ts';

/** A row of contact_addresses: what the last recompute left of an address. */
export interface StoredAddress {
  address: string;
  nameKey: string | null;
  person: string;
  nextAt: Date | null;
}

export interface ClosureInput {
  /** Addresses whose interactions changed, or whose next interaction became history. */
  seeds: ReadonlySet<string>;
  stored: readonly StoredAddress[];
  /** The seeds' names up to asOf, as written, with counts and last dates (their name groups now). */
  names: readonly { contact: string; name: string; count: number; last: Date }[];
  decisions: readonly IdentityDecision[];
}

export interface Closure {
  addresses: Set<string>;
  /** The addresses in connected groups, each sorted, groups ordered by their first address. */
  components: string[][];
}

export function closureOf(input: ClosureInput): Closure {
  const written = new Map<string, { name: string; count: number; last: number }[]>();
  for (const row of input.names) {
    const list = written.get(row.contact) ?? [];
    list.push({ name: row.name, count: row.count, last: row.last.getTime() });
    written.set(row.contact, list);
  }
  // Every name group an address is in, before (stored) and, for the seeds, now.
  const keysOf = new Map<string, string[]>();
  const byKey = new Map<string, string[]>();
  const byPerson = new Map<string, string[]>();
  const link = (index: Map<string, string[]>, key: string, address: string) => {
    const list = index.get(key);
    if (list) list.push(address);
    else index.set(key, [address]);
  };
  const storedOf = new Map<string, StoredAddress>();
  for (const s of input.stored) {
    storedOf.set(s.address, s);
    if (s.nameKey !== null) link(byKey, s.nameKey, s.address);
    link(byPerson, s.person, s.address);
  }
  for (const seed of input.seeds) {
    const now = nameKeyOf(written.get(seed) ?? []);
    if (now !== null && now !== storedOf.get(seed)?.nameKey) link(byKey, now, seed);
    keysOf.set(
      seed,
      [storedOf.get(seed)?.nameKey ?? null, now].filter((k): k is string => k !== null),
    );
  }
  const partners = new Map<string, string[]>();
  for (const d of input.decisions) {
    link(partners, d.a, d.b);
    link(partners, d.b, d.a);
  }

  const parent = new Map<string, string>();
  const find = (a: string): string => {
    let root = a;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let x = a; x !== root; ) {
      const next = parent.get(x)!;
      parent.set(x, root);
      x = next;
    }
    return root;
  };
  const queue: string[] = [];
  const visit = (address: string, from: string | null) => {
    if (!parent.has(address)) {
      parent.set(address, address);
      queue.push(address);
    }
    if (from !== null) {
      const a = find(address);
      const b = find(from);
      if (a !== b) parent.set(a, b);
    }
  };
  for (const seed of input.seeds) visit(seed, null);
  const seenKeys = new Set<string>();
  const seenPersons = new Set<string>();
  while (queue.length > 0) {
    const address = queue.pop()!;
    const stored = storedOf.get(address);
    const keys = keysOf.get(address) ?? (stored?.nameKey ? [stored.nameKey] : []);
    for (const key of keys) {
      const group = byKey.get(key) ?? [];
      if (seenKeys.has(key)) {
        if (group.length > 0) visit(group[0]!, address);
        continue;
      }
      seenKeys.add(key);
      for (const other of group) visit(other, address);
    }
    if (stored) {
      const members = byPerson.get(stored.person) ?? [];
      if (seenPersons.has(stored.person)) {
        if (members.length > 0) visit(members[0]!, address);
      } else {
        seenPersons.add(stored.person);
        for (const other of members) visit(other, address);
      }
    }
    for (const other of partners.get(address) ?? []) visit(other, address);
  }

  const groups = new Map<string, string[]>();
  for (const address of parent.keys()) {
    const root = find(address);
    const list = groups.get(root);
    if (list) list.push(address);
    else groups.set(root, [address]);
  }
  const components = [...groups.values()].map((g) => g.sort(byCodePoint)).sort((a, b) => byCodePoint(a[0]!, b[0]!));
  return { addresses: new Set(parent.keys()), components };
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
