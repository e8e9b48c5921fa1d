/**
 * The emulator's state and its test-facing helpers (seeding, changing mailboxes, expiring
 * cursors, faults, usage), behind one loopback HTTP server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UserAccount } from './api-route.ts';
import { CalendarStore } from './calendar-store.ts';
import type {
  AuthorizationCodeOptions,
  Fault,
  RandomFaults,
  GoogleEmulator,
  GoogleEmulatorOptions,
  QuotaUsage,
  RequestRecord,
} from './emulator-types.ts';
import { FaultList } from '../shared/fault-list.ts';
import { GmailStore } from './gmail-store.ts';
import { DEFAULT_SCOPES, OAuthGrants } from './oauth-grants.ts';
import { UserQuota } from './quota.ts';
import { AUTHORIZE_PATH, serveRequest, TOKEN_PATH, type PipelineDeps } from './request-pipeline.ts';
import type { MailboxSeed, SeedEvent, SeedMessage } from './seed-types.ts';

export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const emulator = new GoogleEmulatorServer(options);
  await emulator.listen(options.port ?? 0);
  return emulator;
}

class GoogleEmulatorServer implements GoogleEmulator {
  url = '';
  tokenUrl = '';
  authUrl = '';
  readonly clientId: string;
  readonly clientSecret: string;
  readonly #options: GoogleEmulatorOptions;
  readonly #grants: OAuthGrants;
  readonly #faults = new FaultList('Google emulator');
  readonly #accounts = new Map<string, UserAccount>();
  readonly #log: RequestRecord[] = [];
  readonly #server: Server;

  constructor(options: GoogleEmulatorOptions) {
    this.#options = options;
    this.clientId = options.clientId ?? 'rekindle-test-client';
    this.clientSecret = options.clientSecret ?? 'rekindle-test-secret';
    const ttl = options.accessTokenTtlSeconds ?? 3600;
    if (!(ttl > 0)) throw new Error('Google emulator: accessTokenTtlSeconds must be positive');
    const historyPageSize = options.historyPageSize ?? 100;
    if (!Number.isInteger(historyPageSize) || historyPageSize < 1) {
      throw new Error('Google emulator: historyPageSize must be a positive integer');
    }
    if (options.latencyMs && !(options.latencyMs.min >= 0 && options.latencyMs.max >= options.latencyMs.min)) {
      throw new Error('Google emulator: latencyMs needs 0 <= min <= max');
    }
    this.#grants = new OAuthGrants(ttl);
    const deps: PipelineDeps = {
      client: { clientId: this.clientId, clientSecret: this.clientSecret },
      grants: this.#grants,
      faults: this.#faults,
      accounts: this.#accounts,
      log: this.#log,
      quotaErrorStatus: options.quotaErrorStyle === '403' ? 403 : 429,
      latencyMs: options.latencyMs ?? null,
      historyPageSize,
    };
    this.#server = createServer((req, res) => void serveRequest(req, res, deps));
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const { port: bound } = this.#server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${bound}/`;
    this.tokenUrl = `http://127.0.0.1:${bound}${TOKEN_PATH}`;
    this.authUrl = `http://127.0.0.1:${bound}${AUTHORIZE_PATH}`;
  }

  addMailbox(seed: MailboxSeed): void {
    const email = normalize(seed.email);
    if (this.#accounts.has(email)) throw new Error(`Google emulator: mailbox ${email} already exists`);
    const calendar = new CalendarStore(email);
    const gmail = new GmailStore(email);
    gmail.seed(seed.messages);
    for (const event of seed.events ?? []) calendar.add(event);
    this.#accounts.set(email, {
      email,
      aliases: (seed.aliases ?? []).map(normalize),
      gmail,
      calendar,
      quota: new UserQuota(
        this.#options.quotaUnitsPerMinute === undefined ? 6000 : this.#options.quotaUnitsPerMinute,
        this.#options.calendarRequestsPerMinute === undefined ? 600 : this.#options.calendarRequestsPerMinute,
      ),
      inFlight: 0,
      maxInFlight: 0,
    });
  }

  issueRefreshToken(email: string, scopes: string[] = DEFAULT_SCOPES): string {
    return this.#grants.issueRefreshToken(this.#account(email).email, scopes);
  }

  issueAuthorizationCode(email: string, options: AuthorizationCodeOptions | string[] = {}): string {
    const { scopes = DEFAULT_SCOPES, redirectUri } = Array.isArray(options) ? { scopes: options } : options;
    return this.#grants.issueCode(this.#account(email).email, scopes, redirectUri ?? null);
  }

  revokeGrants(email: string): void {
    this.#grants.revoke(this.#account(email).email);
  }

  expireAccessTokens(email: string): void {
    this.#grants.expireAccessTokens(this.#account(email).email);
  }

  addMessage(email: string, message: SeedMessage): string {
    return this.#account(email).gmail.add(message);
  }

  deleteMessage(email: string, id: string): void {
    this.#account(email).gmail.delete(id);
  }

  modifyLabels(email: string, id: string, change: { add?: string[]; remove?: string[] }): void {
    this.#account(email).gmail.modifyLabels(id, change.add ?? [], change.remove ?? []);
  }

  addEvent(email: string, event: SeedEvent): string {
    return this.#account(email).calendar.add(event);
  }

  updateEvent(email: string, id: string, patch: Partial<SeedEvent>): void {
    this.#account(email).calendar.update(id, patch);
  }

  cancelEvent(email: string, id: string): void {
    this.#account(email).calendar.cancel(id);
  }

  expireHistory(email: string): void {
    this.#account(email).gmail.expireHistory();
  }

  expireSyncTokens(email: string): void {
    this.#account(email).calendar.expireSyncTokens();
  }

  historyId(email: string): string {
    return String(this.#account(email).gmail.historyId);
  }

  injectFault(fault: Fault): void {
    this.#faults.add(fault);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  setRandomFaults(options: RandomFaults | null): void {
    this.#faults.setRandomFaults(options);
  }

  injectedFaults(): Record<string, number> {
    return this.#faults.injected();
  }

  usage(email: string): QuotaUsage {
    return this.#account(email).quota.snapshot();
  }

  requests(email?: string): RequestRecord[] {
    const user = email === undefined ? undefined : normalize(email);
    return this.#log.filter((r) => user === undefined || r.user === user).map((r) => ({ ...r, query: { ...r.query } }));
  }

  maxConcurrent(email: string): number {
    return this.#account(email).maxInFlight;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
    this.#server.closeAllConnections();
    await closed;
  }

  #account(email: string): UserAccount {
    const account = this.#accounts.get(normalize(email));
    if (!account) throw new Error(`Google emulator: no mailbox ${email}; addMailbox first`);
    return account;
  }
}

function normalize(email: string): string {
  return email.trim().toLowerCase();
}
