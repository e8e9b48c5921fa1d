import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { HORIZON_DAYS } from '../../mail/ical-events.ts';
import { ProviderError } from '../provider-error.ts';
import type { CalendarSource } from '../types.ts';
import type { NetworkPolicy } from '../../security/network-guard.ts';
import { createDavTransport } from './dav-fetch.ts';
import { mapCalendarError, NotCalendarError } from './map-caldav-error.ts';
import { eventsOfResource } from './map-icalendar-resource.ts';

/**
 * Where the polling of an `.ics` subscription stands: the validators of the last copy read
 * (ETag, Last-Modified, and a digest for servers that give neither) and when it was expanded.
 */
export interface IcsFeedCursor {
  v: 1;
  etag: string | null;
  lastModified: string | null;
  digest: string;
  expandedAt: string;
}

export interface IcsFeedSourceOptions {
  /** The subscription's address (`https://…`, `webcal://…`); a secret: never logged, never in an error. */
  url: string;
  allowUntrustedCertificate: boolean;
  owner: readonly string[];
  timeoutMs?: number;
  /** A feed larger than this is refused; default 50 MB (ten years of a busy calendar is a few). */
  maxBytes?: number;
  now?: () => Date;
  logger?: Logger;
  network?: NetworkPolicy;
}

/** The name of the feed's events (CalendarPage.replaced): the feed is one resource, read whole. */
export const FEED_RESOURCE = 'feed';
const DAY = 86_400_000;

/**
 * An `.ics` subscription (a calendar's "secret address in iCal format", a team's published
 * calendar) as a calendar source. Each sync asks for the feed with `If-None-Match` /
 * `If-Modified-Since`: an unchanged feed is a 304 and costs nothing more. A changed one is read
 * whole and replaces every event the feed gave before, so an event removed from it is removed
 * here. Half a year after it was last expanded the feed is read unconditionally, so recurring
 * events reach a year ahead again.
 */
export function createIcsFeedSource(options: IcsFeedSourceOptions): CalendarSource<IcsFeedCursor> {
  const now = options.now ?? (() => new Date());
  const maxBytes = options.maxBytes ?? 50 * 1024 * 1024;
  const { url, credentials } = feedAddress(options.url);
  const what = { kind: 'calendar feed' as const, host: url.host, passwordIsTheMailbox: false };

  return {
    async nextPage(stored) {
      const previous = stored === null ? null : readCursor(stored);
      const at = now();
      const fresh = previous !== null && at.getTime() - Date.parse(previous.expandedAt) < (HORIZON_DAYS / 2) * DAY;
      const transport = createDavTransport({
        url: url.href,
        credentials,
        allowUntrustedCertificate: options.allowUntrustedCertificate,
        timeoutMs: options.timeoutMs ?? 30_000,
        network: options.network,
      });
      transport.beginOperation();
      try {
        const headers: Record<string, string> = { accept: 'text/calendar, */*;q=0.5' };
        if (fresh && previous?.etag) headers['if-none-match'] = previous.etag;
        if (fresh && previous?.lastModified) headers['if-modified-since'] = previous.lastModified;
        const response = await transport.fetch(url, { headers });
        if (response.status === 304 && previous) {
          await response.body?.cancel();
          return { events: [], cursor: previous, phase: 'incremental', caughtUp: true };
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw new NotCalendarError(`the feed answered HTTP ${response.status}`);
        }
        const text = await readCapped(response, maxBytes);
        const digest = createHash('sha256').update(text).digest('hex');
        const cursor: IcsFeedCursor = {
          v: 1,
          etag: response.headers.get('etag'),
          lastModified: response.headers.get('last-modified'),
          digest,
          expandedAt: fresh ? previous!.expandedAt : at.toISOString(),
        };
        // Same bytes as last time (a server without validators): nothing to do.
        if (fresh && previous!.digest === digest) return { events: [], cursor, phase: 'incremental', caughtUp: true };
        if (!/^\uFEFF?\s*BEGIN:VCALENDAR/i.test(text))
          throw new NotCalendarError('what the address serves is not an iCalendar (.ics) file');
        const read = eventsOfResource(FEED_RESOURCE, text, options.owner, at);
        if (!read) throw new NotCalendarError('the feed is not an iCalendar file rekindle can read');
        options.logger?.info({ events: read.events.length, skipped: read.skipped }, 'calendar feed read');
        return { events: read.events, replaced: [FEED_RESOURCE], cursor, phase: 'incremental', caughtUp: true };
      } catch (error) {
        throw mapCalendarError(error, transport.problems(), what);
      } finally {
        await transport.close();
      }
    },
  };
}

/**
 * `webcal://` is `https://`; a user name and password written into the address are sent as
 * Basic credentials (fetch refuses an address that carries them).
 */
export function feedAddress(address: string): { url: URL; credentials?: { user: string; password: string } } {
  const url = new URL(address.trim().replace(/^webcals?:\/\//i, 'https://'));
  url.hash = '';
  if (!url.username && !url.password) return { url };
  const credentials = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  url.username = '';
  url.password = '';
  return { url, credentials };
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new NotCalendarError(`the feed is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new NotCalendarError(`the feed is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readCursor(value: unknown): IcsFeedCursor {
  const c = value as Partial<IcsFeedCursor> | null;
  if (c && c.v === 1 && typeof c.digest === 'string' && typeof c.expandedAt === 'string' && !Number.isNaN(Date.parse(c.expandedAt))) {
    return c as IcsFeedCursor;
  }
  throw new ProviderError('cursor_expired', 'unreadable calendar feed cursor; the feed is read again', { provider: 'ics' });
}
