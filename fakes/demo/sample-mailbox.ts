/**
 * A believable two-year mailbox for the demo and the tests: a few real relationships with
 * different rhythms, and the noise every real mailbox has (newsletters, notifications, cold
 * outreach, bounces, auto-replies, a huge announcement, a malformed message). It is built
 * deterministically relative to `now`, and it keeps the ground truth of what it wrote, so
 * tests can check inference against what actually happened rather than against itself.
 */
import type { MailboxSeed, SeedEvent, SeedHeader, SeedMessage } from '../google/seed-types.ts';

export interface PersonTruth {
  email: string;
  name: string;
  /** Messages the owner sent with this person among the recipients. */
  sent: number;
  /** Messages this person sent the owner (auto-replies excluded). */
  received: number;
  /** Past meetings both attended (accepted). */
  meetings: number;
  lastOutboundAt: Date | null;
  lastInboundAt: Date | null;
  lastMeetingAt: Date | null;
  nextMeetingAt: Date | null;
}

export interface SampleMailbox {
  owner: { email: string; name: string };
  seed: MailboxSeed;
  /** The people the owner really exchanged mail or meetings with. */
  contacts: Map<string, PersonTruth>;
  /** Addresses that wrote or were written to but are not contacts (noise, one-way). */
  notContacts: string[];
}

const DAY = 86_400_000;

/** Small deterministic PRNG (mulberry32) so every run builds the same mailbox. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function buildSampleMailbox(options: { now: Date; seed?: number }): SampleMailbox {
  const rand = random(options.seed ?? 7);
  const now = options.now.getTime();
  const owner = { email: 'sam@example.com', name: 'Sam Rivera' };
  const messages: SeedMessage[] = [];
  const events: SeedEvent[] = [];
  const truth = new Map<string, PersonTruth>();
  let counter = 0;

  const person = (email: string, name: string): PersonTruth => {
    let t = truth.get(email);
    if (!t) {
      t = {
        email,
        name,
        sent: 0,
        received: 0,
        meetings: 0,
        lastOutboundAt: null,
        lastInboundAt: null,
        lastMeetingAt: null,
        nextMeetingAt: null,
      };
      truth.set(email, t);
    }
    return t;
  };
  const later = (a: Date | null, b: Date) => (a && a > b ? a : b);
  const fmt = (address: { email: string; name?: string }) =>
    address.name ? `${/[",]/.test(address.name) ? JSON.stringify(address.name) : address.name} <${address.email}>` : address.email;

  function mail(input: {
    at: number;
    from: { email: string; name?: string };
    to: { email: string; name?: string }[];
    cc?: { email: string; name?: string }[];
    subject: string;
    inReplyTo?: string;
    extra?: SeedHeader[];
    labels?: string[];
    fromHeader?: string;
  }): string {
    const id = `<sample-${++counter}.${input.at}@mail.example.com>`;
    const date = new Date(input.at);
    const headers: SeedHeader[] = [
      { name: 'Message-ID', value: id },
      { name: 'Date', value: date.toUTCString().replace('GMT', '+0000') },
      { name: 'From', value: input.fromHeader ?? fmt(input.from) },
      { name: 'To', value: input.to.map(fmt).join(', ') },
      ...(input.cc?.length ? [{ name: 'Cc', value: input.cc.map(fmt).join(', ') }] : []),
      { name: 'Subject', value: input.subject },
      ...(input.inReplyTo ? [{ name: 'In-Reply-To', value: input.inReplyTo }] : []),
      ...(input.extra ?? []),
    ];
    const outbound = input.from.email === owner.email;
    messages.push({ labelIds: input.labels ?? (outbound ? ['SENT'] : ['INBOX']), internalDate: date.toISOString(), headers });
    return id;
  }

  /** A two-way thread: the owner writes, the other side answers a day or two later (or the reverse). */
  function conversation(
    who: { email: string; name: string; header?: string },
    at: number,
    subject: string,
    ownerFirst: boolean,
    others: { email: string; name: string }[] = [],
  ) {
    const p = person(who.email, who.name);
    const group = others.map((o) => person(o.email, o.name));
    const first = new Date(at);
    const second = new Date(at + (1 + Math.floor(rand() * 2)) * DAY + Math.floor(rand() * 8) * 3_600_000);
    if (second.getTime() > now) return;
    const send = (when: Date, inReplyTo?: string) => {
      const id = mail({
        at: when.getTime(),
        from: owner,
        to: [who],
        cc: others,
        subject: inReplyTo ? `Re: ${subject}` : subject,
        inReplyTo,
      });
      p.sent++;
      p.lastOutboundAt = later(p.lastOutboundAt, when);
      for (const g of group) {
        g.sent++;
        g.lastOutboundAt = later(g.lastOutboundAt, when);
      }
      return id;
    };
    const receive = (when: Date, inReplyTo?: string) => {
      const id = mail({
        at: when.getTime(),
        from: who,
        fromHeader: who.header,
        to: [owner],
        cc: others,
        subject: inReplyTo ? `Re: ${subject}` : subject,
        inReplyTo,
      });
      p.received++;
      p.lastInboundAt = later(p.lastInboundAt, when);
      return id;
    };
    if (ownerFirst) receive(second, send(first));
    else send(second, receive(first));
  }

  const maya = { email: 'maya@chenlabs.io', name: 'Maya Chen' };
  const jonas = { email: 'jonas.weber@example.de', name: 'Jonas Wéber', header: '=?UTF-8?Q?Jonas_W=C3=A9ber?= <jonas.weber@example.de>' };
  const priya = { email: 'priya@northwind.example', name: 'Priya Natarajan' };
  const leo = { email: 'leo@startup.example', name: 'Leo Martins' };
  const grace = { email: 'grace.okafor@gmail.com', name: 'Grace Okafor' };
  const start = now - 730 * DAY;

  // Maya: a close friend, every two to three weeks, then silence for the last four months.
  for (let t = start; t < now - 120 * DAY; t += (14 + Math.floor(rand() * 8)) * DAY) {
    conversation(maya, t, pick(rand, ['Dinner Friday?', 'That article', 'Climbing trip', 'Book club', 'Moving news']), rand() < 0.6);
  }
  // Jonas: a former colleague, monthly until he changed jobs eight months ago.
  for (let t = start + 10 * DAY; t < now - 240 * DAY; t += (28 + Math.floor(rand() * 6)) * DAY) {
    conversation(jonas, t, pick(rand, ['Q3 roadmap', 'Offsite plans', 'Hiring loop', 'Release notes']), rand() < 0.5);
  }
  // Jonas's out-of-office answer: an auto-reply, not a conversation.
  mail({
    at: now - 250 * DAY,
    from: jonas,
    fromHeader: jonas.header,
    to: [owner],
    subject: 'Automatic reply: Release notes',
    extra: [{ name: 'Auto-Submitted', value: 'auto-replied' }],
  });
  // Leo: working together right now, weekly.
  for (let t = now - 300 * DAY; t < now - 3 * DAY; t += 7 * DAY) {
    conversation(leo, t, pick(rand, ['Launch checklist', 'Pricing page', 'Investor update', 'Standup notes']), rand() < 0.5);
  }
  // Grace: a small group thread with Maya, a few times a year.
  for (let t = start + 40 * DAY; t < now - 60 * DAY; t += 95 * DAY) {
    conversation(grace, t, 'Reunion planning', true, [maya]);
  }
  // Priya: a mentor — occasional mail and quarterly meetings, the next one coming up.
  for (let t = start + 20 * DAY; t < now - 30 * DAY; t += 91 * DAY) {
    conversation(priya, t, 'Catching up', true);
    meeting(priya, t + 7 * DAY, 'Mentoring chat', 'accepted');
  }
  meeting(priya, now + 21 * DAY, 'Mentoring chat', 'accepted');

  function meeting(who: { email: string; name: string }, at: number, summary: string, response: 'accepted' | 'declined') {
    const startAt = new Date(at);
    events.push({
      summary,
      start: { dateTime: startAt.toISOString() },
      end: { dateTime: new Date(at + 3_600_000).toISOString() },
      organizer: { email: owner.email, displayName: owner.name, self: true },
      attendees: [
        { email: owner.email, displayName: owner.name, responseStatus: 'accepted', self: true, organizer: true },
        { email: who.email, displayName: who.name, responseStatus: response },
      ],
    });
    if (response !== 'accepted') return;
    const p = person(who.email, who.name);
    if (at <= now) {
      p.meetings++;
      p.lastMeetingAt = later(p.lastMeetingAt, startAt);
    } else if (!p.nextMeetingAt || startAt < p.nextMeetingAt) {
      p.nextMeetingAt = startAt;
    }
  }

  // The wider circle, so a digest has to choose: people the owner lost touch with at
  // different rhythms, people they are in touch with now, and one-off exchanges.
  const circle: { email: string; name: string; every: number; since: number; quietFor: number; subjects: string[] }[] = [
    {
      email: 'ines.duarte@example.pt',
      name: 'Ines Duarte',
      every: 40,
      since: 600,
      quietFor: 200,
      subjects: ['Lisbon trip', 'Photos from the wedding'],
    },
    {
      email: 'tomas.ruiz@example.es',
      name: 'Tomas Ruiz',
      every: 60,
      since: 730,
      quietFor: 330,
      subjects: ['Career advice', 'Coffee next month?'],
    },
    {
      email: 'hannah.schmidt@example.de',
      name: 'Hannah Schmidt',
      every: 25,
      since: 450,
      quietFor: 150,
      subjects: ['Design review', 'Conference talk'],
    },
    { email: 'kenji@example.jp', name: 'Kenji Sato', every: 90, since: 730, quietFor: 400, subjects: ['Reunion?', 'New job!'] },
    {
      email: 'olivia.brown@example.co.uk',
      name: 'Olivia Brown',
      every: 30,
      since: 400,
      quietFor: 110,
      subjects: ['Bouldering Saturday', 'Gear list'],
    },
    {
      email: 'ravi@kumar-consulting.example',
      name: 'Ravi Kumar',
      every: 120,
      since: 730,
      quietFor: 420,
      subjects: ['Contract renewal', 'Referral'],
    },
    { email: 'zoe.martin@example.fr', name: 'Zoe Martin', every: 20, since: 300, quietFor: 95, subjects: ['Book swap', 'Podcast rec'] },
    {
      email: 'lucas.moreau@example.fr',
      name: 'Lucas Moreau',
      every: 50,
      since: 700,
      quietFor: 260,
      subjects: ['Side project', 'Hackathon'],
    },
    { email: 'nora.lind@example.se', name: 'Nora Lind', every: 10, since: 150, quietFor: 3, subjects: ['Weekly sync', 'Draft v2'] },
    { email: 'felix.wagner@example.at', name: 'Felix Wagner', every: 14, since: 200, quietFor: 6, subjects: ['Running club', 'Race plan'] },
    { email: 'amara.okoye@example.ng', name: 'Amara Okoye', every: 7, since: 70, quietFor: 2, subjects: ['Onboarding', 'Questions'] },
    {
      email: 'diego.alvarez@example.mx',
      name: 'Diego Alvarez',
      every: 21,
      since: 300,
      quietFor: 12,
      subjects: ['Band practice', 'Setlist'],
    },
    { email: 'mei.lin@example.tw', name: 'Mei Lin', every: 30, since: 400, quietFor: 20, subjects: ['Language exchange', 'Recipes'] },
    {
      email: 'sofia.rossi@example.it',
      name: 'Sofia Rossi',
      every: 60,
      since: 720,
      quietFor: 40,
      subjects: ['Visiting in spring', 'Garden'],
    },
    {
      email: 'ben.carter@example.com',
      name: 'Ben Carter',
      every: 12,
      since: 120,
      quietFor: 5,
      subjects: ['Board game night', 'Rules question'],
    },
    { email: 'yara.haddad@example.lb', name: 'Yara Haddad', every: 35, since: 400, quietFor: 30, subjects: ['Thesis', 'Defense date'] },
  ];
  for (const friend of circle) {
    for (let t = now - friend.since * DAY; t < now - friend.quietFor * DAY; t += (friend.every + Math.floor(rand() * 5)) * DAY) {
      conversation(friend, t, pick(rand, friend.subjects), rand() < 0.5);
    }
  }
  // One or two exchanges, long ago or just now.
  conversation({ email: 'paul.dubois@example.be', name: 'Paul Dubois' }, now - 500 * DAY, 'Thanks for the intro', false);
  conversation({ email: 'elena.petrova@example.bg', name: 'Elena Petrova' }, now - 600 * DAY, 'Conference dinner', true);
  conversation({ email: 'elena.petrova@example.bg', name: 'Elena Petrova' }, now - 420 * DAY, 'Slides', false);
  conversation({ email: 'kofi.mensah@example.gh', name: 'Kofi Mensah' }, now - 250 * DAY, 'Volunteering', true);
  conversation({ email: 'laura.becker@example.de', name: 'Laura Becker' }, now - 40 * DAY, 'Apartment viewing', false);
  // Ahmed: meetings only, quarterly, none since spring.
  const ahmed = { email: 'ahmed.nasser@example.eg', name: 'Ahmed Nasser' };
  for (let t = now - 650 * DAY; t < now - 200 * DAY; t += 91 * DAY) meeting(ahmed, t, 'Advisory board', 'accepted');
  // Jonas and Leo worked together with the owner last year: two threads with Leo in Cc and a
  // roadmap meeting of the three. Leo is still written to every week, Jonas is not: Leo is
  // their mutual connection, the meeting the one the owner last shared with Jonas. (Here, after
  // every other use of `rand`, so the rest of the mailbox stays as it was.)
  conversation(jonas, now - 330 * DAY, 'Integration plan', true, [leo]);
  conversation(jonas, now - 300 * DAY, 'Integration plan: next steps', true, [leo]);
  groupMeeting([jonas, leo], now - 310 * DAY, 'Roadmap review');

  /** A meeting the owner organized, every guest accepted. */
  function groupMeeting(guests: { email: string; name: string }[], at: number, summary: string) {
    const startAt = new Date(at);
    events.push({
      summary,
      start: { dateTime: startAt.toISOString() },
      end: { dateTime: new Date(at + 3_600_000).toISOString() },
      organizer: { email: owner.email, displayName: owner.name, self: true },
      attendees: [
        { email: owner.email, displayName: owner.name, responseStatus: 'accepted', self: true, organizer: true },
        ...guests.map((g) => ({ email: g.email, displayName: g.name, responseStatus: 'accepted' as const })),
      ],
    });
    for (const g of guests) {
      const p = person(g.email, g.name);
      p.meetings++;
      p.lastMeetingAt = later(p.lastMeetingAt, startAt);
    }
  }

  const notContacts: string[] = [];
  const noise = (email: string) => {
    if (!notContacts.includes(email)) notContacts.push(email);
    return email;
  };

  // A weekly newsletter with list headers.
  for (let t = start; t < now; t += 7 * DAY) {
    mail({
      at: t,
      from: { email: noise('digest@news.example.com'), name: 'The Weekly Digest' },
      to: [owner],
      subject: 'This week in tech',
      extra: [
        { name: 'List-Id', value: 'Weekly Digest <weekly.news.example.com>' },
        { name: 'List-Unsubscribe', value: '<https://news.example.com/u/123>' },
        { name: 'Precedence', value: 'bulk' },
      ],
      labels: ['INBOX', 'CATEGORY_UPDATES'],
    });
  }
  // Notifications from a no-reply address, with no list headers at all.
  for (let t = start; t < now; t += 11 * DAY) {
    mail({ at: t, from: { email: noise('noreply@code.example.com'), name: 'CodeHost' }, to: [owner], subject: '[repo] New issue opened' });
  }
  // A recruiter who wrote three times and never got an answer.
  for (const t of [now - 200 * DAY, now - 150 * DAY, now - 90 * DAY]) {
    mail({
      at: t,
      from: { email: noise('talent@recruit.example'), name: 'Alex from Recruiting' },
      to: [owner],
      subject: 'Exciting opportunity',
    });
  }
  // Someone the owner wrote to once, who never answered.
  mail({ at: now - 400 * DAY, from: owner, to: [{ email: noise('cold@prospect.example'), name: 'Cold Prospect' }], subject: 'Intro' });
  // A bounce.
  mail({
    at: now - 380 * DAY,
    from: { email: noise('mailer-daemon@mx.example.com'), name: 'Mail Delivery Subsystem' },
    to: [owner],
    subject: 'Delivery Status Notification (Failure)',
    extra: [
      { name: 'Return-Path', value: '<>' },
      { name: 'Content-Type', value: 'multipart/report; report-type=delivery-status; boundary=x' },
    ],
  });
  // A company-wide announcement to 500 people (no list headers), received by the owner.
  const everyone = Array.from({ length: 499 }, (_, i) => ({ email: noise(`employee${i}@bigcorp.example`), name: `Employee ${i}` }));
  mail({
    at: now - 100 * DAY,
    from: { email: noise('ceo@bigcorp.example'), name: 'The CEO' },
    to: [owner, ...everyone],
    subject: 'Company update',
  });
  // The owner's own all-hands note to 40 colleagues; none of them answered.
  const colleagues = Array.from({ length: 40 }, (_, i) => ({ email: noise(`colleague${i}@example.com`), name: `Colleague ${i}` }));
  mail({ at: now - 500 * DAY, from: owner, to: colleagues, subject: 'Team offsite logistics' });
  // A malformed message: no From, a garbled Date, broken encoded words; Gmail still dates it.
  messages.push({
    labelIds: ['INBOX'],
    internalDate: new Date(now - 77 * DAY).toISOString(),
    headers: [
      { name: 'Date', value: 'sometime last week' },
      { name: 'Subject', value: '=?utf-8?B?broken' },
      { name: 'To', value: 'undisclosed-recipients:;' },
    ],
  });
  // A big all-hands meeting and a declined one-on-one: neither makes a contact.
  events.push({
    summary: 'All hands',
    start: { dateTime: new Date(now - 45 * DAY).toISOString() },
    end: { dateTime: new Date(now - 45 * DAY + 3_600_000).toISOString() },
    organizer: { email: 'ceo@bigcorp.example' },
    attendees: [
      { email: owner.email, responseStatus: 'accepted', self: true },
      ...everyone.slice(0, 80).map((e) => ({ email: e.email, responseStatus: 'accepted' as const })),
    ],
  });
  events.push({
    summary: 'Vendor pitch',
    start: { dateTime: new Date(now - 30 * DAY).toISOString() },
    end: { dateTime: new Date(now - 30 * DAY + 1_800_000).toISOString() },
    organizer: { email: noise('sales@vendor.example'), displayName: 'Vendor Sales' },
    attendees: [
      { email: owner.email, responseStatus: 'declined', self: true },
      { email: 'sales@vendor.example', responseStatus: 'accepted', organizer: true },
    ],
  });

  return { owner, seed: { email: owner.email, messages, events }, contacts: truth, notContacts };
}

function pick<T>(rand: () => number, items: T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}
