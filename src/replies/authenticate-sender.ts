/**
 * Did the reply really come from the mail provider of the address in its From? A From line
 * is trivially forged; what proves it is the sender's domain: a DKIM signature of that domain
 * (or an SPF pass for it) that DMARC aligns with the From.
 *
 * - The built-in SMTP listener knows the connection (client IP, HELO, MAIL FROM), so it
 *   checks DKIM, SPF and DMARC itself with `mailauth`.
 * - The IMAP mailbox and the webhook get the message from another server, after the fact; they
 *   trust that server's verdict, the `Authentication-Results` header it added, but only from
 *   the servers named in TRUSTED_AUTHSERV_IDS. That server must remove such headers claiming
 *   its name from incoming mail (RFC 8601 section 5); Postfix with OpenDMARC, rspamd, Gmail,
 *   Fastmail and Microsoft 365 do.
 *
 * Verified: DMARC passed; or the domain publishes no DMARC record and an aligned DKIM
 * signature (or SPF) passed. Anything else — a DMARC failure, no signature, DNS that did not
 * answer, no trusted verdict — is not verified, and the reply is held for the owner to confirm.
 */
import { authenticate, type DNSResolver } from 'mailauth';

export interface SenderVerdict {
  verified: boolean;
  /** What was found, for `inbound_replies.auth` and logs: `dmarc=pass header.from=example.com`, `dmarc=fail`, `no trusted verdict`. */
  auth: string;
}

export interface AuthenticationSettings {
  /** authserv-ids whose Authentication-Results headers are believed (IMAP and webhook). */
  trustedAuthservIds: string[];
  /** This server's name in the Authentication-Results it computes (SMTP). */
  mta: string;
  /** DNS for DKIM, SPF and DMARC; the system's when absent (tests serve their own records). */
  resolver?: DNSResolver;
}

export interface ConnectionInfo {
  ip: string;
  helo: string | null;
  /** MAIL FROM; `''` for the null sender. */
  mailFrom: string | null;
}

export async function authenticateSender(
  raw: Buffer,
  fromAddress: string,
  connection: ConnectionInfo | null,
  settings: AuthenticationSettings,
  authenticationResults: string[],
): Promise<SenderVerdict> {
  const fromDomain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
  if (connection) return checkConnection(raw, fromDomain, connection, settings);
  return trustedVerdict(authenticationResults, fromDomain, settings.trustedAuthservIds);
}

async function checkConnection(
  raw: Buffer,
  fromDomain: string,
  connection: ConnectionInfo,
  settings: AuthenticationSettings,
): Promise<SenderVerdict> {
  let result: Awaited<ReturnType<typeof authenticate>>;
  try {
    result = await authenticate(raw, {
      ip: connection.ip,
      helo: connection.helo ?? undefined,
      sender: connection.mailFrom ?? undefined,
      mta: settings.mta,
      resolver: settings.resolver,
      disableArc: true,
      disableBimi: true,
    });
  } catch (error) {
    return { verified: false, auth: `error: ${error instanceof Error ? error.message.slice(0, 120) : 'unknown'}` };
  }
  const dmarc = result.dmarc ? result.dmarc.status.result : 'none';
  if (dmarc === 'pass') return { verified: true, auth: `dmarc=pass header.from=${fromDomain}` };
  if (dmarc !== 'none') return { verified: false, auth: `dmarc=${dmarc} header.from=${fromDomain}` };
  // No DMARC record: DMARC's own test, alignment of a passing DKIM signature or SPF.
  const dkim = result.dkim.results.find((r) => r.status.result === 'pass' && r.signingDomain && aligned(r.signingDomain, fromDomain));
  if (dkim) return { verified: true, auth: `dkim=pass header.d=${dkim.signingDomain} (no dmarc record)` };
  const spf = result.spf || null;
  const spfDomain = spf?.domain ?? null;
  if (spf?.status.result === 'pass' && spfDomain && aligned(spfDomain, fromDomain))
    return { verified: true, auth: `spf=pass smtp.mailfrom=${spfDomain} (no dmarc record)` };
  const dkimResults = result.dkim.results.map((r) => r.status.result).join(',') || 'none';
  return { verified: false, auth: `dmarc=none dkim=${dkimResults} spf=${spf?.status.result ?? 'none'}` };
}

/** The verdict of the trusted servers' Authentication-Results headers. */
export function trustedVerdict(headers: string[], fromDomain: string, trusted: string[]): SenderVerdict {
  const ids = new Set(trusted.map((t) => t.toLowerCase()));
  const results = headers.map(parseAuthenticationResults).filter((r) => r !== null && ids.has(r.authservId));
  if (results.length === 0) return { verified: false, auth: 'no trusted verdict' };
  const methods = results.flatMap((r) => r!.results);
  const dmarc = methods.filter((m) => m.method === 'dmarc');
  const headerFrom = (m: AuthResult) => m.props['header.from']?.toLowerCase();
  if (dmarc.some((m) => m.result !== 'pass' && m.result !== 'none')) {
    const failed = dmarc.find((m) => m.result !== 'pass' && m.result !== 'none')!;
    return { verified: false, auth: `dmarc=${failed.result} (${results[0]!.authservId})` };
  }
  const pass = dmarc.find((m) => m.result === 'pass' && (headerFrom(m) === undefined || headerFrom(m) === fromDomain));
  if (pass) return { verified: true, auth: `dmarc=pass header.from=${fromDomain} (${results[0]!.authservId})` };
  const dkim = methods.find((m) => {
    const d = m.props['header.d'] ?? m.props['header.i']?.replace(/^.*@/, '');
    return m.method === 'dkim' && m.result === 'pass' && d !== undefined && aligned(d, fromDomain);
  });
  if (dkim) return { verified: true, auth: `dkim=pass aligned (${results[0]!.authservId})` };
  const spf = methods.find((m) => {
    const d = m.props['smtp.mailfrom']?.replace(/^.*@/, '');
    return m.method === 'spf' && m.result === 'pass' && d !== undefined && aligned(d, fromDomain);
  });
  if (spf) return { verified: true, auth: `spf=pass aligned (${results[0]!.authservId})` };
  return { verified: false, auth: `not aligned (${results[0]!.authservId})` };
}

interface AuthResult {
  method: string;
  result: string;
  props: Record<string, string>;
}

/** `mx.example.com; dkim=pass header.d=x.org; spf=pass (comment) smtp.mailfrom=a@x.org; dmarc=pass header.from=x.org` */
export function parseAuthenticationResults(value: string): { authservId: string; results: AuthResult[] } | null {
  const text = stripComments(value).trim();
  const [head, ...rest] = text.split(';');
  const authservId = head?.trim().split(/\s+/)[0]?.toLowerCase();
  if (!authservId) return null;
  const results: AuthResult[] = [];
  for (const part of rest) {
    const m = /^\s*([a-z0-9_-]+)(?:\/\d+)?\s*=\s*([a-z]+)(.*)$/is.exec(part);
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const p of m[3]!.matchAll(/([a-z]+\.[a-z0-9_-]+)\s*=\s*("[^"]*"|[^\s;]+)/gi))
      props[p[1]!.toLowerCase()] = p[2]!.replace(/^"|"$/g, '');
    results.push({ method: m[1]!.toLowerCase(), result: m[2]!.toLowerCase(), props });
  }
  return { authservId, results };
}

function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (const ch of value) {
    if (ch === '"' && depth === 0) quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')' && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

/**
 * DMARC's relaxed alignment without the public suffix list: the same domain, or one a
 * subdomain of the other with at least two labels left (`mail.example.com` and `example.com`).
 */
export function aligned(a: string, b: string): boolean {
  const x = a.toLowerCase().replace(/\.$/, '');
  const y = b.toLowerCase().replace(/\.$/, '');
  if (x === y) return true;
  const [longer, shorter] = x.length > y.length ? [x, y] : [y, x];
  return shorter.includes('.') && longer.endsWith(`.${shorter}`);
}
