/**
 * The whole environment of rekindle, in one zod schema. It is parsed once per process
 * (`getConfig`) and a bad or missing variable stops the process with a message naming it.
 * Tests and the demo build their own config with `loadConfig({...})`.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseTokenKeys } from '../security/token-keys.ts';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: string[]) => z.url({ protocol: new RegExp(`^(${protocols.join('|')})$`) });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: url(['postgres', 'postgresql']).default('postgres://postgres@127.0.0.1:5432/rekindle'),
  REDIS_URL: url(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
  /** Key prefix of every BullMQ queue, so several deployments (or test files) share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:-]+$/)
    .default('rekindle'),

  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: url(['http', 'https']).default('http://localhost:3000'),
  /**
   * Secrets that sign links and OAuth state (src/security/signed-token.ts), comma-separated,
   * newest first: add a new one in front to rotate, drop the old one once its links expired.
   */
  LINK_SECRETS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().min(32, 'each secret needs at least 32 characters')).min(1))
    .optional(),
  /**
   * Keys that encrypt OAuth tokens at rest (AES-256-GCM), `id:base64key` comma-separated, newest
   * first: the first encrypts, all decrypt (src/security/token-cipher.ts). Required in production.
   */
  TOKEN_ENCRYPTION_KEYS: z
    .string()
    .transform((v, ctx) => {
      try {
        return parseTokenKeys(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  /**
   * A file on a volume where LINK_SECRETS and TOKEN_ENCRYPTION_KEYS are generated once when the
   * environment leaves them unset (docker compose's local try; src/config/secrets-file.ts).
   * Unset: nothing is generated, and production requires both.
   */
  SECRETS_FILE: z.string().min(1).optional(),
  /** Password of the queue dashboard (/admin/queues, user `admin`) and of /metrics; unset: no dashboard. */
  ADMIN_PASSWORD: z.string().min(12, 'use at least 12 characters').optional(),
  /**
   * The reverse proxies in front of `serve` whose X-Forwarded-For / -Proto to believe: a number
   * of hops, or their addresses and CIDRs comma-separated. Unset: none, so rate limits count the
   * connecting address. Never "every proxy": a client could then pick its own address.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(\d{1,2}|[0-9A-Fa-f:.\/]+(\s*,\s*[0-9A-Fa-f:.\/]+)*)$/, 'expected a number of hops or comma-separated proxy addresses / CIDRs')
    .transform((v) => (/^\d+$/.test(v) ? Number(v) : v.split(',').map((s) => s.trim())))
    .optional(),
  /** Days a digest's done / snooze / never links work. */
  ACTION_LINK_DAYS: z.coerce.number().int().min(1).max(365).default(30),

  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  /** Where the Gmail and Calendar APIs live; the emulator's address in tests and the demo. */
  GOOGLE_API_URL: url(['http', 'https']).optional(),
  GOOGLE_TOKEN_URL: url(['http', 'https']).default('https://oauth2.googleapis.com/token'),
  /** Google's consent screen (the emulator's in tests). */
  GOOGLE_AUTH_URL: url(['http', 'https']).default('https://accounts.google.com/o/oauth2/v2/auth'),
  /** Gmail's per-user quota; rekindle paces itself just under it. */
  GMAIL_QUOTA_UNITS_PER_MINUTE: z.coerce.number().int().positive().default(6000),
  /** Calendar API requests per user per minute. */
  CALENDAR_REQUESTS_PER_MINUTE: z.coerce.number().int().positive().default(600),

  MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  /** `common` (work, school and personal accounts), `organizations`, `consumers` or one tenant's id. */
  MICROSOFT_TENANT: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('common'),
  /** Where Microsoft Graph lives (no version); the emulator's address in tests and the demo. */
  MICROSOFT_GRAPH_URL: url(['http', 'https']).default('https://graph.microsoft.com'),
  /** The Microsoft identity platform (its token endpoint is `<url>/<tenant>/oauth2/v2.0/token`). */
  MICROSOFT_LOGIN_URL: url(['http', 'https']).default('https://login.microsoftonline.com'),
  /** Outlook's request budget per mailbox and 10 minutes; rekindle paces itself just under it. */
  GRAPH_REQUESTS_PER_10_MINUTES: z.coerce.number().int().positive().default(10_000),

  /** Minutes between incremental syncs of one account. */
  SYNC_INTERVAL_MINUTES: z.coerce.number().positive().default(15),
  /**
   * Provider requests in flight at once for one account. Unset: enough to keep the quota busy
   * at typical latency (about 8 for Gmail's 6,000 units a minute); providers may cap it lower.
   */
  SYNC_REQUEST_CONCURRENCY: z.coerce.number().int().min(1).max(200).optional(),
  /** Messages per listing page (capped by the provider's own maximum). */
  SYNC_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
  /** Pages one job handles before it yields the worker to other accounts. */
  SYNC_PAGES_PER_JOB: z.coerce.number().int().min(1).default(10),
  /** How long one provider request (token requests included) may take before it is given up and retried. */
  PROVIDER_TIMEOUT_SECONDS: z.coerce.number().positive().max(600).default(30),
  /** How long a claimed sync stays claimed without a heartbeat (a dead worker's claim expires). */
  SYNC_LEASE_SECONDS: z.coerce.number().int().min(1).default(120),
  /** How often a worker looks for due syncs and stale contacts (one worker at a time does). */
  SCHEDULER_TICK_SECONDS: z.coerce.number().positive().default(5),
  /** Jobs one worker process runs at once. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * How long `rekindle work` may take to stop after SIGTERM/SIGINT (finishing running jobs)
   * before it exits anyway — also while Redis or Postgres is unreachable. Keep it under the
   * orchestrator's grace period (docker compose: stop_grace_period).
   */
  WORKER_SHUTDOWN_SECONDS: z.coerce.number().positive().max(3600).default(30),
  /** Keep message subjects for the digest's context line. Switch off to store no subject at all. */
  STORE_SUBJECTS: bool.default(true),
  /**
   * Let IMAP, CalDAV and .ics servers that people name (the "Other mailbox" form, and their
   * syncs) be on private, loopback or link-local addresses (src/security/network-guard.ts).
   * Off: a visitor could otherwise make rekindle probe the network it runs in. On for a
   * self-hosted rekindle whose mail server is on the LAN (or Proton Mail Bridge on this machine).
   */
  ALLOW_PRIVATE_SERVERS: bool.default(false),

  /** Where digests and reply confirmations are sent through (`smtps://user:pass@host:465`, Mailpit's `smtp://host:1025`). */
  SMTP_URL: url(['smtp', 'smtps']).default('smtp://127.0.0.1:1025'),
  /** The From of every mail rekindle sends: an address, optionally with a name. */
  MAIL_FROM: z
    .string()
    .regex(/^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+\.?[^\s@<>]*>?$/, 'expected an address like "rekindle <digest@example.com>"')
    .default('rekindle <rekindle@localhost>'),
  /** Domain of the reply addresses (`Reply-To: reply+<token>@INBOUND_DOMAIN`); its MX must reach the inbound listener. */
  INBOUND_DOMAIN: z
    .string()
    .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/, 'expected a domain name')
    .default('localhost'),
  /** Where `rekindle inbound` listens for replies over SMTP. */
  INBOUND_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  INBOUND_SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
  /** People per weekly digest at most. */
  DIGEST_BUDGET: z.coerce.number().int().min(1).max(20).default(5),
  /** A digest takes replies for this many days after it was sent; later replies change nothing. */
  REPLY_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  /** The inbound SMTP listener's size limit; bigger mail is refused (552) before it is read. */
  INBOUND_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(10_000)
    .max(50_000_000)
    .default(5 * 1024 * 1024),
  /** PEM files (paths) that turn on STARTTLS at the inbound SMTP listener; both or neither. */
  INBOUND_SMTP_TLS_KEY: z.string().min(1).optional(),
  INBOUND_SMTP_TLS_CERT: z.string().min(1).optional(),
  /**
   * A dedicated mailbox `rekindle inbound` watches for replies (IDLE, with polling as a
   * fallback): `imaps://user:password@host:993/INBOX` (`imap://` for plain or STARTTLS; the path
   * is the folder, INBOX when absent).
   */
  INBOUND_IMAP_URL: url(['imap', 'imaps']).optional(),
  /** Where processed messages go; unset, they stay and are flagged `$RekindleProcessed` (and \Seen). */
  INBOUND_IMAP_PROCESSED_MAILBOX: z.string().min(1).optional(),
  /** Seconds between polls of the IMAP mailbox, besides IDLE. */
  INBOUND_IMAP_POLL_SECONDS: z.coerce.number().positive().max(3600).default(60),
  /** Shared secret of the inbound webhook (`POST /inbound/email`, raw MIME, `Authorization: Bearer …`); unset, there is no webhook. */
  INBOUND_WEBHOOK_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
  /**
   * Servers whose `Authentication-Results` verdicts (DKIM/SPF/DMARC) replies arriving over
   * IMAP or the webhook are judged by, by authserv-id, comma-separated (`mx.example.com`).
   * Unset, such replies cannot be verified and each needs its owner's one-click confirmation.
   */
  TRUSTED_AUTHSERV_IDS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    )
    .default([]),
  /** Sign digests with DKIM: the signing domain (usually MAIL_FROM's), the selector and the private key (PEM, or a path to it); all three or none. */
  DKIM_DOMAIN: z
    .string()
    .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/, 'expected a domain name')
    .optional(),
  DKIM_SELECTOR: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'expected a DNS label like "rk2025"')
    .optional(),
  DKIM_PRIVATE_KEY: z.string().min(1).optional(),
  /**
   * The envelope sender (Return-Path) of digests: `inbound` (bounce+<token>@INBOUND_DOMAIN, so
   * bounces come back to `rekindle inbound` and pause that user's digests) or `mail-from`
   * (MAIL_FROM's address, for relays that insist on their own).
   */
  DIGEST_RETURN_PATH: z.enum(['inbound', 'mail-from']).default('inbound'),
  /**
   * A digest whose SMTP answer was lost is looked for by its Message-ID in the recipient's
   * synced mailbox; not found after this many hours (and a sync since), it is sent again with
   * the same Message-ID.
   */
  DIGEST_RESEND_AFTER_HOURS: z.coerce.number().positive().max(168).default(4),
});

export type Config = z.infer<typeof schema>;

/** Every variable rekindle reads (the README and .env.example document each one). */
export const CONFIG_VARIABLES = Object.keys(schema.shape) as (keyof Config)[];

export interface ConfigIssue {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  readonly variables: string[];
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(
      'Invalid configuration:\n' +
        issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n') +
        '\nSet these in the environment or in .env (see .env.example).',
    );
    this.name = 'ConfigError';
    this.variables = issues.map((i) => i.variable);
    this.issues = issues;
  }
}

/** Parses an environment; unset and empty variables take their defaults. Throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        message: issue.message,
      })),
    );
  }
  return parsed.data;
}

let cached: Config | undefined;

/** The process's config, parsed on first use. */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}

/** Names the variables a provider needs but the environment lacks. */
export function requireGoogleCredentials(config: Config): { clientId: string; clientSecret: string } {
  const missing = [config.GOOGLE_CLIENT_ID ? null : 'GOOGLE_CLIENT_ID', config.GOOGLE_CLIENT_SECRET ? null : 'GOOGLE_CLIENT_SECRET'].filter(
    (v): v is string => v !== null,
  );
  if (missing.length > 0) {
    throw new ConfigError(missing.map((variable) => ({ variable, message: 'required to sync Google accounts' })));
  }
  return { clientId: config.GOOGLE_CLIENT_ID!, clientSecret: config.GOOGLE_CLIENT_SECRET! };
}

/** Names the Microsoft variables the environment lacks, when a Microsoft account must sync. */
export function requireMicrosoftCredentials(config: Config): { clientId: string; clientSecret: string } {
  const missing = [
    config.MICROSOFT_CLIENT_ID ? null : 'MICROSOFT_CLIENT_ID',
    config.MICROSOFT_CLIENT_SECRET ? null : 'MICROSOFT_CLIENT_SECRET',
  ].filter((v): v is string => v !== null);
  if (missing.length > 0) {
    throw new ConfigError(missing.map((variable) => ({ variable, message: 'required to sync Microsoft accounts' })));
  }
  return { clientId: config.MICROSOFT_CLIENT_ID!, clientSecret: config.MICROSOFT_CLIENT_SECRET! };
}

/** The DKIM signing settings, all or nothing; names what is missing or unreadable. */
export function dkimSettings(config: Config): { domainName: string; keySelector: string; privateKey: string } | null {
  const set = [config.DKIM_DOMAIN, config.DKIM_SELECTOR, config.DKIM_PRIVATE_KEY].filter(Boolean).length;
  if (set === 0) return null;
  const missing = (['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'] as const).filter((v) => !config[v]);
  if (missing.length > 0)
    throw new ConfigError(
      missing.map((variable) => ({ variable, message: 'DKIM signing needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY together' })),
    );
  let privateKey = config.DKIM_PRIVATE_KEY!;
  if (!privateKey.includes('-----BEGIN')) {
    try {
      privateKey = readFileSync(privateKey, 'utf8');
    } catch (error) {
      throw new ConfigError([
        { variable: 'DKIM_PRIVATE_KEY', message: `neither a PEM key nor a readable file (${(error as Error).message})` },
      ]);
    }
  }
  try {
    createPrivateKey(privateKey.replace(/\\n/g, '\n'));
  } catch {
    throw new ConfigError([{ variable: 'DKIM_PRIVATE_KEY', message: 'not a PEM private key' }]);
  }
  return { domainName: config.DKIM_DOMAIN!, keySelector: config.DKIM_SELECTOR!, privateKey: privateKey.replace(/\\n/g, '\n') };
}

/** The inbound listener's STARTTLS key and certificate, both or neither; names what is wrong. */
export function inboundTls(config: Config): { key: Buffer; cert: Buffer } | null {
  if (!config.INBOUND_SMTP_TLS_KEY && !config.INBOUND_SMTP_TLS_CERT) return null;
  const missing = (['INBOUND_SMTP_TLS_KEY', 'INBOUND_SMTP_TLS_CERT'] as const).filter((v) => !config[v]);
  if (missing.length > 0)
    throw new ConfigError(
      missing.map((variable) => ({ variable, message: 'STARTTLS needs INBOUND_SMTP_TLS_KEY and INBOUND_SMTP_TLS_CERT together' })),
    );
  const read = (variable: 'INBOUND_SMTP_TLS_KEY' | 'INBOUND_SMTP_TLS_CERT') => {
    const file = config[variable]!;
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError([{ variable, message: `cannot read ${file} (${(error as Error).message})` }]);
    }
  };
  return { key: read('INBOUND_SMTP_TLS_KEY'), cert: read('INBOUND_SMTP_TLS_CERT') };
}

/**
 * Settings that work but are probably a mistake, each naming its variable: `serve` and `work`
 * log them at start.
 */
export function configWarnings(config: Config): { variable: keyof Config; message: string }[] {
  const warnings: { variable: keyof Config; message: string }[] = [];
  if (config.NODE_ENV === 'production' && new URL(config.PUBLIC_URL).protocol === 'http:') {
    warnings.push({
      variable: 'PUBLIC_URL',
      message:
        'is http:// in production: session cookies are not Secure, no HSTS is sent, and sign-in, OAuth callbacks and digest links travel unencrypted; use the https:// address users reach',
    });
  }
  return warnings;
}

/** The keys that sign links; names the variable when it is missing. */
export function requireLinkSecrets(config: Config): { secrets: string[] } {
  if (!config.LINK_SECRETS) {
    throw new ConfigError([{ variable: 'LINK_SECRETS', message: 'required to sign links (e.g. `openssl rand -hex 32`)' }]);
  }
  return { secrets: config.LINK_SECRETS };
}
