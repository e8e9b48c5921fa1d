/**
 * The emulator's state and its test-facing helpers (seeding, changing mailboxes, expiring
 * tokens, faults, usage), behind one loopback HTTP server that plays both Microsoft Graph and
 * the identity platform.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MailboxSeed, SeedEvent, SeedMessage } from '../google/seed-types.ts';
import type { MailboxAccount } from './api-route.ts';
import { CalendarStore } from './calendar-store.ts';
import type {
  AuthorizationCodeOptions,
  Fault,
  RandomFaults,
  GraphEmulator,
  GraphEmulatorOptions,
  MailboxProfile,
  MailboxUsage,
  RequestRecord,
} from './emulator-types.ts';
import { FaultList } from '../shared/fault-list.ts';
import { DEFAULT_SCOPES, IdentityGrants } from './identity-grants.ts';
import { MailboxLimits } from './mailbox-limits.ts';
import { MailStore } from './mail-store.ts';
import { serveRequest, type PipelineDeps } from './request-pipeline.ts';

export async function startGraphEmulator(options: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const emulator = new GraphEmulatorServer(options);
  await emulator.listen(options.port ?? 0);
  return emulator;
}

class GraphEmulatorServer implements GraphEmulator {
  graphUrl = '';
  loginUrl = '';
  readonly clientId: string;
  readonly clientSecret: string;
  readonly #options: GraphEmulatorOptions;
  readonly #grants: IdentityGrants;
  readonly #faults = new FaultList('Graph emulator');
  readonly #accounts = new Map<string, MailboxAccount>();
  readonly #log: RequestRecord[] = [];
  readonly #server: Server;

  constructor(options: GraphEmulatorOptions) {
    this.#options = options;
    this.clientId = options.clientId ?? 'rekindle-test-client';
    this.clientSecret = options.clientSecret ?? 'rekindle-test-secret';
    const ttl = options.accessTokenTtlSeconds ?? 3600;
    if (!(ttl > 0)) throw new Error('Graph emulator: accessTokenTtlSeconds must be positive');
    if (options.latencyMs && !(options.latencyMs.min >= 0 && options.latencyMs.max >= options.latencyMs.min)) {
      throw new Error('Graph emulator: latencyMs needs 0 <= min <= max');
    }
    this.#grants = new IdentityGrants(ttl);
    const deps: PipelineDeps = {
      client: { clientId: this.clientId, clientSecret: this.clientSecret },
      grants: this.#grants,
      faults: this.#faults,
      accounts: this.#accounts,
      log: this.#log,
      latencyMs: options.latencyMs ?? null,
      baseUrl: () => this.graphUrl,
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
    this.graphUrl = `http://127.0.0.1:${bound}`;
    this.loginUrl = this.graphUrl;
  }

  tokenUrl(tenant = 'common'): string {
    return `${this.loginUrl}/${tenant}/oauth2/v2.0/token`;
  }

  authorizeUrl(tenant = 'common'): string {
    return `${this.loginUrl}/${tenant}/oauth2/v2.0/authorize`;
  }

  addMailbox(seed: MailboxSeed, profile: MailboxProfile = {}): void {
    const email = normalize(seed.email);
    if (this.#accounts.has(email)) throw new Error(`Graph emulator: mailbox ${email} already exists`);
    const aliases = (seed.aliases ?? []).map(normalize);
    const mailbox = new MailStore(email);
    mailbox.seed(seed.messages);
    const calendar = new CalendarStore(email, aliases);
    for (const event of seed.events ?? []) calendar.add(event);
    const hex = createHash('sha256').update(email).digest('hex');
    this.#accounts.set(email, {
      email,
      aliases,
      id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`,
      displayName: profile.displayName ?? email.split('@')[0]!,
      mail: profile.mail === undefined ? email : profile.mail,
      userPrincipalName: profile.userPrincipalName ?? email,
      mailbox,
      calendar,
      limits: new MailboxLimits(
        this.#options.requestsPer10Minutes === undefined ? 10_000 : this.#options.requestsPer10Minutes,
        this.#options.maxConcurrentRequests === undefined ? 4 : this.#options.maxConcurrentRequests,
        (this.#options.concurrencyRetryAfterSeconds ?? 1) * 1000,
      ),
    });
  }

  issueRefreshToken(email: string, scopes: string[] = DEFAULT_SCOPES): string {
    return this.#grants.grant(this.#account(email).email, scopes).refreshToken;
  }

  issueAuthorizationCode(email: string, options: AuthorizationCodeOptions = {}): string {
    return this.#grants.issueCode(this.#account(email).email, options.scopes ?? DEFAULT_SCOPES, options.redirectUri ?? null);
  }

  revokeGrants(email: string): void {
    this.#grants.revoke(this.#account(email).email);
  }

  expireAccessTokens(email: string): void {
    this.#grants.expireAccessTokens(this.#account(email).email);
  }

  liveRefreshTokens(email: string): string[] {
    return this.#grants.liveRefreshTokens(this.#account(email).email);
  }

  refreshTokenReuses(email: string): number {
    return this.#grants.reuses(this.#account(email).email);
  }

  addMessage(email: string, message: SeedMessage): string {
    return this.#account(email).mailbox.add(message);
  }

  deleteMessage(email: string, id: string): void {
    this.#account(email).mailbox.delete(id);
  }

  moveMessage(email: string, id: string, folder: string): void {
    this.#account(email).mailbox.move(id, folder);
  }

  addFolder(email: string, displayName: string, parent?: string): string {
    return this.#account(email).mailbox.addFolder(displayName, parent);
  }

  deleteFolder(email: string, folder: string): void {
    this.#account(email).mailbox.deleteFolder(folder);
  }

  folderId(email: string, folder: string): string {
    const found = this.#account(email).mailbox.folder(folder);
    if (!found) throw new Error(`Graph emulator: no folder ${folder} in ${email}`);
    return found.id;
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

  deleteEvent(email: string, id: string): void {
    this.#account(email).calendar.delete(id);
  }

  expireDeltaTokens(email: string, which: 'mail' | 'calendar' | 'all' = 'all'): void {
    const account = this.#account(email);
    if (which !== 'calendar') account.mailbox.expireTokens();
    if (which !== 'mail') account.calendar.expireTokens();
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

  usage(email: string): MailboxUsage {
    return this.#account(email).limits.snapshot();
  }

  requests(email?: string): RequestRecord[] {
    const user = email === undefined ? undefined : normalize(email);
    return this.#log
      .filter((r) => user === undefined || r.user === user)
      .map((r) => ({ ...r, query: { ...r.query }, served: [...r.served], removed: [...r.removed] }));
  }

  maxConcurrent(email: string): number {
    return this.#account(email).limits.maxInFlight;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
    this.#server.closeAllConnections();
    await closed;
  }

  #account(email: string): MailboxAccount {
    const account = this.#accounts.get(normalize(email));
    if (!account) throw new Error(`Graph emulator: no mailbox ${email}; addMailbox first`);
    return account;
  }
}

function normalize(email: string): string {
  return email.trim().toLowerCase();
}
