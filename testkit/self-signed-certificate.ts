/** A throwaway self-signed key and certificate (openssl), for the test servers that speak TLS. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Writes `key.pem` and `cert.pem` into `dir`; returns both as read back. */
export function selfSignedCertificate(
  dir: string,
  options: { commonName: string; days: number; subjectAltName?: string },
): { key: Buffer; cert: string } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      String(options.days),
      '-subj',
      `/CN=${options.commonName}`,
      ...(options.subjectAltName ? ['-addext', `subjectAltName=${options.subjectAltName}`] : []),
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
}
