/**
 * The status page's first-sync bar: it claims no share it cannot know (providers do not say
 * how much history there is), counts the parts of a first sync finished, and says beside it how
 * far each part got, in the app's date style.
 */
import { describe, expect, it } from 'vitest';
import { syncBar } from '../../src/web/views/sync-bar.ts';
import type { MailboxStatus, StreamProgress } from '../../src/web/user-status.ts';

const stream = (over: Partial<StreamProgress> = {}): StreamProgress => ({
  items: 0,
  backfillOldestAt: null,
  backfillCompletedAt: null,
  lastSyncedAt: null,
  lastError: null,
  ...over,
});
const mailbox = (over: Partial<MailboxStatus>): MailboxStatus => ({
  id: '00000000-0000-4000-8000-000000000001',
  provider: 'google',
  email: 'me@example.com',
  status: 'active',
  needsReauthAt: null,
  connectedAt: new Date('2026-12-01T00:00:00Z'),
  mail: stream(),
  calendar: stream(),
  state: 'syncing',
  ...over,
});
const done = new Date('2026-12-02T08:00:00Z');

describe('syncBar', () => {
  it('is an indeterminate bar while no part has finished, with how far the mail got', () => {
    const html = syncBar(
      mailbox({ mail: stream({ items: 1234, backfillOldestAt: new Date('2019-03-03T23:30:00Z') }), calendar: stream({ items: 1 }) }),
      'Europe/Berlin',
    );
    const text = 'First sync — mail: reading, back to 4 March 2019 so far (1234 messages); calendar: reading (1 event).';
    expect(html).toBe(`<p class="sync-progress"><progress aria-label="${text}"></progress> <span>${text}</span></p>`);
  });

  it('counts the finished parts once one has', () => {
    const html = syncBar(mailbox({ mail: stream({ items: 2, backfillCompletedAt: done }), calendar: stream({ items: 0 }) }), 'UTC');
    expect(html).toContain('<progress value="1" max="2" aria-label="First sync — mail: done; calendar: reading (0 events)."></progress>');
  });

  it('says when a part has not started', () => {
    expect(syncBar(mailbox({ mail: null, calendar: null }), 'UTC')).toContain('First sync — mail: not started; calendar: not started.');
  });

  it('is full once synced, and absent where no first sync runs (imported files, a lost grant)', () => {
    expect(syncBar(mailbox({ state: 'synced' }), 'UTC')).toBe(
      '<p class="sync-progress"><progress value="1" max="1" aria-label="First sync: done"></progress> <span>First sync done.</span></p>',
    );
    expect(syncBar(mailbox({ state: 'imported' }), 'UTC')).toBe('');
    expect(syncBar(mailbox({ state: 'needs_reauth' }), 'UTC')).toBe('');
  });
});
