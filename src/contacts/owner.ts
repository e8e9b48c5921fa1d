import { normalizeAddress } from './normalize-address.ts';
import type { Owner } from './types.ts';

/**
 * The user as a set of identity keys: account addresses, provider aliases and configured
 * aliases, all normalized the same way as contacts, so `J.Doe+x@googlemail.com` is the
 * owner when `jdoe@gmail.com` is. Entries that are not addresses are ignored.
 */
export function createOwner(addresses: Iterable<string>): Owner {
  const keys = new Set<string>();
  for (const address of addresses) {
    const key = normalizeAddress(address);
    if (key !== null) keys.add(key);
  }
  return { addresses: keys };
}

export function isOwner(owner: Owner, email: string): boolean {
  const key = normalizeAddress(email);
  return key !== null && owner.addresses.has(key);
}
