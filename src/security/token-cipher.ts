/**
 * OAuth tokens at rest: AES-256-GCM with a key from the environment, never plaintext in
 * Postgres. A ciphertext names the key that made it, so keys rotate without downtime:
 *
 *   rk1.<keyId>.<iv>.<ciphertext>.<tag>      (base64url parts; a 12-byte random IV each time)
 *
 * The first key encrypts, every key decrypts. The associated data binds a ciphertext to its
 * row and column (`accounts.refresh_token:<account id>`), so a token copied into another
 * account or column does not decrypt.
 *
 * Keys come from TOKEN_ENCRYPTION_KEYS (`id:base64key,...`, newest first). Outside production,
 * with no key configured, a fixed development key (id `dev`) is used so that tests, the demo
 * and a first local run work; production refuses to start without a real key. Outside
 * production the development key always decrypts (never encrypts once a real key is set), so
 * `rekindle tokens reencrypt` can move a development database onto a real key. In production it
 * never does: it is public, so whoever can write a row could make a "ciphertext" that decrypts.
 *
 * Deliberately left out: key derivation from passwords (keys are random 32 bytes), and any
 * plaintext fallback: a value that is not a ciphertext is refused.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError, type Config } from '../config/env.ts';
import { DEV_KEY, DEV_KEY_ID, parseTokenKeys, type TokenKey } from './token-keys.ts';

export { DEV_KEY_ID, parseTokenKeys, type TokenKey };

export interface TokenCipher {
  /** Id of the key new ciphertexts are made with. */
  readonly currentKeyId: string;
  encrypt(plaintext: string, context: string): string;
  decrypt(ciphertext: string, context: string): string;
  /** The key id a ciphertext names, or null when it is not one of ours. */
  keyIdOf(ciphertext: string): string | null;
}

export class TokenDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenDecryptError';
  }
}

const PREFIX = 'rk1';

export function createTokenCipher(keys: readonly TokenKey[], options: { acceptDevKey?: boolean } = {}): TokenCipher {
  const [current] = keys;
  if (!current) throw new Error('createTokenCipher: no key');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  if ((options.acceptDevKey ?? true) && !byId.has(DEV_KEY_ID)) byId.set(DEV_KEY_ID, DEV_KEY);

  return {
    currentKeyId: current.id,
    encrypt(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(aad(current.id, context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [PREFIX, current.id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(
        '.',
      );
    },
    decrypt(ciphertext, context) {
      const parts = ciphertext.split('.');
      if (parts.length !== 5 || parts[0] !== PREFIX) throw new TokenDecryptError('stored token is not a rekindle ciphertext');
      const [, id, iv, body, tag] = parts as [string, string, string, string, string];
      const key = byId.get(id);
      if (!key) throw new TokenDecryptError(`stored token was encrypted with key "${id}", which TOKEN_ENCRYPTION_KEYS does not hold`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(aad(id, context));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new TokenDecryptError(`stored token does not decrypt with key "${id}" (altered, or moved from another row)`);
      }
    },
    keyIdOf(ciphertext) {
      const parts = ciphertext.split('.');
      return parts.length === 5 && parts[0] === PREFIX ? parts[1]! : null;
    },
  };
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${PREFIX}|${keyId}|${context}`, 'utf8');
}

/** The cipher the process's config asks for; names TOKEN_ENCRYPTION_KEYS when production lacks it. */
export function tokenCipherFor(config: Pick<Config, 'TOKEN_ENCRYPTION_KEYS' | 'NODE_ENV'>): TokenCipher {
  if (config.TOKEN_ENCRYPTION_KEYS)
    return createTokenCipher(config.TOKEN_ENCRYPTION_KEYS, { acceptDevKey: config.NODE_ENV !== 'production' });
  if (config.NODE_ENV === 'production') {
    throw new ConfigError([
      { variable: 'TOKEN_ENCRYPTION_KEYS', message: 'required in production to encrypt OAuth tokens (e.g. k1:$(openssl rand -base64 32))' },
    ]);
  }
  return createTokenCipher([{ id: DEV_KEY_ID, key: DEV_KEY }]);
}

/** For callers without a Config at hand (tests, the demo): the environment's cipher. */
export function defaultTokenCipher(): TokenCipher {
  const raw = process.env.TOKEN_ENCRYPTION_KEYS;
  const keys = raw ? parseTokenKeys(raw) : undefined;
  return tokenCipherFor({ TOKEN_ENCRYPTION_KEYS: keys, NODE_ENV: process.env.NODE_ENV === 'production' ? 'production' : 'development' });
}

/** The associated data of a token column of one account. */
export function tokenContext(column: 'refresh_token' | 'access_token' | 'calendar_secret', accountId: string): string {
  return `accounts.${column}:${accountId}`;
}
