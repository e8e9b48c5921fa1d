import { createAccount, davRequest, fetchCalendars, propfind, syncCollection, type DAVAccount, type DAVResponse } from 'tsdav';
import type { NetworkPolicy } from '../../security/network-guard.ts';
import { createDavTransport, type DavTransport } from './dav-fetch.ts';
import { mapCalendarError, NotCalendarError, SyncTokenExpiredError } from './map-caldav-error.ts';
import type { CaldavServerSettings } from './calendar-source-settings.ts';

/**
 * The few CalDAV requests rekindle makes, on tsdav: discovery (RFC 6764 well-known URL,
 * current-user-principal, calendar-home-set, the calendars in it), sync-collection (RFC 6578)
 * asking for ETags only, calendar-multiget for the objects that changed, and for servers without
 * sync-collection a Depth-1 PROPFIND of ETags. Read-only: nothing is ever written.
 *
 * Every failure leaves here as a ProviderError (map-caldav-error.ts). Object hrefs are given in
 * one canonical spelling (each path segment percent-encoded the same way, so never a `#`): a
 * server that spells a path differently in two answers still names one object.
 */
export interface CaldavClient {
  calendars(): Promise<CaldavCalendar[]>;
  /** What changed in a calendar since `syncToken` (null: everything in it). */
  changesSince(calendar: CaldavCalendar, syncToken: string | null): Promise<CaldavChanges>;
  /** Every object's ETag, for servers without sync-collection. */
  etags(calendar: CaldavCalendar): Promise<Map<string, string>>;
  /** The objects' iCalendar text; `data: null` when the object is gone. Objects the answer leaves out are not in it. */
  objects(calendar: CaldavCalendar, hrefs: string[]): Promise<CaldavObject[]>;
  close(): Promise<void>;
}

export interface CaldavCalendar {
  /** Absolute URL of the collection. */
  url: string;
  name: string | null;
  /** The collection's DAV:sync-token right now, when the server gives it. */
  syncToken: string | null;
  /** CalendarServer's getctag: changes whenever anything in the collection does. */
  ctag: string | null;
  supportsSync: boolean;
}

export interface CaldavChanges {
  syncToken: string;
  /** Objects added or changed. */
  changed: string[];
  /** Objects deleted. */
  removed: string[];
}

export interface CaldavObject {
  href: string;
  etag: string | null;
  data: string | null;
}

export interface CaldavClientOptions {
  server: CaldavServerSettings;
  password: string;
  /** The IMAP app password signs in here too: a refusal is the mailbox's grant gone. */
  passwordIsTheMailbox: boolean;
  timeoutMs?: number;
  network?: NetworkPolicy;
}

export function createCaldavClient(options: CaldavClientOptions): CaldavClient {
  const { server } = options;
  const transport: DavTransport = createDavTransport({
    url: server.url,
    credentials: { user: server.user, password: options.password },
    allowUntrustedCertificate: server.allowUntrustedCertificate,
    timeoutMs: options.timeoutMs ?? 30_000,
    network: options.network,
  });
  const host = new URL(server.url).host;
  const what = { kind: 'CalDAV server' as const, host, passwordIsTheMailbox: options.passwordIsTheMailbox };
  const common = { fetch: transport.fetch };
  let account: DAVAccount | null = null;

  async function operation<T>(run: () => Promise<T>): Promise<T> {
    transport.beginOperation();
    try {
      return await run();
    } catch (error) {
      throw mapCalendarError(error, transport.problems(), what);
    }
  }

  async function discovered(): Promise<DAVAccount> {
    account ??= await createAccount({ account: { serverUrl: server.url, accountType: 'caldav' }, ...common });
    return account;
  }

  return {
    calendars: () =>
      operation(async () => {
        const home = await discovered();
        const found = await fetchCalendars({ account: home, ...common });
        return found
          .filter((c) => {
            const types: string[] = Array.isArray(c.resourcetype) ? c.resourcetype : [];
            // Someone else's calendar shared with this person: their meetings, not the owner's.
            if (types.includes('shared')) return false;
            return !c.components?.length || c.components.includes('VEVENT');
          })
          .map((c) => ({
            url: c.url,
            name: typeof c.displayName === 'string' ? c.displayName : null,
            syncToken: c.syncToken ? String(c.syncToken) : null,
            ctag: c.ctag !== undefined && c.ctag !== null && c.ctag !== '' ? String(c.ctag) : null,
            supportsSync: Array.isArray(c.reports) && c.reports.includes('syncCollection'),
          }))
          .sort((a, b) => a.url.localeCompare(b.url));
      }),

    changesSince: (calendar, syncToken) =>
      operation(async () => {
        const responses = await syncCollection({
          url: calendar.url,
          props: { 'd:getetag': {} },
          syncLevel: 1,
          syncToken: syncToken ?? '',
          ...common,
        });
        const failed = requestFailure(responses);
        if (failed) {
          const said = JSON.stringify(failed.raw ?? '');
          if (syncToken && (failed.status === 403 || failed.status === 409) && /valid-?sync-?token/i.test(said)) {
            throw new SyncTokenExpiredError(calendar.url);
          }
          if (syncToken && failed.status === 403 && /validSyncToken/.test(said)) throw new SyncTokenExpiredError(calendar.url);
          throw new NotCalendarError(`sync-collection of ${calendar.url} failed with HTTP ${failed.status}`);
        }
        const collection = canonicalPath(calendar.url);
        const changed: string[] = [];
        const removed: string[] = [];
        for (const response of responses) {
          if (!response.href) continue;
          const href = canonicalPath(response.href, calendar.url);
          // The collection itself (a 507 says the answer was cut short: the new token goes on from there).
          if (href === collection || !href.startsWith(collection)) continue;
          (response.status === 404 ? removed : changed).push(href);
        }
        const token = syncTokenOf(responses) ?? calendar.syncToken;
        if (!token) throw new NotCalendarError(`sync-collection of ${calendar.url} gave no sync token`);
        return { syncToken: token, changed, removed };
      }),

    etags: (calendar) =>
      operation(async () => {
        const responses = await propfind({ url: calendar.url, props: { 'd:getetag': {} }, depth: '1', ...common });
        const collection = canonicalPath(calendar.url);
        const etags = new Map<string, string>();
        const failed = requestFailure(responses);
        if (failed) throw new NotCalendarError(`PROPFIND of ${calendar.url} failed with HTTP ${failed.status}`);
        for (const response of responses) {
          if (!response.href) continue;
          const href = canonicalPath(response.href, calendar.url);
          const etag = response.props?.getetag;
          if (href === collection || etag === undefined || etag === null) continue;
          etags.set(href, String(etag));
        }
        return etags;
      }),

    objects: (calendar, hrefs) =>
      operation(async () => {
        if (hrefs.length === 0) return [];
        // Straight davRequest: tsdav's calendarMultiGet throws away the whole answer when one
        // object in it is 404 (deleted between the sync report and this one).
        const responses = await davRequest({
          url: calendar.url,
          init: {
            method: 'REPORT',
            namespace: 'c',
            headers: { depth: '1' },
            body: {
              'calendar-multiget': {
                _attributes: { 'xmlns:d': 'DAV:', 'xmlns:c': 'urn:ietf:params:xml:ns:caldav' },
                'd:prop': { 'd:getetag': {}, 'c:calendar-data': {} },
                'd:href': hrefs,
              },
            },
          },
          ...common,
        });
        const failed = requestFailure(responses);
        if (failed) throw new NotCalendarError(`calendar-multiget of ${calendar.url} failed with HTTP ${failed.status}`);
        const asked = new Set(hrefs);
        const objects: CaldavObject[] = [];
        for (const response of responses) {
          if (!response.href) continue;
          const href = canonicalPath(response.href, calendar.url);
          if (!asked.has(href)) continue;
          const data = calendarData(response);
          objects.push({
            href,
            etag: response.props?.getetag ? String(response.props.getetag) : null,
            data: response.status === 404 ? null : data,
          });
        }
        return objects;
      }),

    close: () => transport.close(),
  };
}

/** The request as a whole failed (tsdav then gives one response that is not a multistatus). */
function requestFailure(responses: DAVResponse[]): DAVResponse | null {
  const [only] = responses;
  return responses.length === 1 && only && !only.raw?.multistatus && only.status >= 300 ? only : null;
}

function calendarData(response: DAVResponse): string | null {
  const value = response.props?.calendarData;
  const text = typeof value === 'object' && value !== null ? (value._cdata ?? value._text) : value;
  return typeof text === 'string' && text.trim() ? text : null;
}

/** tsdav keeps the whole parsed answer on each response; the new token is its multistatus's. */
function syncTokenOf(responses: DAVResponse[]): string | null {
  for (const response of responses) {
    const token = response.raw?.multistatus?.syncToken;
    if (typeof token === 'string' && token) return token;
  }
  return null;
}

/**
 * One spelling of an object's path: an absolute href or a relative one, `@` or `%40`, all
 * become the path with each segment percent-encoded by encodeURIComponent.
 */
export function canonicalPath(href: string, base?: string): string {
  const path = new URL(href, base ?? 'http://x/').pathname;
  return path
    .split('/')
    .map((segment) => {
      try {
        return encodeURIComponent(decodeURIComponent(segment));
      } catch {
        return encodeURIComponent(segment);
      }
    })
    .join('/');
}
