import { describe, expect, it } from 'vitest';
import { automatedAddressReason, automatedMessageReason } from '../../src/contacts/detect-automated.ts';
import { addr, message } from '../../testkit/inference-fixtures.ts';

describe('automatedMessageReason', () => {
  it.each([
    ['List-Id', { flags: { listId: '<dev.lists.example.org>' } }, 'list'],
    ['List-Unsubscribe', { flags: { listUnsubscribe: true } }, 'list-unsubscribe'],
    ['Precedence: bulk', { flags: { precedence: 'bulk' } }, 'precedence:bulk'],
    ['Precedence: list', { flags: { precedence: 'list' } }, 'precedence:list'],
    ['Precedence: junk', { flags: { precedence: 'junk' } }, 'precedence:junk'],
    ['Auto-Submitted: auto-generated', { flags: { autoSubmitted: 'auto-generated' } }, 'auto-submitted'],
    ['Auto-Submitted: auto-replied', { flags: { autoSubmitted: 'auto-replied' } }, 'auto-reply'],
    ['X-Autoreply', { flags: { autoReply: true } }, 'auto-reply'],
    ['Precedence: auto_reply', { flags: { precedence: 'auto_reply' } }, 'auto-reply'],
    ['Return-Path: <>', { flags: { nullReturnPath: true } }, 'bounce'],
    ['multipart/report', { flags: { deliveryReport: true } }, 'bounce'],
    ['mailer-daemon sender', { from: addr('Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>') }, 'bounce'],
    ['postmaster sender', { from: addr('postmaster@example.org') }, 'bounce'],
    ['Gmail promotions', { flags: { category: 'promotions' as const } }, 'category:promotions'],
    ['Gmail social', { flags: { category: 'social' as const } }, 'category:social'],
    ['Gmail updates', { flags: { category: 'updates' as const } }, 'category:updates'],
    ['Gmail forums', { flags: { category: 'forums' as const } }, 'category:forums'],
    [
      'sent through an ESP on a person’s behalf',
      { sender: addr('bounce-mc.us5_123.456-ann=example.org@mail89.mcsv.net') },
      'sender:bounce',
    ],
    ['relayed by a list host', { sender: addr('friends@googlegroups.com') }, 'sender:list'],
  ])('%s → %s', (_, overrides, expected) => {
    expect(automatedMessageReason(message(overrides))).toBe(expected);
  });

  it('names a bounce a bounce even when it also says Auto-Submitted', () => {
    expect(automatedMessageReason(message({ flags: { nullReturnPath: true, autoSubmitted: 'auto-replied', deliveryReport: true } }))).toBe(
      'bounce',
    );
  });

  it('takes Auto-Submitted: no at its word', () => {
    expect(automatedMessageReason(message({ flags: { autoSubmitted: 'no' } }))).toBeNull();
  });

  it('leaves ordinary precedence values alone', () => {
    expect(automatedMessageReason(message({ flags: { precedence: 'first-class' } }))).toBeNull();
  });

  it('lets an assistant send on a manager’s behalf', () => {
    expect(automatedMessageReason(message({ sender: addr('office@example.org') }))).toBeNull();
  });

  it.each([
    'Automatic reply: Q3 roadmap',
    'Auto: Ann Lee is out of the office',
    'AutoReply: your message',
    'Auto-Reply from Ann Lee',
    'Autoreply',
    'Auto Response: ticket',
    'Out of Office',
    'Out of office: back on Monday',
    'Out of Office AutoReply: budget',
    'OUT OF THE OFFICE - back 3/4',
    'Ann Lee/ACME is out of the office.',
    'Ann Lee is out of the office (returning 05/12/2010)',
    'Abwesenheitsnotiz: Termin',
    'Automatische Antwort: Angebot',
    'Réponse automatique : devis',
    'Absence du bureau',
    'Respuesta automática: reunión',
    'Fuera de la oficina',
    'Risposta automatica: riunione',
    'Resposta automática: reunião',
    'Automatisch antwoord: offerte',
    'Autosvar: möte',
    'Automatiskt svar: möte',
    'Automaattinen vastaus: kokous',
    'Automatyczna odpowiedź: spotkanie',
    'Автоматический ответ: встреча',
    '自動応答: 会議',
    '自动回复：会议',
    '자동 회신: 회의',
  ])('auto-reply subject %j', (subject) => {
    expect(automatedMessageReason(message({ subject }))).toBe('auto-reply');
  });

  it.each([
    'Undeliverable: Q3 roadmap',
    'Undelivered Mail Returned to Sender',
    'Delivery Status Notification (Failure)',
    'Mail delivery failed: returning message to sender',
    'Returned mail: see transcript for details',
    'failure notice',
    'Mail System Error - Returned Mail',
    'DELIVERY FAILURE: User ann not listed',
    'Delivery Notification: Delivery has failed',
    'Non remis : devis',
    'Unzustellbar: Angebot',
    'Onbestelbaar: offerte',
  ])('bounce subject %j', (subject) => {
    expect(automatedMessageReason(message({ subject }))).toBe('bounce');
  });

  it.each([
    'Re: Automatic reply: Q3 roadmap',
    'Re: Out of office',
    'Out of office next week?',
    'Who is out of the office on Friday?',
    'Auto insurance quote',
    'Auto-renewal of our contract',
    'Autonomous cars reading list',
    'Re: undeliverable package at the front desk',
    'Returned your book',
    'Delivery of the sofa',
    'Failure is not an option',
    '',
  ])('a person’s subject %j is not automated', (subject) => {
    expect(automatedMessageReason(message({ subject }))).toBeNull();
  });

  it('does not trip on a missing From or subject', () => {
    expect(automatedMessageReason(message({ from: null, subject: null }))).toBeNull();
  });
});

describe('automatedAddressReason', () => {
  it.each([
    ['noreply@github.com', 'no-reply'],
    ['no-reply@accounts.google.com', 'no-reply'],
    ['no_reply@example.com', 'no-reply'],
    ['do-not-reply@example.com', 'no-reply'],
    ['donotreply@example.com', 'no-reply'],
    ['DoNotReply@Example.com', 'no-reply'],
    ['jira-noreply@example.atlassian.net', 'no-reply'],
    ['no.address@enron.com', 'no-reply'],
    ['ann@users.noreply.github.com', 'no-reply'],
    ['MAILER-DAEMON@mx.example.org', 'mailer-daemon'],
    ['mailer_daemon@example.org', 'mailer-daemon'],
    ['postmaster@example.org', 'postmaster'],
    ['bounce@example.org', 'bounce'],
    ['bounces+12345-abcd-ann=example.org@sendgrid.net', 'bounce'],
    ['dev-bounces@lists.example.org', 'bounce'],
    ['bounce-mc.us5_123.456-ann=example.org@mail89.mcsv.net', 'bounce'],
    ['ezmlm-list-return-42-ann=example.org@lists.example.org', 'bounce'],
    ['prvs=1234abcd=ann@example.org', 'verp'],
    ['SRS0=abcd=XY=example.org=ann@forwarder.example', 'verp'],
    ['reply+AAAB3NzaC1yc2EAAAADAQABAAABAQC7@reply.github.com', 'verp'],
    ['0100018e1f2a3b4c-5d6e7f80-1234-5678-9abc-def012345678-000000@amazonses.com', 'verp'],
    ['msg-4f9a2c1e8b7d6a5f3e2d1c0b@mail.example.com', 'verp'],
    ['dev-request@lists.example.org', 'list'],
    ['owner-dev@example.org', 'list'],
    ['dev-owner@example.org', 'list'],
    ['listserv@example.edu', 'list'],
    ['friends@googlegroups.com', 'list'],
    ['emca@yahoogroups.com', 'list'],
    ['debian-user@lists.debian.org', 'list'],
    ['arsystem@mailman.enron.com', 'list'],
    ['calendar-notification@google.com', 'calendar'],
    ['calendar-server@google.com', 'calendar'],
    ['c_188abc@group.calendar.google.com', 'calendar'],
    ['room-4@resource.calendar.google.com', 'calendar'],
    ['MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.org', 'calendar'],
    ['ann@e.example-shop.com', 'esp'],
    ['deals@em.example-shop.com', 'bulk:deals'],
    ['ann@bounce.example.org', 'esp'],
    ['someone@sendgrid.net', 'esp'],
    ['ann@mail.substack.com', 'esp'],
    ['newsletter@rigzone.com', 'bulk:newsletter'],
    ['enron_update@concureworkplace.com', 'bulk:update'],
    ['announcements.enron@enron.com', 'bulk:announcements'],
    ['rssfeeds@spamassassin.taint.org', 'bulk:rssfeeds'],
    ['notifications@github.com', 'bulk:notifications'],
    ['billing-alerts@example.com', 'bulk:alerts'],
    ['info@example.com', 'role:info'],
    ['Info2@example.com', 'role:info'],
    ['support@example.com', 'role:support'],
    ['customer.service@example.com', 'role:customer'],
    ['customerservice@example.com', 'role:customerservice'],
    ['sales-uk@example.com', 'role:sales'],
    ['acme-jobs@acme.com', 'role:jobs'],
    ['jobs@example.com', 'role:jobs'],
    ['hello@startup.example', 'role:hello'],
    ['team@startup.example', 'role:team'],
    ['admin@example.org', 'role:admin'],
    ['billing@example.org', 'role:billing'],
    ['marketing@example.org', 'bulk:marketing'],
    ['feedback@intcx.com', 'role:feedback'],
    ['hr@example.org', 'role:hr'],
  ])('%s → %s', (email, expected) => {
    expect(automatedAddressReason(email)).toBe(expected);
  });

  // People whose addresses look a little like the patterns above.
  it.each([
    'joe@example.com',
    'bill@example.com',
    'mark@example.com',
    'art@example.com',
    'grace@example.com',
    'will.smith@example.com',
    'steve.jobs@apple.com',
    'ann.support@example.com',
    'info.ann@example.com',
    'jane.team@example.com',
    'hr.jane@example.com',
    'noreen@example.com',
    'nora.plyer@example.com',
    'newsome@example.com',
    'alerton@example.com',
    'salesky@example.com',
    'teamster.joe@example.com',
    'mail@janedoe.de',
    'post@janedoe.no',
    'john.smith1987@gmail.com',
    'jsmith19870412@example.com',
    'ann+newsletters@gmail.com',
    'maria.garcia-lopez@example.es',
    'l..denton@enron.com',
    'carol.st.@enron.com',
    'vkaminski@aol.com',
    'ann@mail.utoronto.ca',
    'ann@email.arizona.edu',
    'ann@info.uni-karlsruhe.de',
    'ann@mail.ru',
    'ann@google.com',
    'ann@linkedin.com',
    'josé@bücher.de',
  ])('%s is a person', (email) => {
    expect(automatedAddressReason(email)).toBeNull();
  });

  it('is null for things that are not addresses', () => {
    expect(automatedAddressReason('')).toBeNull();
    expect(automatedAddressReason('no-reply')).toBeNull();
  });
});
