/**
 * The Graph emulator's wire format, over HTTP with plain fetch: the identity platform's token
 * endpoint (rotation, AADSTS errors, codes), /me, mail folders, message delta, calendarView
 * delta, Mail.ReadBasic's limits, Outlook's throttling and injected faults. (The provider tests
 * drive the same emulator through @microsoft/microsoft-graph-client.)
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator, type GraphEmulatorOptions } from '../../fakes/microsoft/index.ts';
import type { SeedEvent, SeedMessage } from '../../fakes/google/index.ts';

const ADA = 'ada@example.com';
let emulator: GraphEmulator;

async function start(options: GraphEmulatorOptions = {}) {
  emulator = await startGraphEmulator(options);
  return emulator;
}

afterEach(async () => {
  await emulator?.close();
});

function message(subject: string, date: string, labelIds: string[] = ['INBOX'], extra: [string, string][] = []): SeedMessage {
  return {
    labelIds,
    internalDate: date,
    headers: [
      { name: 'Message-ID', value: `<${subject.replace(/\W+/g, '-')}@example.org>` },
      { name: 'From', value: labelIds.includes('SENT') ? `Ada <${ADA}>` : 'Bob <bob@example.org>' },
      { name: 'To', value: labelIds.includes('SENT') ? 'Bob <bob@example.org>' : `Ada <${ADA}>` },
      { name: 'Subject', value: subject },
      { name: 'Date', value: new Date(date).toUTCString() },
      ...extra.map(([name, value]) => ({ name, value })),
    ],
  };
}

async function token(
  refreshToken: string,
  scope = 'Mail.ReadBasic Calendars.ReadBasic User.Read offline_access',
  secret = emulator.clientSecret,
) {
  const response = await fetch(emulator.tokenUrl(), {
    method: 'POST',
    body: new URLSearchParams({
      client_id: emulator.clientId,
      client_secret: secret,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      scope,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** A GET on Graph for the mailbox, with the given Prefer header; returns status, headers and JSON. */
async function graph(path: string, options: { scopes?: string[]; prefer?: string; accessToken?: string } = {}) {
  const accessToken =
    options.accessToken ?? (await token(emulator.issueRefreshToken(ADA, options.scopes), options.scopes?.join(' '))).body.access_token;
  const url = path.startsWith('http') ? path : `${emulator.graphUrl}/v1.0${path}`;
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${accessToken}`, ...(options.prefer ? { prefer: options.prefer } : {}) },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

describe('Graph emulator: identity platform', () => {
  beforeEach(async () => {
    await start();
    emulator.addMailbox({ email: ADA, messages: [] });
  });

  it('rotates the refresh token on every use and refuses a used one with AADSTS70000', async () => {
    const first = emulator.issueRefreshToken(ADA);
    const one = await token(first);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      token_type: 'Bearer',
      scope: 'Mail.ReadBasic Calendars.ReadBasic User.Read',
      expires_in: 3600,
      ext_expires_in: 3600,
    });
    expect(one.body.refresh_token).not.toBe(first);
    const two = await token(one.body.refresh_token);
    expect(two.status).toBe(200);
    expect(emulator.liveRefreshTokens(ADA)).toEqual([two.body.refresh_token]);

    const reused = await token(first);
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({ error: 'invalid_grant', error_codes: [70000] });
    expect(reused.body.error_description).toMatch(/^AADSTS70000: .*\r\nTrace ID: .*\r\nCorrelation ID: .*\r\nTimestamp: /s);
    expect(emulator.refreshTokenReuses(ADA)).toBe(1);
  });

  it('wants a scope, grants no more than was consented, and checks the client', async () => {
    expect((await token(emulator.issueRefreshToken(ADA), '')).body).toMatchObject({ error: 'invalid_request', error_codes: [900144] });
    expect((await token(emulator.issueRefreshToken(ADA), 'Mail.Read offline_access')).body).toMatchObject({
      error: 'invalid_grant',
      error_codes: [65001],
    });
    expect((await token(emulator.issueRefreshToken(ADA), 'https://graph.microsoft.com/Mail.ReadBasic offline_access')).status).toBe(200);
    const wrongSecret = await token(emulator.issueRefreshToken(ADA), undefined, 'nope');
    expect(wrongSecret).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [7000215] } });
  });

  it('answers invalid_grant AADSTS50173 once the grant is revoked, and 401 to its access tokens', async () => {
    const refreshToken = emulator.issueRefreshToken(ADA);
    const { body } = await token(refreshToken);
    emulator.revokeGrants(ADA);
    expect((await token(body.refresh_token)).body).toMatchObject({ error: 'invalid_grant', error_codes: [50173] });
    const me = await graph('/me', { accessToken: body.access_token });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('InvalidAuthenticationToken');
    expect(me.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('issues an authorization code through the authorize endpoint and redeems it once', async () => {
    const authorize = new URL(emulator.authorizeUrl());
    for (const [k, v] of Object.entries({
      client_id: emulator.clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9/callback',
      scope: 'Mail.ReadBasic Calendars.ReadBasic User.Read offline_access',
      state: 'xyz',
      login_hint: ADA,
    }))
      authorize.searchParams.set(k, v);
    const redirect = await fetch(authorize, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const back = new URL(redirect.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('xyz');
    const exchange = () =>
      fetch(emulator.tokenUrl(), {
        method: 'POST',
        body: new URLSearchParams({
          client_id: emulator.clientId,
          client_secret: emulator.clientSecret,
          grant_type: 'authorization_code',
          code: back.searchParams.get('code')!,
          redirect_uri: 'http://127.0.0.1:9/callback',
          scope: 'Mail.ReadBasic offline_access',
        }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
    const first = await exchange();
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toBeTruthy();
    expect((await exchange()).body).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });
  });
});

describe('Graph emulator: PKCE as the identity platform checks it', () => {
  beforeEach(async () => {
    await start();
    emulator.addMailbox({ email: ADA, messages: [] });
  });

  const SCOPES = 'Mail.ReadBasic Calendars.ReadBasic User.Read offline_access';
  const authorize = (pkce: Record<string, string>) => {
    const url = new URL(emulator.authorizeUrl());
    for (const [k, v] of Object.entries({
      client_id: emulator.clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9/callback',
      scope: SCOPES,
      login_hint: ADA,
      ...pkce,
    })) {
      url.searchParams.set(k, v);
    }
    return fetch(url, { redirect: 'manual' });
  };
  const codeFor = async (pkce: Record<string, string>) =>
    new URL((await authorize(pkce)).headers.get('location')!).searchParams.get('code')!;
  const exchange = (code: string, verifier?: string) =>
    fetch(emulator.tokenUrl(), {
      method: 'POST',
      body: new URLSearchParams({
        client_id: emulator.clientId,
        client_secret: emulator.clientSecret,
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'http://127.0.0.1:9/callback',
        scope: SCOPES,
        ...(verifier ? { code_verifier: verifier } : {}),
      }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
  const verifier = 'v'.repeat(50);

  it('refuses a code_verifier for a code whose authorization carried no challenge (a downgrade), with AADSTS501481', async () => {
    const refused = await exchange(await codeFor({}), verifier);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
    expect(refused.body.error_description).toMatch(
      /^AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request\./,
    );
  });

  it('takes S256 and plain (both documented), each only with its own verifier; refuses other methods and sizes with their AADSTS codes', async () => {
    const s256 = createHash('sha256').update(verifier).digest('base64url');
    expect((await exchange(await codeFor({ code_challenge: s256, code_challenge_method: 'S256' }), verifier)).status).toBe(200);
    expect((await exchange(await codeFor({ code_challenge: verifier, code_challenge_method: 'plain' }), verifier)).status).toBe(200);
    expect((await exchange(await codeFor({ code_challenge: s256, code_challenge_method: 'S256' }), 'w'.repeat(50))).body).toMatchObject({
      error_codes: [501481],
    });
    expect((await exchange(await codeFor({ code_challenge: s256, code_challenge_method: 'S256' }))).body).toMatchObject({
      error_codes: [501481],
    });
    const method = await authorize({ code_challenge: s256, code_challenge_method: 'S512' });
    expect(method.status).toBe(400);
    expect(await method.text()).toBe('AADSTS50149: Invalid Code_Challenge_method parameter.');
    const size = await authorize({ code_challenge: 'short', code_challenge_method: 'plain' });
    expect(size.status).toBe(400);
    expect(await size.text()).toBe('AADSTS501491: Invalid size of Code_Challenge parameter.');
  });
});

describe('Graph emulator: profile and mail', () => {
  beforeEach(async () => {
    await start();
    emulator.addMailbox(
      {
        email: ADA,
        aliases: ['ada.lovelace@example.com'],
        messages: [
          message('Old news', '2024-01-01T10:00:00.250Z', ['SENT'], [['Bcc', 'Secret <secret@example.org>']]),
          message('=?UTF-8?B?UsOpdW5pb24=?=', '2024-01-02T10:00:00Z', ['INBOX'], [['Bcc', 'x@example.org']]),
          message('Filed away', '2024-01-03T10:00:00Z', ['Label_7']),
          message('Archived', '2024-01-04T10:00:00Z', []),
          message('Spam', '2024-01-05T10:00:00Z', ['SPAM']),
          message('Newsletter', '2024-01-06T10:00:00Z', ['INBOX', 'CATEGORY_UPDATES'], [['List-Id', '<news.example.org>']]),
          {
            labelIds: ['INBOX'],
            internalDate: '2024-01-07T10:00:00Z',
            headers: [
              { name: 'From', value: 'noreply@example.org' },
              { name: 'Subject', value: 'No name' },
            ],
          },
        ],
      },
      { displayName: 'Ada Lovelace' },
    );
  });

  it('answers /me with the addresses, proxy addresses only when selected', async () => {
    const me = await graph('/me?$select=mail,userPrincipalName,proxyAddresses');
    expect(me.body).toEqual({
      '@odata.context': `${emulator.graphUrl}/v1.0/$metadata#users(mail,userPrincipalName,proxyAddresses)/$entity`,
      mail: ADA,
      userPrincipalName: ADA,
      proxyAddresses: [`SMTP:${ADA}`, 'smtp:ada.lovelace@example.com'],
    });
    expect((await graph('/me')).body).toMatchObject({ displayName: 'Ada Lovelace', givenName: 'Ada', surname: 'Lovelace', mail: ADA });
    expect('proxyAddresses' in (await graph('/me')).body).toBe(false);
    expect((await graph('/me', { scopes: ['Mail.ReadBasic', 'offline_access'] })).status).toBe(403);
  });

  it('files Gmail labels into Outlook folders', async () => {
    const folders = await graph('/me/mailFolders?$top=20');
    const byName = new Map(
      (folders.body.value as { displayName: string; totalItemCount: number }[]).map((f) => [f.displayName, f.totalItemCount]),
    );
    expect(Object.fromEntries(byName)).toEqual({
      Inbox: 3,
      Drafts: 0,
      'Sent Items': 1,
      'Deleted Items': 0,
      'Junk Email': 1,
      Outbox: 0,
      Archive: 1,
      Label_7: 1,
    });
    const page = await graph('/me/mailFolders?$top=3');
    expect(page.body.value).toHaveLength(3);
    expect(page.body['@odata.nextLink']).toBe(`${emulator.graphUrl}/v1.0/me/mailFolders?$top=3&$skip=3`);
    expect((await graph('/me/mailFolders/sentitems')).body.id).toBe(emulator.folderId(ADA, 'sentitems'));
    expect((await graph('/me/mailFolders/nothere')).status).toBe(404);
  });

  it('serves message properties as Exchange parsed them: decoded, to the second, Bcc on the sender’s copy only', async () => {
    const select =
      '$select=subject,from,sender,toRecipients,bccRecipients,internetMessageId,receivedDateTime,sentDateTime,inferenceClassification';
    const sent = (await graph(`/me/mailFolders/sentitems/messages/delta?${select}`)).body.value[0];
    expect(sent).toMatchObject({
      subject: 'Old news',
      from: { emailAddress: { name: 'Ada', address: ADA } },
      bccRecipients: [{ emailAddress: { name: 'Secret', address: 'secret@example.org' } }],
      internetMessageId: '<Old-news@example.org>',
      receivedDateTime: '2024-01-01T10:00:00Z',
    });
    const inbox = (await graph(`/me/mailFolders/inbox/messages/delta?${select}`)).body.value as Record<string, any>[];
    const reunion = inbox.find((m) => m.subject === 'Réunion')!;
    expect(reunion.bccRecipients).toEqual([]);
    expect(reunion.sender).toEqual(reunion.from);
    expect(inbox.find((m) => m.subject === 'Newsletter')!.inferenceClassification).toBe('other');
    const noName = inbox.find((m) => m.subject === 'No name')!;
    expect(noName.from).toEqual({ emailAddress: { name: 'noreply@example.org', address: 'noreply@example.org' } });
    expect(noName.toRecipients).toEqual([]);
    expect(noName.internetMessageId).toBeNull();
    expect(Object.keys(reunion)).toEqual([
      '@odata.type',
      '@odata.etag',
      'subject',
      'from',
      'sender',
      'toRecipients',
      'bccRecipients',
      'internetMessageId',
      'receivedDateTime',
      'sentDateTime',
      'inferenceClassification',
      'id',
    ]);
  });

  it('refuses what Mail.ReadBasic does not grant, and serves headers on received mail under Mail.Read', async () => {
    for (const property of ['body', 'bodyPreview', 'uniqueBody', 'internetMessageHeaders']) {
      const refused = await graph(`/me/mailFolders/inbox/messages/delta?$select=subject,${property}`);
      expect(refused.status, property).toBe(403);
      expect(refused.body.error.code).toBe('ErrorAccessDenied');
    }
    expect((await graph('/me/mailFolders/inbox/messages/delta?$expand=attachments')).status).toBe(403);
    const unknown = await graph('/me/mailFolders/inbox/messages/delta?$select=subject,nonsense');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('RequestBroker--ParseUri');
    const full = await graph('/me/mailFolders/inbox/messages/delta');
    expect('body' in full.body.value[0]).toBe(false);

    const readScopes = ['Mail.Read', 'User.Read', 'offline_access'];
    const received = await graph('/me/mailFolders/inbox/messages/delta?$select=subject,internetMessageHeaders', { scopes: readScopes });
    // The headers as they came over the wire (the subject still encoded), beside the decoded property.
    expect(received.body.value[0].subject).toBe('Réunion');
    expect(received.body.value[0].internetMessageHeaders).toContainEqual({ name: 'Subject', value: '=?UTF-8?B?UsOpdW5pb24=?=' });
    const own = await graph('/me/mailFolders/sentitems/messages/delta?$select=subject,internetMessageHeaders', { scopes: readScopes });
    expect('internetMessageHeaders' in own.body.value[0]).toBe(false);
  });

  it('pages a folder by odata.maxpagesize with absolute links back at the emulator, newest first when asked', async () => {
    for (let i = 0; i < 4; i++) emulator.addMessage(ADA, message(`Extra ${i}`, `2024-02-0${i + 1}T10:00:00Z`));
    const prefer = 'odata.maxpagesize=2, IdType="ImmutableId"';
    const first = await graph('/me/mailFolders/inbox/messages/delta?$select=subject,receivedDateTime&$orderby=receivedDateTime desc', {
      prefer,
    });
    expect(first.headers.get('preference-applied')).toBe('odata.maxpagesize=2');
    const inbox = emulator.folderId(ADA, 'inbox');
    expect(first.body['@odata.nextLink']).toMatch(
      new RegExp(`^${emulator.graphUrl}/v1\\.0/me/mailFolders\\('${inbox.replace(/[-=]/g, '\\$&')}'\\)/messages/delta\\?\\$skiptoken=`),
    );
    const subjects = [...first.body.value.map((m: { subject: string }) => m.subject)];
    let next: string | undefined = first.body['@odata.nextLink'];
    let deltaLink: string | undefined;
    while (next) {
      const page = await graph(next, { prefer });
      subjects.push(...page.body.value.map((m: { subject: string }) => m.subject));
      next = page.body['@odata.nextLink'];
      deltaLink = page.body['@odata.deltaLink'];
    }
    expect(subjects).toEqual(['Extra 3', 'Extra 2', 'Extra 1', 'Extra 0', 'No name', 'Newsletter', 'Réunion']);
    expect(deltaLink).toMatch(/\/messages\/delta\?\$deltatoken=/);

    // The next round: what arrived, what left (moved or deleted) as @removed, nothing else.
    const { body: listed } = await graph(`/me/mailFolders/inbox/messages/delta?$select=subject`, { prefer: 'IdType="ImmutableId"' });
    const reunionId = (listed.value as { id: string; subject: string }[]).find((m) => m.subject === 'Réunion')!.id;
    const newsletterId = (listed.value as { id: string; subject: string }[]).find((m) => m.subject === 'Newsletter')!.id;
    emulator.moveMessage(ADA, reunionId, 'archive');
    emulator.deleteMessage(ADA, newsletterId);
    const arrived = emulator.addMessage(ADA, message('Fresh', '2024-03-01T10:00:00Z'));
    const round = await graph(deltaLink!, { prefer });
    const all = [...round.body.value];
    for (let link = round.body['@odata.nextLink']; link; ) {
      const page = await graph(link, { prefer });
      all.push(...page.body.value);
      link = page.body['@odata.nextLink'];
    }
    expect(all).toEqual([
      { '@odata.type': '#microsoft.graph.message', id: reunionId, '@removed': { reason: 'deleted' } },
      { '@odata.type': '#microsoft.graph.message', id: newsletterId, '@removed': { reason: 'deleted' } },
      expect.objectContaining({ id: arrived, subject: 'Fresh' }),
    ]);
  });

  it('gives a moved message a new REST id but keeps its immutable id', async () => {
    const restIds = async () =>
      (await graph('/me/mailFolders/archive/messages/delta?$select=subject')).body.value.map((m: { id: string }) => m.id);
    const immutable = async () =>
      (await graph('/me/mailFolders/archive/messages/delta?$select=subject', { prefer: 'IdType="ImmutableId"' })).body.value.map(
        (m: { id: string }) => m.id,
      );
    const [restBefore] = await restIds();
    const [immutableBefore] = await immutable();
    emulator.moveMessage(ADA, immutableBefore, 'inbox');
    emulator.moveMessage(ADA, immutableBefore, 'archive');
    expect(await immutable()).toEqual([immutableBefore]);
    const [restAfter] = await restIds();
    expect(restAfter).not.toBe(restBefore);
    expect((await graph(`/me/messages/${restBefore}`)).status).toBe(404);
    expect((await graph(`/me/messages/${restAfter}?$select=subject`)).body.subject).toBe('Archived');
    expect((await graph(`/me/messages/${immutableBefore}?$select=subject`)).body.subject).toBe('Archived');
  });

  it('answers 410 SyncStateNotFound to every delta token once they expire', async () => {
    const { body } = await graph('/me/mailFolders/inbox/messages/delta', { prefer: 'odata.maxpagesize=1' });
    let deltaLink: string | undefined;
    for (let link = body['@odata.nextLink']; link; ) {
      const page = await graph(link);
      link = page.body['@odata.nextLink'];
      deltaLink = page.body['@odata.deltaLink'];
    }
    emulator.expireDeltaTokens(ADA, 'mail');
    for (const link of [body['@odata.nextLink'], deltaLink]) {
      const gone = await graph(link);
      expect(gone.status).toBe(410);
      expect(gone.body.error.code).toBe('SyncStateNotFound');
    }
    expect((await graph('/me/mailFolders/inbox/messages/delta')).status).toBe(200);
  });
});

describe('Graph emulator: seeds', () => {
  it('takes raw RFC 822 messages like the Gmail emulator does, reading only their headers', async () => {
    await start();
    const raw = [
      'Message-ID: <raw-1@example.org>',
      'Date: Tue, 02 Jan 2024 10:00:00 +0000',
      'From: =?UTF-8?Q?Ren=C3=A9?= <rene@example.org>',
      'To: Ada <ada@example.com>,',
      ' Grace <grace@example.org>',
      'Subject: Folded',
      '  subject',
      '',
      'Body text that is never served.',
    ].join('\r\n');
    emulator.addMailbox({ email: ADA, messages: [{ raw }] });
    const [m] = (await graph('/me/mailFolders/inbox/messages/delta?$select=subject,from,toRecipients,receivedDateTime')).body.value;
    expect(m).toMatchObject({
      subject: 'Folded subject',
      from: { emailAddress: { name: 'René', address: 'rene@example.org' } },
      toRecipients: [{ emailAddress: { name: 'Ada', address: ADA } }, { emailAddress: { name: 'Grace', address: 'grace@example.org' } }],
      // No internalDate: Exchange's received time comes from the Date header here.
      receivedDateTime: '2024-01-02T10:00:00Z',
    });
  });
});

describe('Graph emulator: calendarView delta', () => {
  const event = (
    summary: string,
    start: string,
    attendees: SeedEvent['attendees'] = [],
    organizer?: SeedEvent['organizer'],
  ): SeedEvent => ({
    summary,
    start: { dateTime: start },
    end: { dateTime: new Date(Date.parse(start) + 3_600_000).toISOString() },
    ...(organizer ? { organizer } : {}),
    attendees,
  });

  beforeEach(async () => {
    await start();
    emulator.addMailbox({
      email: ADA,
      messages: [],
      events: [
        event('Mine', '2024-03-05T15:00:00+01:00', [
          { email: ADA, responseStatus: 'accepted', organizer: true, self: true },
          { email: 'bob@example.org', displayName: 'Bob', responseStatus: 'tentative' },
          { email: 'room@example.org', responseStatus: 'accepted', resource: true },
        ]),
        event('Theirs', '2024-03-06T09:00:00Z', [{ email: ADA, responseStatus: 'needsAction' }], {
          email: 'carol@example.org',
          displayName: 'Carol',
        }),
        event('Long ago', '2010-01-01T09:00:00Z'),
      ],
    });
  });

  const window = '?startDateTime=2020-01-01T00:00:00Z&endDateTime=2025-01-01T00:00:00Z';

  it('needs a window, refuses $select, and serves Outlook events in UTC with Outlook’s answers', async () => {
    expect((await graph('/me/calendarView/delta')).body.error.code).toBe('ErrorInvalidParameter');
    expect((await graph(`/me/calendarView/delta${window}&$select=subject`)).body.error.code).toBe('ErrorInvalidUrlQuery');
    const { body } = await graph(`/me/calendarView/delta${window}`);
    expect(body['@odata.deltaLink']).toMatch(new RegExp(`^${emulator.graphUrl}/v1\\.0/me/calendarView/delta\\?\\$deltatoken=`));
    const [mine, theirs] = body.value as Record<string, any>[];
    expect(body.value).toHaveLength(2);
    expect(mine).toMatchObject({
      '@odata.type': '#microsoft.graph.event',
      subject: 'Mine',
      start: { dateTime: '2024-03-05T14:00:00.0000000', timeZone: 'UTC' },
      isOrganizer: true,
      isCancelled: false,
      responseStatus: { response: 'organizer' },
      organizer: { emailAddress: { name: ADA, address: ADA } },
      attendees: [
        {
          type: 'required',
          status: { response: 'tentativelyAccepted', time: '0001-01-01T00:00:00Z' },
          emailAddress: { name: 'Bob', address: 'bob@example.org' },
        },
        {
          type: 'resource',
          status: { response: 'accepted', time: '0001-01-01T00:00:00Z' },
          emailAddress: { name: 'room@example.org', address: 'room@example.org' },
        },
      ],
    });
    // Calendars.ReadBasic: no body.
    expect('body' in mine! || 'bodyPreview' in mine!).toBe(false);
    expect(theirs).toMatchObject({
      isOrganizer: false,
      responseStatus: { response: 'notResponded' },
      organizer: { emailAddress: { name: 'Carol', address: 'carol@example.org' } },
    });
  });

  it('reports cancellations in place, and deletions and moves out of the window as @removed', async () => {
    const { body } = await graph(`/me/calendarView/delta${window}`);
    const [mine, theirs] = body.value as { id: string }[];
    emulator.cancelEvent(ADA, theirs!.id);
    emulator.deleteEvent(ADA, mine!.id);
    const moved = emulator.addEvent(ADA, event('Soon moved', '2024-04-01T09:00:00Z'));
    emulator.updateEvent(ADA, moved, { start: { dateTime: '2030-01-01T09:00:00Z' }, end: { dateTime: '2030-01-01T10:00:00Z' } });
    const changes = await graph(body['@odata.deltaLink']);
    expect(changes.body.value).toEqual([
      expect.objectContaining({ id: theirs!.id, isCancelled: true }),
      { '@odata.type': '#microsoft.graph.event', id: mine!.id, '@removed': { reason: 'deleted' } },
      { '@odata.type': '#microsoft.graph.event', id: moved, '@removed': { reason: 'deleted' } },
    ]);
    emulator.expireDeltaTokens(ADA, 'calendar');
    const gone = await graph(changes.body['@odata.deltaLink']);
    expect([gone.status, gone.body.error.code]).toEqual([410, 'SyncStateNotFound']);
  });
});

describe('Graph emulator: Outlook throttling and faults', () => {
  it('refuses a fifth concurrent request of a mailbox with 429 MailboxConcurrency and Retry-After', async () => {
    await start({ latencyMs: { min: 150, max: 150 } });
    emulator.addMailbox({ email: ADA, messages: [] });
    const { body } = await token(emulator.issueRefreshToken(ADA));
    const answers = await Promise.all(Array.from({ length: 5 }, () => graph('/me', { accessToken: body.access_token })));
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.body.error).toMatchObject({
      code: 'ApplicationThrottled',
      message: 'Application is over its MailboxConcurrency limit.',
    });
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
    expect(emulator.maxConcurrent(ADA)).toBe(5);
    expect(emulator.usage(ADA)).toMatchObject({ requests: 4, concurrencyRejections: 1 });
  });

  it('refuses requests over the 10-minute budget until the window frees up', async () => {
    await start({ requestsPer10Minutes: 3 });
    emulator.addMailbox({ email: ADA, messages: [] });
    const { body } = await token(emulator.issueRefreshToken(ADA));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await graph('/me', { accessToken: body.access_token }));
    expect(statuses.map((s) => s.status)).toEqual([200, 200, 200, 429]);
    expect(Number(statuses[3]!.headers.get('retry-after'))).toBeGreaterThan(590);
    expect(emulator.usage(ADA)).toMatchObject({ requests: 3, budgetRejections: 1 });
  });

  it('injects faults for a method and user, with Retry-After, a given number of times', async () => {
    await start();
    emulator.addMailbox({ email: ADA, messages: [] });
    emulator.injectFault({ match: { method: 'graph.me', user: ADA }, status: 503, retryAfterSeconds: 7, times: 2 });
    emulator.injectFault({ match: { method: 'identity.token' }, status: 500 });
    expect((await token(emulator.issueRefreshToken(ADA))).body.error).toBe('temporarily_unavailable');
    const { body } = await token(emulator.issueRefreshToken(ADA));
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await graph('/me', { accessToken: body.access_token }));
    expect(answers.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(answers[0]!.headers.get('retry-after')).toBe('7');
    expect(answers[0]!.body.error.code).toBe('serviceNotAvailable');
  });
});
