import { expect } from 'vitest';
import type { PersonTruth } from '../fakes/demo/sample-mailbox.ts';
import type { TestDatabase } from './test-database.ts';

export interface ContactRow {
  email: string;
  name: string | null;
  sentCount: number;
  receivedCount: number;
  meetingCount: number;
  lastContactAt: Date;
  lastOutboundAt: Date | null;
  lastInboundAt: Date | null;
  lastMeetingAt: Date | null;
  nextMeetingAt: Date | null;
}

export async function contactsOf(database: TestDatabase, userEmail: string): Promise<Map<string, ContactRow>> {
  const rows = await database.sql<ContactRow[]>`
    select c.email, c.name, c.sent_count as "sentCount", c.received_count as "receivedCount",
           c.meeting_count as "meetingCount", c.last_contact_at as "lastContactAt",
           c.last_outbound_at as "lastOutboundAt", c.last_inbound_at as "lastInboundAt",
           c.last_meeting_at as "lastMeetingAt", c.next_meeting_at as "nextMeetingAt"
      from contacts c join users u on u.id = c.user_id where u.email = ${userEmail}`;
  return new Map(rows.map((r) => [r.email, r]));
}

export function expectMatchesTruth(row: ContactRow | undefined, truth: PersonTruth) {
  expect(row, truth.email).toBeDefined();
  const lastContact = [truth.lastOutboundAt, truth.lastInboundAt, truth.lastMeetingAt]
    .filter((d): d is Date => d !== null)
    .reduce((a, b) => (a > b ? a : b));
  expect({
    email: row!.email,
    name: row!.name,
    sent: row!.sentCount,
    received: row!.receivedCount,
    meetings: row!.meetingCount,
    lastContactAt: row!.lastContactAt,
    lastOutboundAt: row!.lastOutboundAt,
    lastInboundAt: row!.lastInboundAt,
    lastMeetingAt: row!.lastMeetingAt,
    nextMeetingAt: row!.nextMeetingAt,
  }).toEqual({
    email: truth.email,
    name: truth.name,
    sent: truth.sent,
    received: truth.received,
    meetings: truth.meetings,
    lastContactAt: lastContact,
    lastOutboundAt: truth.lastOutboundAt,
    lastInboundAt: truth.lastInboundAt,
    lastMeetingAt: truth.lastMeetingAt,
    nextMeetingAt: truth.nextMeetingAt,
  });
}
