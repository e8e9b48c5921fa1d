/**
 * TOKEN_ENCRYPTION_KEYS: `id:key,id:key`, newest first, each key 32 random bytes in base64 (or
 * 64 hex digits). Kept apart from the cipher so the environment schema can parse it.
 */
import { createHash } from 'node:crypto';

export interface TokenKey {
  id: string;
  key: Buffer;
}

export const DEV_KEY_ID = 'dev';
/** Public on purpose: it protects nothing, it only keeps the code path the same everywhere. */
export const DEV_KEY = createHash('sha256').update('rekindle development token key; never use in production').digest();
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;

/** Parses `id:base64key,id:base64key` (newest first); each key is exactly 32 bytes. */
export function parseTokenKeys(value: string): TokenKey[] {
  const keys = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      if (colon < 1) throw new Error('each key is written id:base64key, e.g. k1:$(openssl rand -base64 32)');
      const id = entry.slice(0, colon);
      const material = entry.slice(colon + 1);
      if (!KEY_ID.test(id)) throw new Error(`key id "${id}" must be 1-16 letters, digits, - or _`);
      if (id === DEV_KEY_ID) throw new Error(`key id "${DEV_KEY_ID}" is reserved for the development key`);
      const key = /^[0-9a-f]{64}$/i.test(material) ? Buffer.from(material, 'hex') : Buffer.from(material, 'base64');
      if (key.length !== 32) throw new Error(`key "${id}" must be 32 bytes (openssl rand -base64 32)`);
      return { id, key };
    });
  if (keys.length === 0) throw new Error('no key given');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('key ids must be unique');
  return keys;
}
