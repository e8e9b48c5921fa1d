/**
 * Opaque page and sync tokens. They carry a position (a keyset, never an offset, so mail that
 * arrives between pages cannot shift a page), the kind of listing that issued them and a key
 * of its filters, so a token replayed against another listing is refused like Google does.
 */
import { createHash } from 'node:crypto';

interface Envelope<T> {
  k: string;
  f: string;
  d: T;
}

export function encodeToken<T>(kind: string, filterKey: string, data: T): string {
  const envelope: Envelope<T> = { k: kind, f: filterKey, d: data };
  return Buffer.from(JSON.stringify(envelope)).toString('base64url');
}

/** The token's data, or null when it is not one of ours for this kind and filter. */
export function decodeToken<T>(kind: string, filterKey: string, token: string): T | null {
  try {
    const envelope = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Envelope<T>;
    if (envelope?.k !== kind || envelope.f !== filterKey || envelope.d === undefined) return null;
    return envelope.d;
  } catch {
    return null;
  }
}

/** A short stable key of the parameters a listing was made with. */
export function filterKey(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}
