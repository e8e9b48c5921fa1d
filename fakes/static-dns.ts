/**
 * DNS for mail authentication where there is none: the demo and the tests answer DKIM, SPF
 * and DMARC lookups from their own records (`mailauth`'s resolver option), with a DKIM key pair
 * made on the spot. Names missing from the table answer NXDOMAIN, as real DNS would.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { DNSResolver } from 'mailauth';

/** `TXT` records by name (lower-case, no trailing dot). */
export type TxtRecords = Record<string, string[]>;

export function staticResolver(txt: TxtRecords): DNSResolver {
  return async (name, rrtype) => {
    const records = rrtype.toUpperCase() === 'TXT' ? txt[name.toLowerCase().replace(/\.$/, '')] : undefined;
    if (!records) throw Object.assign(new Error(`query${rrtype} ENOTFOUND ${name}`), { code: 'ENOTFOUND', hostname: name });
    // Long TXT values come in 255-byte strings, as DNS serves them.
    return records.map((value) => value.match(/.{1,255}/g) ?? ['']);
  };
}

export interface DkimKey {
  domain: string;
  selector: string;
  /** PEM, for nodemailer's `dkim` option. */
  privateKey: string;
  /** The record to publish at `<selector>._domainkey.<domain>`. */
  record: { name: string; value: string };
}

export function makeDkimKey(domain: string, selector: string): DkimKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    domain,
    selector,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    record: {
      name: `${selector}._domainkey.${domain}`,
      value: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
    },
  };
}
