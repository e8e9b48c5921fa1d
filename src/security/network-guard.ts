/**
 * Which addresses rekindle may connect to for a server a person named (an IMAP host, a CalDAV
 * or `.ics` address). Without this, the "Other mailbox" form would let any signed-in visitor
 * make rekindle open connections inside the network it runs in: to its own Postgres and Redis,
 * a cloud's metadata service (169.254.169.254), a router's admin page — and learn from the
 * answer which ports are open.
 *
 * So, unless the operator allows private networks (ALLOW_PRIVATE_SERVERS, for self-hosters whose
 * mail server is on the LAN, and for the tests' loopback Dovecot): a name is resolved first, every
 * address it resolves to must be public, and the connection goes to the address that was checked
 * — never to the name again, which a hostile DNS server could answer differently the second time
 * (DNS rebinding).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Special-purpose ranges (IANA's IPv4 and IPv6 special-purpose registries): none is a mail provider. */
const SPECIAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const)
  SPECIAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, …)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: an IPv4 address inside, which could be any of the above
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const)
  SPECIAL.addSubnet(network, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIpv4(address: string): string | null {
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True for an address on the public internet; false for private, loopback, link-local and other special ranges. */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return !SPECIAL.check(bare, 'ipv4');
  if (family !== 6) return false;
  const v4 = embeddedIpv4(bare);
  if (v4) return !SPECIAL.check(v4, 'ipv4');
  return !SPECIAL.check(bare, 'ipv6');
}

/** The server's name resolves to an address rekindle does not connect to (the code says which rule, not which address). */
export class BlockedAddressError extends Error {
  readonly code = 'ERR_PRIVATE_ADDRESS';
  constructor(host: string) {
    super(`${host} is on a private or local network, which this rekindle does not connect to`);
    this.name = 'BlockedAddressError';
  }
}

export interface NetworkPolicy {
  /** The operator's ALLOW_PRIVATE_SERVERS: private, loopback and link-local addresses are allowed too. */
  allowPrivate: boolean;
}

/**
 * The address to connect to for `host`: the host itself when it is an address, else what it
 * resolves to. Every resolved address is checked (a name with one public and one private
 * address is refused: the system resolver could pick either). Throws BlockedAddressError, or
 * the resolver's error (ENOTFOUND) for a name that does not exist.
 */
export async function resolveAllowedAddress(host: string, policy: NetworkPolicy): Promise<{ address: string; family: 4 | 6 }> {
  const bare = host.replace(/^\[|\]$/g, '');
  const literal = isIP(bare);
  if (literal) {
    if (!policy.allowPrivate && !isPublicAddress(bare)) throw new BlockedAddressError(host);
    return { address: bare, family: literal as 4 | 6 };
  }
  const addresses = await dnsLookup(bare, { all: true, verbatim: true });
  if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
  if (!policy.allowPrivate && addresses.some((a) => !isPublicAddress(a.address))) throw new BlockedAddressError(host);
  const first = addresses[0]!;
  return { address: first.address, family: first.family as 4 | 6 };
}

/**
 * A `lookup` for net/tls/undici connections: the same check at the moment of connecting, with
 * the checked address handed straight to the socket (no second resolution to rebind).
 */
export function guardedLookup(policy: NetworkPolicy): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    resolveAllowedAddress(hostname, policy).then(
      ({ address, family }) => (options?.all ? callback(null, [{ address, family }]) : callback(null, address, family)),
      (error: unknown) => callback(error),
    );
  }) as LookupFunction;
}
