/**
 * Tenant isolation: two users, Sam (A) and Kim (B), each with contacts of their own, one person
 * they share, a digest with signed links, and a mark. From Sam's side, every entry point that
 * takes a user or an id is tried against Kim's data — the CLI (`contacts`, `digest preview`,
 * `identity`), the web app with Sam's session (status, settings, disconnect with Kim's account
 * id, a session cookie altered to name Kim, who-is-due's forms naming Kim's people and journal entries), the digest's links (altered, and correctly signed
 * ones naming Kim's digest), held-reply links, replies (Sam's own, DKIM-signed mail to Kim's
 * reply address over SMTP; the same through the webhook with a trusted verdict; Sam's reply
 * quoting Kim's digest), a Microsoft sign-in by another tenant's user whose `mail` is
 * Sam's address, and IMAP mailboxes Sam connects under Kim's addresses (on a real Dovecot). Kim's rows must come out byte-for-byte as they went in, and nothing of Kim's
 * may appear in anything Sam is shown or sent.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeContacts } from '../../src/contact-store/recompute-contacts.ts';
import { actionToken } from '../../src/digest/action-links.ts';
import { queueDueDigests } from '../../src/digest/schedule-digests.ts';
import { sendDigest, type DigestSettings } from '../../src/digest/send-digest.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startGraphEmulator, type GraphEmulator } from '../../fakes/microsoft/index.ts';
import { composeMail, createMailer, type Mailer } from '../../src/mailer/create-mailer.ts';
import { startMailCatcher, type MailCatcher } from '../../fakes/mail-catcher.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { CONFIRM_PURPOSE, handleInboundMessage, type ReplyDeps } from '../../src/replies/handle-reply.ts';
import { startInboundSmtp, type InboundSmtp } from '../../src/replies/inbound-smtp-server.ts';
import { signToken } from '../../src/security/signed-token.ts';
import { buildServer } from '../../src/web/server.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { sendReply, testMailDns, testReplySettings } from '../../testkit/reply-harness.ts';
import { testLogger } from '../../testkit/sync-harness.ts';
import { startDovecot, type Dovecot } from '../../testkit/dovecot.ts';
import { createImapUser, type ImapTestUser } from '../../testkit/imap-mailbox.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import { connectThroughConsent, CookieJar, csrfOf, form, LINK_SECRET, webTestConfig } from '../../testkit/web-harness.ts';

const cli = path.resolve(import.meta.dirname, '../../src/cli.ts');
const SAM = 'sam@example.com';
const KIM = 'kim@example.com';
/** Kim's other mailbox, over IMAP. */
const KIM_IMAP = 'kim@fastmail.example';
const PUBLIC_URL = 'http://rekindle.test';
const INBOUND = 'in.rekindle.test';
const WEBHOOK_SECRET = 'tenant-isolation-webhook-secret-0123456789';
const keys = { secrets: [LINK_SECRET] };
const SHARED = { email: 'ada@shared.example', name: 'Ada Shared', everyDays: 14, lastDaysAgo: 150, conversations: 12 };
const SAM_PEOPLE = [SHARED, { email: 'alan@sam-only.example', name: 'Alan Samside', everyDays: 21, lastDaysAgo: 200, conversations: 10 }];
const KIM_PEOPLE = [
  { ...SHARED, lastDaysAgo: 120 },
  { email: 'bea@kim-only.example', name: 'Bea Kimside', everyDays: 10, lastDaysAgo: 130, conversations: 14 },
  { email: 'bram@kim-only.example', name: 'Bram Kimside', everyDays: 30, lastDaysAgo: 250, conversations: 9 },
];
/** Anything that would show Kim's data in Sam's hands. */
const KIM_MARKERS = [KIM, 'kim-only.example', 'Kimside'];
const TRUSTED_PASS = (domain: string) => `mx.rekindle.test; dkim=pass header.d=${domain}; dmarc=pass (p=reject) header.from=${domain}`;

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, LOG_LEVEL: 'error', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('tenant isolation: Sam cannot reach Kim', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let graph: GraphEmulator;
  let dovecot: Dovecot;
  let kimImap: ImapTestUser;
  let catcher: MailCatcher;
  let mailer: Mailer;
  let smtp: InboundSmtp;
  let redis: ReturnType<typeof createRedis>;
  let app: ReturnType<typeof buildServer>;
  let base = '';
  const queue = createTestPrefix('tenants');
  const sam = { jar: new CookieJar(), userId: '', accountId: '', digestId: '', token: '', messageId: '' };
  const kim = { jar: new CookieJar(), userId: '', accountId: '', digestId: '', token: '', messageId: '' };
  let kimBefore = '';

  /** Every row of Kim's, in every table that holds user data, as one comparable string. */
  const kimRows = async () => {
    const u = kim.userId;
    const a = kim.accountId;
    const tables = await Promise.all([
      database.sql`select id, email, timezone, digest_day, digest_hour, digest_budget, digest_paused_at, digest_paused_reason, digest_stopped_at from users where id = ${u}`,
      database.sql`select id, email, status, subject, refresh_token, imap_server, calendar_sources, calendar_secret from accounts where user_id = ${u} order by id`,
      database.sql`select * from user_addresses where user_id = ${u} order by address`,
      database.sql`select * from interactions where user_id = ${u} order by source_key, contact, kind`,
      database.sql`select * from contacts where user_id = ${u} order by contact`,
      database.sql`select * from contact_marks where user_id = ${u} order by contact`,
      database.sql`select * from identity_decisions where user_id = ${u} order by address_a, address_b`,
      database.sql`select id, status, token, sent_at from digests where user_id = ${u} order by id`,
      database.sql`select digest_id, position, contact from digest_items where digest_id in (select id from digests where user_id = ${u}) order by digest_id, position`,
      database.sql`select * from verdict_journal where user_id = ${u} order by seq`,
      database.sql`select * from sync_streams where account_id = ${a} order by stream`,
    ]);
    return JSON.stringify(tables);
  };
  const expectKimUntouched = async (what: string) => expect(await kimRows(), what).toBe(kimBefore);
  const expectNothingOfKim = (text: string, what: string) => {
    for (const marker of KIM_MARKERS) expect(text, `${what} shows ${marker}`).not.toContain(marker);
  };
  const positionOf = async (digestId: string, contact: string) =>
    (
      await database.sql<{ position: number }[]>`select position from digest_items where digest_id = ${digestId} and contact = ${contact}`
    )[0]!.position;
  const http = (urlPath: string, init: RequestInit & { jar?: CookieJar } = {}) =>
    fetch(`${base}${urlPath}`, {
      redirect: 'manual',
      ...init,
      headers: { ...(init.jar ? { cookie: init.jar.header() } : {}), ...(init.headers as Record<string, string>) },
    });
  const postForm = (urlPath: string, fields: Record<string, string>, jar?: CookieJar) =>
    http(urlPath, { method: 'POST', jar, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(fields) });
  /** "Other mailbox", as a browser fills it in: the form's CSRF token, then the POST. */
  const connectImap = async (jar: CookieJar, fields: { email: string; user: string; password: string }) => {
    const page = await (await http('/connect/imap', { jar })).text();
    const fill = { csrf: csrfOf(page), host: '127.0.0.1', port: String(dovecot.port), security: 'none', ...fields };
    return postForm('/connect/imap', fill, jar);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator();
    graph = await startGraphEmulator();
    dovecot = await startDovecot();
    catcher = await startMailCatcher();
    mailer = createMailer(catcher.url);
    redis = createRedis(redisUrl);
    const digestSettings: DigestSettings = {
      mailFrom: 'rekindle <digest@rekindle.test>',
      inboundDomain: INBOUND,
      publicUrl: PUBLIC_URL,
      budget: 5,
      actionLinks: { keys, publicUrl: PUBLIC_URL, days: 30 },
    };
    for (const [who, email, people] of [
      [sam, SAM, SAM_PEOPLE],
      [kim, KIM, KIM_PEOPLE],
    ] as const) {
      const ids = await seedDigestUser(database, { email, people });
      who.userId = ids.userId;
      who.accountId = ids.accountId;
      google.addMailbox({ email, messages: [] });
    }
    for (const who of [sam, kim]) await recomputeContacts(database.sql, who.userId);
    await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' });
    for (const who of [sam, kim]) {
      const [digest] = await database.sql<{ id: string; token: string; messageId: string }[]>`
        select id, token, message_id as "messageId" from digests where user_id = ${who.userId}`;
      expect(await sendDigest({ sql: database.sql, mailer, logger: testLogger(), settings: digestSettings }, digest!.id)).toBe('sent');
      Object.assign(who, { digestId: digest!.id, token: digest!.token, messageId: digest!.messageId });
    }
    const replyDeps: ReplyDeps = {
      sql: database.sql,
      mailer,
      logger: testLogger(),
      settings: testReplySettings({
        mailFrom: digestSettings.mailFrom,
        inboundDomain: INBOUND,
        publicUrl: PUBLIC_URL,
        replyWindowDays: 14,
        linkKeys: keys,
      }),
    };
    const handle = (raw: Buffer, envelope: Parameters<typeof handleInboundMessage>[2]) => handleInboundMessage(replyDeps, raw, envelope);
    smtp = await startInboundSmtp({ host: '127.0.0.1', port: 0, domain: INBOUND, logger: testLogger(), handle });
    app = buildServer({
      sql: database.sql,
      redis,
      config: webTestConfig(database, queue.prefix, { google, graph }, { PUBLIC_URL }),
      replies: {
        confirm: { sql: database.sql, keys, logger: testLogger(), mailFrom: digestSettings.mailFrom, replyWindowDays: 14 },
        webhook: { secret: WEBHOOK_SECRET, maxBytes: 100_000, logger: testLogger(), handle },
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    // Both sign in the way people do: connecting their mailbox again through Google's consent.
    for (const [who, email] of [
      [sam, SAM],
      [kim, KIM],
    ] as const) {
      const { response } = await connectThroughConsent(app, who.jar, 'google', `?login_hint=${email}`);
      expect(response.statusCode).toBe(303);
    }
    // Kim adds her IMAP mailbox too.
    kimImap = await createImapUser(dovecot, KIM_IMAP);
    expect((await connectImap(kim.jar, { email: KIM_IMAP, user: kimImap.server.user, password: kimImap.password })).status).toBe(303);
    // Kim has a mark of her own on the person they share, made through her own link.
    const kimLink = actionToken(
      keys,
      { digestId: kim.digestId, position: await positionOf(kim.digestId, SHARED.email) },
      new Date(Date.now() + 86_400_000),
    );
    expect((await postForm(`/d/${kimLink}`, { do: 'never' })).status).toBe(200);
    kimBefore = await kimRows();
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    redis?.disconnect();
    mailer?.close();
    await catcher?.close();
    await google?.close();
    await graph?.close();
    await dovecot?.destroy();
    await database?.drop();
    await queue.cleanup();
  });

  it("the CLI's contacts, digest preview and identity for Sam read and change only Sam's", async () => {
    const env = { DATABASE_URL: database.url };
    const contacts = await run(['contacts', '--user', SAM, '--json'], env);
    expect(contacts.code, contacts.stderr).toBe(0);
    expect((JSON.parse(contacts.stdout) as { email: string }[]).map((c) => c.email).sort()).toEqual(SAM_PEOPLE.map((p) => p.email).sort());
    expectNothingOfKim(contacts.stdout, 'contacts --user sam');

    // As of yesterday, so today's digest does not rest its people yet.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const preview = await run(['digest', 'preview', '--user', SAM, '--as-of', yesterday, '--json'], env);
    expect(preview.code, preview.stderr).toBe(0);
    expectNothingOfKim(preview.stdout, 'digest preview --user sam');
    // Kim's "never" on the person they share is hers: Sam's list still has Ada.
    expect((JSON.parse(preview.stdout) as { items: { email: string }[] }).items.map((i) => i.email)).toContain(SHARED.email);

    const identity = await run(['identity', 'merge', '--user', SAM, 'bea@kim-only.example', 'bram@kim-only.example'], env);
    expect(identity.code, identity.stderr).toBe(0);
    await expectKimUntouched('identity merge --user sam on Kim’s contacts');
    await database.sql`delete from identity_decisions where user_id = ${sam.userId}`;
  });

  it("Sam's session shows only Sam, and cannot disconnect, change or read Kim's mailbox and settings", async () => {
    const status = await (await http('/status', { jar: sam.jar })).text();
    expect(status).toContain(SAM);
    expectNothingOfKim(status, 'status');
    const settingsPage = await (await http('/settings', { jar: sam.jar })).text();
    expectNothingOfKim(settingsPage, 'settings');
    const csrf = csrfOf(settingsPage);

    const disconnect = await postForm(`/accounts/${kim.accountId}/disconnect`, { csrf }, sam.jar);
    expect(disconnect.status).toBe(404);
    expectNothingOfKim(await disconnect.text(), 'disconnect answer');
    const saved = await postForm('/settings', { csrf, day: '3', hour: '6', timezone: 'Europe/Berlin', budget: '3' }, sam.jar);
    expect(saved.status).toBe(303);
    expect((await postForm('/settings/pause', { csrf }, sam.jar)).status).toBe(303);
    await expectKimUntouched('Sam’s settings, pause and a disconnect naming Kim’s account');

    // Sam's CSRF token in Kim's browser is refused: it is bound to Sam's session.
    expect((await postForm('/settings/pause', { csrf }, kim.jar)).status).toBe(403);
    // Sam's session cookie altered to name Kim: the signature no longer holds, so nobody is signed in.
    const [body, signature] = sam.jar.cookies.get('rk_session')!.split('.');
    const altered = Buffer.from(Buffer.from(body!, 'base64url').toString().replace(sam.userId, kim.userId)).toString('base64url');
    const forged = new CookieJar();
    forged.cookies.set('rk_session', `${altered}.${signature}`);
    const asKim = await http('/status', { jar: forged });
    expect(asKim.status).toBe(303);
    expect(asKim.headers.get('location')).toBe('/');
    await expectKimUntouched('forged session');
  });

  it("Sam's who-is-due page shows only Sam's people, and its forms cannot reach Kim's people or journal", async () => {
    const due = await (await http('/due', { jar: sam.jar })).text();
    // (Sam's digest went out today: his people rest, so the coming lists are empty.)
    expect(due).toContain('<h1>Who is due</h1>');
    expectNothingOfKim(due, 'who is due');
    const csrf = csrfOf(due);
    // A person only Kim has, named in Sam's form: not among Sam's, so nothing happens.
    for (const [contact, verb] of [
      ['bea@kim-only.example', 'done'],
      ['bram@kim-only.example', 'never'],
      ['bea@kim-only.example', 'met'],
    ] as const) {
      const answer = await postForm('/due/act', { csrf, contact, do: verb }, sam.jar);
      expect(answer.status, `${verb} ${contact}`).toBe(404);
      expectNothingOfKim(await answer.text(), `${verb} ${contact} answer`);
    }
    expect(await database.sql`select 1 from contact_marks where user_id = ${sam.userId} and contact like '%kim-only%'`).toHaveLength(0);
    // Kim's own journal entry (her "never" on the person they share), taken back from Sam's session: not his.
    const [kimEntry] = await database.sql<{ id: string }[]>`select id from verdict_journal where user_id = ${kim.userId}`;
    const undo = await postForm('/due/undo', { csrf, entry: kimEntry!.id }, sam.jar);
    expect(undo.status).toBe(404);
    expectNothingOfKim(await undo.text(), 'undo of Kim’s entry');
    // Sam's own verdict on the person they share changes Sam's mark, never Kim's "never".
    const shared = await postForm('/due/act', { csrf, contact: SHARED.email, do: 'snooze', for: '2w' }, sam.jar);
    expect(shared.status).toBe(303);
    const samEntry = new URL(shared.headers.get('location')!, base).searchParams.get('entry')!;
    expectNothingOfKim(await (await http(shared.headers.get('location')!, { jar: sam.jar })).text(), 'who is due after Sam’s snooze');
    // Kim's CSRF-valid session cannot take back Sam's entry either.
    const kimCsrf = csrfOf(await (await http('/due', { jar: kim.jar })).text());
    expect((await postForm('/due/undo', { csrf: kimCsrf, entry: samEntry }, kim.jar)).status).toBe(404);
    expect((await postForm('/due/undo', { csrf, entry: samEntry }, sam.jar)).status).toBe(303);
    await expectKimUntouched('who is due');
  });

  it("digest links and held-reply links naming Kim's digest, entries or replies reach nothing", async () => {
    const future = new Date(Date.now() + 86_400_000);
    const samLink = actionToken(keys, { digestId: sam.digestId, position: 1 }, future);
    const [body, signature] = samLink.split('.');
    // The compact token's first 16 bytes are the digest's id: Kim's, under Sam's signature.
    const altered = Buffer.from(body!, 'base64url');
    Buffer.from(kim.digestId.replace(/-/g, ''), 'hex').copy(altered, 0);
    // The first format of links (signed JSON naming the user too), still accepted until those expire.
    const firstFormat = (u: string, d: string, n: number) => signToken(keys, 'digest-action', { u, d, n }, future);
    // A held reply of Kim's, made by someone else writing to her digest.
    const heldId = randomUUID();
    await database.sql`insert into inbound_replies (id, dedupe_key, digest_id, user_id, outcome, detail, channel, sender, commands)
      values (${heldId}, ${`<held-${heldId}>`}, ${kim.digestId}, ${kim.userId}, 'wrong_sender', 'sender', 'smtp', 'x@elsewhere.example', ${database.sql.json([{ verb: 'never', items: [2] }] as never)})`;
    const links: [string, string][] = [
      ["Sam's link altered to name Kim's digest", `/d/${altered.toString('base64url')}.${signature}`],
      ["a genuine signature over Sam's user and Kim's digest", `/d/${firstFormat(sam.userId, kim.digestId, 2)}`],
      ["a genuine signature over Kim's user and Sam's digest", `/d/${firstFormat(kim.userId, sam.digestId, 1)}`],
      ["Sam's session token as a link", `/d/${sam.jar.cookies.get('rk_session')}`],
      [
        "a confirmation link naming Kim's held reply with Sam's user",
        `/replies/confirm/${signToken(keys, CONFIRM_PURPOSE, { r: heldId, u: sam.userId }, future)}`,
      ],
      ["Sam's digest link as a confirmation link", `/replies/confirm/${samLink}`],
    ];
    for (const [what, link] of links) {
      const shown = await http(link);
      expect(shown.status, `GET ${what}`).toBe(404);
      expectNothingOfKim(await shown.text(), what);
      const posted = await postForm(link, { do: 'done' });
      expect(posted.status, `POST ${what}`).toBe(404);
    }
    await expectKimUntouched('links');
  });

  it("Sam's replies to Kim's digest (signed SMTP, the webhook with a trusted verdict) change nothing of Kim's, and only Kim hears of them", async () => {
    const mailsBefore = catcher.received.length;
    await sendReply({
      port: smtp.port,
      from: `Sam <${SAM}>`,
      to: `reply+${kim.token}@${INBOUND}`,
      text: 'never 1 2 3\nstop',
      references: [kim.messageId],
      dkim: testMailDns().key,
    });
    const raw = await composeMail({
      from: `Sam <${SAM}>`,
      to: `reply+${kim.token}@${INBOUND}`,
      subject: 'Re: your list',
      text: 'done 1 2\npause',
      messageId: `<${randomUUID()}@example.com>`,
      references: [kim.messageId],
      headers: { 'Authentication-Results': TRUSTED_PASS('example.com') },
    });
    const hooked = await http('/inbound/email', {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'message/rfc822' },
      body: new Uint8Array(raw),
    });
    expect(await hooked.json()).toEqual({ outcome: 'wrong_sender' });
    const [smtpRow] = await database.sql`select outcome from inbound_replies where channel = 'smtp' and sender = ${SAM}`;
    expect(smtpRow).toEqual({ outcome: 'wrong_sender' });
    // Sam's own reply quoting Kim's digest's Message-ID acts on Sam's digest only.
    const shared = await positionOf(sam.digestId, SHARED.email);
    await sendReply({
      port: smtp.port,
      from: `Sam <${SAM}>`,
      to: `reply+${sam.token}@${INBOUND}`,
      text: `done ${shared}`,
      references: [kim.messageId],
      dkim: testMailDns().key,
    });
    const samMarks = await database.sql`select contact, status from contact_marks where user_id = ${sam.userId}`;
    expect(samMarks).toEqual([{ contact: SHARED.email, status: 'done' }]);
    // The held-reply notices went to Kim alone; Sam got only his own confirmation, with nothing of Kim's.
    const sent = catcher.received.slice(mailsBefore);
    expect(sent.filter((m) => m.envelope.to.includes(KIM)).length).toBeGreaterThanOrEqual(1);
    const toSam = sent.filter((m) => m.envelope.to.includes(SAM));
    expect(toSam).toHaveLength(1);
    expectNothingOfKim(toSam[0]!.raw.toString(), 'confirmation to Sam');
    // Kim's data: only the held replies were added (inbound_replies is not in the compared rows).
    await expectKimUntouched('replies');
  });

  it("a Microsoft user of another tenant whose `mail` is Sam's address is not signed in as Sam, nor added to him", async () => {
    graph.addMailbox({ email: 'mallory@evil.example', messages: [] }, { mail: SAM, userPrincipalName: 'mallory@evil.example' });
    const mallory = new CookieJar();
    const { response } = await connectThroughConsent(app, mallory, 'microsoft', '?login_hint=mallory@evil.example');
    expect(response.statusCode).toBe(409);
    expect(mallory.cookies.has('rk_session')).toBe(false);
    expect(await database.sql`select 1 from accounts where provider = 'microsoft'`).toHaveLength(0);

    // Sam adds his real Outlook mailbox; a second impostor with that address gets nowhere either.
    graph.addMailbox({ email: 'sam@outlook.example', messages: [] });
    expect((await connectThroughConsent(app, sam.jar, 'microsoft', '?login_hint=sam@outlook.example')).response.statusCode).toBe(303);
    graph.addMailbox(
      { email: 'mallory2@evil.example', messages: [] },
      { mail: 'sam@outlook.example', userPrincipalName: 'mallory2@evil.example' },
    );
    const mallory2 = new CookieJar();
    expect((await connectThroughConsent(app, mallory2, 'microsoft', '?login_hint=mallory2@evil.example')).response.statusCode).toBe(409);
    expect(mallory2.cookies.has('rk_session')).toBe(false);
    // Signed in as herself, Kim cannot take it over either.
    expect((await connectThroughConsent(app, kim.jar, 'microsoft', '?login_hint=mallory2@evil.example')).response.statusCode).toBe(409);
    // Sam himself signs in with it from a fresh browser.
    const fresh = new CookieJar();
    expect((await connectThroughConsent(app, fresh, 'microsoft', '?login_hint=sam@outlook.example')).response.statusCode).toBe(303);
    expect(await (await http('/status', { jar: fresh })).text()).toContain('sam@outlook.example');
    await expectKimUntouched('Microsoft sign-ins');
  });

  it("IMAP mailboxes Sam connects under Kim's addresses are his own: they reach nothing of Kim's, and do not keep her from hers", async () => {
    const imapRows = () =>
      database.sql<{ id: string; userId: string; email: string; subject: string }[]>`
        select id, user_id as "userId", email, subject from accounts where provider = 'imap' order by created_at`;
    const [kimsBefore] = await imapRows();
    const samImap = await createImapUser(dovecot, 'sam.imap@test.example');
    // Kim's IMAP address, then Kim's own address, on a login of Sam's: an IMAP server accepts whatever address one types.
    for (const email of [KIM_IMAP, KIM]) {
      const response = await connectImap(sam.jar, { email, user: samImap.server.user, password: samImap.password });
      expect(response.status, email).toBe(303);
      expect(response.headers.get('set-cookie'), 'no new session').toBeNull();
    }
    // One mailbox of Sam's (its server and login), shown under the address he last typed; Kim's is as it was.
    expect(await imapRows()).toEqual([
      kimsBefore,
      { id: expect.any(String), userId: sam.userId, email: KIM, subject: `127.0.0.1:${dovecot.port}/sam.imap@test.example` },
    ]);
    expect(kimsBefore).toMatchObject({ userId: kim.userId, email: KIM_IMAP, subject: `127.0.0.1:${dovecot.port}/${KIM_IMAP}` });
    // Sam's browser is still Sam's, and shows nothing of Kim's but the label he typed himself.
    const status = await (await http('/status', { jar: sam.jar })).text();
    expect(status).toContain(SAM);
    expect(status).not.toContain('kim-only.example');
    // Kim's own login: a guessed password gets nothing; even the right one does not move her mailbox to Sam.
    const guessed = await connectImap(sam.jar, { email: KIM_IMAP, user: KIM_IMAP, password: 'a guess' });
    expect(guessed.status).toBe(400);
    expect(await guessed.text()).toContain('did not accept this user name and password');
    const taken = await connectImap(sam.jar, { email: 'sam@test.example', user: KIM_IMAP, password: kimImap.password });
    expect(taken.status).toBe(400);
    expect(await taken.text()).toContain('connected to another rekindle account');
    await expectKimUntouched('IMAP mailboxes Sam connected under Kim’s addresses');

    // Kim reconnects hers: still hers, same row; Sam's mailbox under her address is no obstacle.
    expect((await connectImap(kim.jar, { email: KIM_IMAP, user: KIM_IMAP, password: kimImap.password })).status).toBe(303);
    expect((await imapRows())[0]).toEqual(kimsBefore);
    // Sam's mailbox came first under KIM; Kim's own mailbox of that address is added all the same.
    const kimsOwn = await createImapUser(dovecot, KIM);
    expect((await connectImap(kim.jar, { email: KIM, user: KIM, password: kimsOwn.password })).status).toBe(303);
    const owners = (await imapRows()).filter((r) => r.email === KIM).map((r) => r.userId);
    expect(owners.sort()).toEqual([sam.userId, kim.userId].sort());
    kimBefore = await kimRows();
  });

  it("Sam deleting his account removes every row of his, in every table, and nothing of Kim's", async () => {
    const settingsPage = await (await http('/settings', { jar: sam.jar })).text();
    const csrf = csrfOf(settingsPage);
    // Without the confirmation box nothing goes.
    expect((await postForm('/account/delete', { csrf }, sam.jar)).status).toBe(400);
    expect(await database.sql`select 1 from users where id = ${sam.userId}`).toHaveLength(1);
    const deleted = await postForm('/account/delete', { csrf, confirm: 'yes' }, sam.jar);
    expect(deleted.status).toBe(200);
    expect(deleted.headers.get('set-cookie')).toMatch(/rk_session=; .*Max-Age=0/);
    const tables = await database.sql<
      { name: string }[]
    >`select quote_ident(table_name) as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
    for (const { name } of tables) {
      const dump = (await database.sql.unsafe<{ t: string }[]>(`select t::text as t from ${name} t`)).map((r) => r.t).join('\n');
      for (const trace of [sam.userId, sam.accountId, sam.digestId, 'sam-only.example', 'Samside', 'sam@outlook.example']) {
        expect(dump.includes(trace), `${trace} left in ${name}`).toBe(false);
      }
    }
    await expectKimUntouched('Sam deleting his account');
  });
});
