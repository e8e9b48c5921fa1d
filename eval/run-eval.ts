/**
 * `npm run eval`: rekindle's import and inference over real mail nobody here wrote (the
 * shared corpora, see ../shared/corpora/README.md), with the figures that say whether the
 * list can be trusted:
 *
 * - rebuilt Enron mailboxes: the share of two-way contacts (the owner wrote to them in
 *   To/Cc and they wrote to the owner) found with the exact last-outbound and last-inbound
 *   days (UTC); the share of one-way or automated senders kept out of contacts; how many of
 *   them reached any of 26 weekly digest previews (target 0);
 * - relevance: at monthly dates, rekindle's list against four baselines on re-activated
 *   dormant ties (relevance.ts), on the Enron mailboxes and, when REKINDLE_EVAL_CORPUS holds
 *   it, on SNAP's email-Eu-core (email-eu-core.ts);
 * - reasons: how often each reason the digest printed is true in the raw mail (reason-precision.ts);
 * - bulk-ham: list senders that became contacts or candidates (target 0);
 * - calendar: a real Google Calendar export;
 * - time and peak memory of each import.
 *
 * Every import goes through `rekindle import`'s code into a scratch database (dropped at
 * the end unless --keep). Ground truth comes from the raw headers, independently of the
 * inference rules (see eval/enron-mailboxes.ts).
 *
 *   npm run eval [-- --corpora <dir>] [--owners watson-k,heard-m] [--samples a,b,c] [--json] [--keep] [--verbose]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { loadIdentityDecisions } from '../src/contact-store/identity-decisions.ts';
import { loadInteractions } from '../src/contact-store/load-interactions.ts';
import { computeContacts, inferContacts } from '../src/contacts/compute-contacts.ts';
import type { IdentityLink, IdentitySplit } from '../src/contacts/identity.ts';
import { normalizeAddress } from '../src/contacts/normalize-address.ts';
import { type ReconnectCandidate, selectReconnects } from '../src/contacts/select-reconnects.ts';
import type { ContactSummary } from '../src/contacts/types.ts';
import { createDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { importCalendar } from '../src/import/import-calendar.ts';
import { importMail } from '../src/import/import-mail.ts';
import { ensureLocalAccount, type LocalAccount } from '../src/import/local-account.ts';
import { readIcs } from '../src/import/read-ics.ts';
import { readMaildir } from '../src/import/read-maildir.ts';
import { corporaRoot } from '../testkit/corpora.ts';
import {
  ENRON_OWNERS,
  indexSenders,
  isAutomatedByMarkers,
  isResponderOrBounce,
  metaOf,
  rebuiltMailbox,
  type CorpusFile,
} from './enron-mailboxes.ts';
import { measure } from './measure.ts';
import { euCorpusDir, readEuCorpus } from './email-eu-core.ts';
import { type RawMailbox, rawExchanges } from './raw-exchanges.ts';
import { domainClaims, moveRuleOnSenders, reasonPrecision, reasonTable } from './reason-precision.ts';
import { relevanceTable, scoreOwner, summarize, type Unit } from './relevance.ts';
import { type Listed, LONG_LOST_DAYS, rekindleLists, relevanceOfEu } from './relevance-runs.ts';

const DAY = 86_400_000;
/** Weekly digest previews simulated after each mailbox ends. */
const PREVIEW_WEEKS = 26;
const BUDGET = 5;

const { values } = parseArgs({
  options: {
    corpora: { type: 'string' },
    owners: { type: 'string' },
    samples: { type: 'string', default: 'watson-k,tycholiz-b,shackleton-s' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
  strict: true,
});

const root = corporaRoot(values.corpora);
if (root === null) {
  process.stdout.write('eval: the shared corpora are not here (../shared/corpora, or set REKINDLE_CORPORA / --corpora); skipping.\n');
  process.exit(0);
}
const out = (line = '') => {
  if (!values.json) process.stdout.write(line + '\n');
};

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const url = new URL(serverUrl);
url.pathname = `/rekindle_eval_${process.pid}`;
const databaseUrl = url.toString();
await runMigrations(databaseUrl);
const database = createDatabase(databaseUrl, { max: 4 });
const { sql } = database;
const report: Record<string, unknown> = { corpora: root };

interface Truth {
  /** Last day the owner wrote to each address (To, Cc or Bcc of their mail). */
  lastOut: Map<string, number>;
  /** Addresses the owner wrote to in To or Cc. */
  toCc: Set<string>;
  /** Last day each address wrote to the owner (responders and bounces aside). */
  lastIn: Map<string, number>;
  /**
   * Addresses that wrote to the owner; automated when every message of theirs carries a
   * literal marker of bulk or automated mail (a person's out-of-office reply does not make
   * the person a robot).
   */
  senders: Map<string, { automated: boolean }>;
  end: number;
}

async function truthOf(
  messages: AsyncIterable<{ headers: string; folder: 'sent' | 'inbox' | 'other' }>,
  owner: ReadonlySet<string>,
): Promise<Truth> {
  const truth: Truth = { lastOut: new Map(), toCc: new Set(), lastIn: new Map(), senders: new Map(), end: -Infinity };
  const later = (map: Map<string, number>, key: string, at: number) => map.set(key, Math.max(map.get(key) ?? -Infinity, at));
  for await (const raw of messages) {
    const meta = metaOf(raw.headers, raw.folder);
    if (!meta) continue;
    const at = meta.date.getTime();
    truth.end = Math.max(truth.end, at);
    const from = meta.from ? normalizeAddress(meta.from.email) : null;
    if (raw.folder === 'sent' || (from !== null && owner.has(from))) {
      // The owner's out-of-office robot is not the owner writing.
      if (isResponderOrBounce(raw.headers, meta)) continue;
      for (const [list, visible] of [
        [meta.to, true],
        [meta.cc, true],
        [meta.bcc, false],
      ] as const) {
        for (const address of list) {
          const key = normalizeAddress(address.email);
          if (key === null || owner.has(key)) continue;
          later(truth.lastOut, key, at);
          if (visible) truth.toCc.add(key);
        }
      }
    } else if (from !== null) {
      const automated = isAutomatedByMarkers(raw.headers, meta);
      const seen = truth.senders.get(from);
      truth.senders.set(from, { automated: automated && (seen?.automated ?? true) });
      if (!isResponderOrBounce(raw.headers, meta)) later(truth.lastIn, from, at);
    }
  }
  return truth;
}

async function contactsOf(account: LocalAccount, asOf: Date): Promise<ContactSummary[]> {
  return computeContacts(await loadInteractions(sql, account.userId), {
    asOf,
    identities: await loadIdentityDecisions(sql, account.userId),
  });
}

/** Identity as inferred for the mailbox: every merge with its evidence, every pair of one name kept as two people. */
async function identityOf(account: LocalAccount, asOf: Date): Promise<{ links: IdentityLink[]; splits: IdentitySplit[] }> {
  const inference = inferContacts(await loadInteractions(sql, account.userId), {
    asOf,
    identities: await loadIdentityDecisions(sql, account.userId),
  });
  return { links: inference.contacts.flatMap((c) => c.summary.identityLinks), splits: inference.splits };
}

/** Weekly previews after `end`, each remembering who the earlier ones suggested (as sent digests do). */
async function previews(account: LocalAccount, end: number): Promise<{ asOf: Date; list: ReconnectCandidate[] }[]> {
  const interactions = await loadInteractions(sql, account.userId);
  const identities = await loadIdentityDecisions(sql, account.userId);
  const lastSuggested = new Map<string, Date>();
  const firstMonday = nextMonday(end + 14 * DAY);
  const result: { asOf: Date; list: ReconnectCandidate[] }[] = [];
  for (let week = 0; week < PREVIEW_WEEKS; week++) {
    const asOf = new Date(firstMonday + week * 7 * DAY);
    const list = selectReconnects(computeContacts(interactions, { asOf, identities }), new Map(), { asOf, budget: BUDGET, lastSuggested });
    for (const entry of list) lastSuggested.set(entry.contact.key, asOf);
    result.push({ asOf, list });
  }
  return result;
}

function nextMonday(ms: number): number {
  const day = new Date(Math.ceil(ms / DAY) * DAY);
  return day.getTime() + ((8 - day.getUTCDay()) % 7) * DAY;
}

const dayOf = (ms: number | null | undefined) =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString().slice(0, 10);
const pct = (part: number, whole: number) => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)} %`);

async function evalEnron(corpora: string) {
  const maildir = path.join(corpora, 'enron-inbox/maildir');
  const owners = values.owners ? values.owners.split(',') : Object.keys(ENRON_OWNERS);
  out('\n== Enron: rebuilt mailboxes (inbox + sent mail found in the other inboxes) ==');
  const index: CorpusFile[] = await indexSenders(maildir);
  out(`indexed ${index.length} messages of ${new Set(index.map((f) => f.user)).size} employees`);
  out('owner            messages  seconds  peak RSS MB  two-way  exact   one-way/auto senders  kept out  in digests  merges');

  const totals = {
    twoWay: 0,
    exact: 0,
    noisy: 0,
    keptOut: 0,
    absorbed: 0,
    inDigests: 0,
    digestEntries: 0,
    merges: 0,
    messages: 0,
    seconds: 0,
  };
  const perOwner: Record<string, unknown>[] = [];
  // The relevance benchmark and the reason checks (relevance.ts, reason-precision.ts).
  const units: Unit[] = [];
  const longLost: Unit[] = [];
  const listed: Listed[] = [];
  const mailboxes = new Map<string, RawMailbox>();
  const moves: { owner: string; contact: ContactSummary }[] = [];
  const identity = { merges: [] as (IdentityLink & { user: string })[], splits: {} as Record<string, number>, unresolved: 0 };
  const misses: string[] = [];
  const samples: string[] = [];
  for (const user of owners) {
    const addresses = ENRON_OWNERS[user];
    if (!addresses) throw new Error(`no addresses known for ${user}`);
    const ownerEmail = addresses[0]!;
    const account = await ensureLocalAccount(sql, ownerEmail, addresses.slice(1));
    const ownerKeys = new Set(account.addresses);
    const imported = await measure(() =>
      importMail(sql, account, rebuiltMailbox(maildir, index, user, ownerKeys), { storeSubjects: true }),
    );
    const truth = await truthOf(rebuiltMailbox(maildir, index, user, ownerKeys), new Set(account.addresses));
    const asOf = new Date(truth.end);
    const contacts = await contactsOf(account, asOf);
    const personOf = new Map<string, ContactSummary>();
    for (const c of contacts) for (const a of c.addresses) personOf.set(a, c);

    // Two-way contacts: exact last-outbound and last-inbound days, per person (addresses rekindle merged count together).
    const twoWay = [...truth.toCc].filter((a) => truth.lastIn.has(a));
    let exact = 0;
    for (const address of twoWay) {
      const contact = personOf.get(address);
      const group = contact?.addresses ?? [address];
      const lastOut = Math.max(...group.map((a) => truth.lastOut.get(a) ?? -Infinity));
      const lastIn = Math.max(...group.map((a) => truth.lastIn.get(a) ?? -Infinity));
      const ok =
        contact && dayOf(contact.lastOutboundAt?.getTime()) === dayOf(lastOut) && dayOf(contact.lastInboundAt?.getTime()) === dayOf(lastIn);
      if (ok) exact++;
      else
        misses.push(
          `${user} ${address}: truth out ${dayOf(lastOut)} in ${dayOf(lastIn)}; got ${contact ? `out ${dayOf(contact.lastOutboundAt?.getTime())} in ${dayOf(contact.lastInboundAt?.getTime())}` : 'no contact'}`,
        );
    }

    // Senders who are one-way (the owner never wrote to them) or automated (literal markers).
    const isNoisy = (a: string) => truth.senders.get(a)?.automated === true || !truth.lastOut.has(a);
    const isRealPerson = (c: ContactSummary) =>
      c.addresses.some((a) => truth.lastOut.has(a)) &&
      c.addresses.some((a) => truth.lastIn.has(a)) &&
      !c.addresses.some((a) => truth.senders.get(a)?.automated);
    const noisy = [...truth.senders.keys()].filter(isNoisy);
    let keptOut = 0;
    let absorbed = 0;
    for (const address of noisy) {
      const contact = personOf.get(address);
      if (!contact) keptOut++;
      else if (isRealPerson(contact)) absorbed++;
    }
    const weeks = await previews(account, truth.end);
    const raw = await rawExchanges(rebuiltMailbox(maildir, index, user, ownerKeys), ownerKeys);
    mailboxes.set(user, raw);
    for (const contact of contacts) if (contact.domainChange) moves.push({ owner: user, contact });
    const interactions = await loadInteractions(sql, account.userId);
    const identities = await loadIdentityDecisions(sql, account.userId);
    const rekindle = rekindleLists(interactions, identities, user, listed);
    units.push(...scoreOwner(user, raw.exchanges, rekindle));
    longLost.push(...scoreOwner(user, raw.exchanges, rekindle, LONG_LOST_DAYS));
    for (const week of weeks) for (const entry of week.list) listed.push({ owner: user, asOf: week.asOf.getTime(), entry });
    let inDigests = 0;
    let entries = 0;
    for (const { list } of weeks) {
      entries += list.length;
      for (const entry of list) {
        if (isRealPerson(entry.contact)) continue;
        inDigests++;
        misses.push(`${user} digest entry ${entry.contact.addresses.join(' ')} is one-way or automated in the raw mail`);
      }
    }
    const merges = contacts.reduce((n, c) => n + c.identityLinks.length, 0);
    if (values.verbose) for (const c of contacts) for (const l of c.identityLinks) out(`   merge ${l.a} = ${l.b}: ${l.evidence}`);
    const inferred = await identityOf(account, asOf);
    for (const link of inferred.links) identity.merges.push({ user, ...link });
    for (const split of inferred.splits) identity.splits[split.reason] = (identity.splits[split.reason] ?? 0) + 1;
    if (values.verbose) for (const s of inferred.splits) out(`   kept apart ${s.a} / ${s.b}: ${s.reason}`);
    identity.unresolved += imported.result.unresolved.mailboxes;

    totals.twoWay += twoWay.length;
    totals.exact += exact;
    totals.noisy += noisy.length;
    totals.keptOut += keptOut;
    totals.absorbed += absorbed;
    totals.inDigests += inDigests;
    totals.digestEntries += entries;
    totals.merges += merges;
    totals.messages += imported.result.read;
    totals.seconds += imported.seconds;
    perOwner.push({
      user,
      messages: imported.result.read,
      seconds: round(imported.seconds),
      peakRssMb: Math.round(imported.peakRssMb),
      peakHeapGrowthMb: Math.round(imported.peakHeapGrowthMb),
      twoWay: twoWay.length,
      exact,
      noisySenders: noisy.length,
      keptOut,
      absorbedIntoRealPerson: absorbed,
      noisyInDigests: inDigests,
      digestEntries: entries,
      merges,
      skipped: imported.result.skipped,
    });
    out(
      `${user.padEnd(16)} ${String(imported.result.read).padStart(8)}  ${imported.seconds.toFixed(1).padStart(7)}  ${imported.peakRssMb.toFixed(0).padStart(11)}  ` +
        `${String(twoWay.length).padStart(7)}  ${String(exact).padStart(5)}   ${String(noisy.length).padStart(20)}  ${String(keptOut + absorbed).padStart(8)}  ${String(inDigests).padStart(10)}  ${String(merges).padStart(6)}`,
    );
    if (values.samples.split(',').includes(user)) samples.push(renderSample(user, ownerEmail, weeks[0]!.asOf, weeks[0]!.list));
  }
  out('');
  out(
    `two-way contacts with exact last-outbound and last-inbound days: ${totals.exact} of ${totals.twoWay} (${pct(totals.exact, totals.twoWay)}; target ≥ 99 %)`,
  );
  out(
    `one-way or automated senders kept out of contacts: ${totals.keptOut + totals.absorbed} of ${totals.noisy} (${pct(totals.keptOut + totals.absorbed, totals.noisy)}; ` +
      `${totals.absorbed} of them as a second address of a real two-way person)`,
  );
  out(
    `one-way or automated senders in ${PREVIEW_WEEKS} weekly digest previews per mailbox: ${totals.inDigests} of ${totals.digestEntries} entries (target 0)`,
  );
  out(`identity merges: ${totals.merges} (--verbose lists them with their evidence)`);
  const byRule = new Map<string, { count: number; messages: number[] }>();
  for (const m of identity.merges) {
    const entry = byRule.get(m.rule) ?? { count: 0, messages: [] };
    entry.count++;
    entry.messages.push(Math.min(...(m.messages ?? [0, 0])));
    byRule.set(m.rule, entry);
  }
  out(
    `identity: merges by rule ${[...byRule].map(([rule, e]) => `${rule} ${e.count} (evidence: the lesser address on ${median(e.messages)} messages, median)`).join(', ') || 'none'}; ` +
      `pairs of one name kept as two people ${Object.values(identity.splits).reduce((a, b) => a + b, 0)} ` +
      `(${Object.entries(identity.splits)
        .sort((a, b) => b[1] - a[1])
        .map(([reason, n]) => `${reason} ${n}`)
        .join(', ')}); mailboxes left unresolved (Exchange DNs, names only): ${identity.unresolved}`,
  );
  out(`import: ${totals.messages} messages in ${totals.seconds.toFixed(1)} s (${Math.round(totals.messages / totals.seconds)} messages/s)`);
  if (misses.length > 0) {
    out(`misses (${misses.length}):`);
    for (const miss of misses) out(`   ${miss}`);
  }
  for (const sample of samples) out(sample);
  const relevance = { all: summarize(units), longLost: summarize(longLost) };
  for (const line of relevanceTable('Enron, rebuilt mailboxes', relevance.all)) out(line);
  for (const line of relevanceTable(`Enron, long-lost ties only (silent ≥ ${LONG_LOST_DAYS} days)`, relevance.longLost)) out(line);
  const reasons = reasonPrecision(listed, mailboxes);
  for (const line of reasonTable(`Enron, ${listed.length} entries of the relevance dates and the weekly previews`, reasons)) out(line);
  // Moves are rare in digests: every contact that claims one at its mailbox's end is checked too.
  const claimed = domainClaims(moves, mailboxes);
  out(
    `contacts claiming a move (new-domain) at each mailbox's end, picked or not: ${claimed.claims}; true in the raw mail: ${claimed.holds}` +
      (claimed.precision === null ? '' : ` (${(100 * claimed.precision).toFixed(1)} %)`),
  );
  for (const example of claimed.falseExamples) out(`   false: ${example}`);
  // Over every inbox of the corpus, not only the rebuilt mailboxes: moves are rare.
  const inboxes = new Map<string, RawMailbox>();
  for (const user of [...new Set(index.map((f) => f.user))].sort())
    inboxes.set(user, await rawExchanges(readMaildir(path.join(maildir, user)), new Set(ENRON_OWNERS[user] ?? [])));
  const senders = moveRuleOnSenders(inboxes);
  out(
    `the move rule on every sender of the ${inboxes.size} inboxes writing under one name from two organizations or more (${senders.people} of them): ${senders.claims} claims, ` +
      `${senders.holds} true in the raw mail${senders.precision === null ? '' : ` (${(100 * senders.precision).toFixed(1)} %)`}`,
  );
  for (const example of senders.falseExamples) out(`   false: ${example}`);
  out(
    `   for comparison, "their latest address is at another organization than their first": ${senders.naive.claims} claims, ${senders.naive.holds} true` +
      (senders.naive.precision === null ? '' : ` (${(100 * senders.naive.precision).toFixed(1)} %)`),
  );
  for (const example of senders.naive.falseExamples) out(`   false: ${example}`);
  return {
    figures: { totals, perOwner, misses, samples, identity },
    relevance,
    reasons: { entries: listed.length, ...reasons, domainClaims: claimed, moveRuleOnSenders: senders },
  };
}

/** The second corpus (email-eu-core.ts), when REKINDLE_EVAL_CORPUS holds it. */
async function evalEmailEu() {
  const dir = euCorpusDir();
  if (dir === null) {
    const message =
      'absent: set REKINDLE_EVAL_CORPUS to a folder holding email-Eu-core-temporal-Dept1..4.txt (SNAP email-Eu-core-temporal; docs/evaluation.md)';
    out(`\n== relevance: email-Eu-core: ${message} ==`);
    return { absent: message };
  }
  const corpus = await readEuCorpus(dir);
  const listed: Listed[] = [];
  const mailboxes = new Map<string, RawMailbox>();
  const timed = await measure(async () => relevanceOfEu(corpus, listed, mailboxes));
  const relevance = { all: summarize(timed.result.units), longLost: summarize(timed.result.longLost) };
  for (const line of relevanceTable(
    `email-Eu-core (${corpus.lines} lines, ${corpus.messages.length} messages, ${corpus.involving.size} people; ${timed.seconds.toFixed(1)} s)`,
    relevance.all,
  ))
    out(line);
  for (const line of relevanceTable(`email-Eu-core, long-lost ties only (silent ≥ ${LONG_LOST_DAYS} days)`, relevance.longLost)) out(line);
  const reasons = reasonPrecision(listed, mailboxes);
  for (const line of reasonTable(`email-Eu-core, ${listed.length} entries`, reasons)) out(line);
  return {
    dir,
    lines: corpus.lines,
    messages: corpus.messages.length,
    people: corpus.involving.size,
    skipped: corpus.skipped,
    seconds: round(timed.seconds),
    relevance,
    reasons: { entries: listed.length, ...reasons },
  };
}

function renderSample(user: string, owner: string, asOf: Date, list: ReconnectCandidate[]): string {
  const lines = [`\n-- digest preview for ${user} (${owner}), as of ${asOf.toISOString().slice(0, 10)} --`];
  if (list.length === 0) lines.push('   (nobody this week)');
  list.forEach((entry, i) => {
    const c = entry.contact;
    lines.push(
      `${i + 1}. ${c.name ? `${c.name} <${c.email}>` : c.email}  [strength ${c.strength.toFixed(2)}, ${c.sentCount} sent / ${c.receivedCount} received, ` +
        `last ${c.lastContactAt.toISOString().slice(0, 10)}${c.cadenceDays ? `, every ~${Math.round(c.cadenceDays)} d` : ''}]`,
      `   Why now: ${entry.reason}`,
      ...(c.lastSubject ? [`   Last subject: "${c.lastSubject}"`] : []),
    );
  });
  return lines.join('\n');
}

async function evalBulkHam(corpora: string) {
  out('\n== bulk-ham (SpamAssassin easy ham: lists and newsletters) ==');
  const dir = path.join(corpora, 'bulk-ham/easy-ham-1');
  // The anonymised recipient; the corpus holds only received mail.
  const account = await ensureLocalAccount(sql, 'zzzz@spamassassin.taint.org', ['yyyy@spamassassin.taint.org']);
  const imported = await measure(() => importMail(sql, account, readMaildir(dir), { storeSubjects: true }));
  // List senders: every message of theirs carries a list or bulk marker (people who also
  // wrote to the recipient directly are correspondents, as the corpus README says).
  const marked = new Map<string, boolean>();
  let end = -Infinity;
  for await (const raw of readMaildir(dir)) {
    const meta = metaOf(raw.headers, raw.folder);
    if (!meta) continue;
    end = Math.max(end, meta.date.getTime());
    const from = meta.from ? normalizeAddress(meta.from.email) : null;
    if (from !== null) marked.set(from, isAutomatedByMarkers(raw.headers, meta) && (marked.get(from) ?? true));
  }
  const listSenders = new Set([...marked].filter(([, all]) => all).map(([address]) => address));
  const contacts = await contactsOf(account, new Date(end));
  const weeks = await previews(account, end);
  const inContacts = contacts.filter((c) => c.addresses.some((a) => listSenders.has(a))).length;
  const candidates = new Set(
    weeks.flatMap((w) => w.list.filter((e) => e.contact.addresses.some((a) => listSenders.has(a))).map((e) => e.contact.key)),
  );
  out(
    `${imported.result.read} messages imported in ${imported.seconds.toFixed(1)} s, peak RSS ${imported.peakRssMb.toFixed(0)} MB; skipped ${JSON.stringify(imported.result.skipped)}`,
  );
  for (const c of contacts)
    out(
      `   contact: ${c.addresses.join(' ')} (${c.sentCount} sent / ${c.receivedCount} received; ${c.addresses.some((a) => listSenders.has(a)) ? 'a list sender' : 'not a list sender'})`,
    );
  out(
    `list senders: ${listSenders.size}; as contacts: ${inContacts}; as digest candidates: ${candidates.size} (target 0); contacts in all: ${contacts.length}`,
  );
  return {
    messages: imported.result.read,
    seconds: round(imported.seconds),
    peakRssMb: Math.round(imported.peakRssMb),
    listSenders: listSenders.size,
    inContacts,
    candidates: candidates.size,
    contacts: contacts.length,
  };
}

async function evalCalendar(corpora: string) {
  out('\n== calendar (a real Google Calendar export, issue42.ics) ==');
  const file = path.join(corpora, 'calendar/issue42.ics');
  const account = await ensureLocalAccount(sql, 'gabi@gmail.com');
  // "Now" for expanding recurrences: the export's own date, so the figures never change.
  const exportedAt = new Date('2020-08-15T19:22:55Z');
  const imported = await measure(async () => {
    const read = await readIcs(file, account.addresses, exportedAt, normalizeAddress);
    return { read, result: await importCalendar(sql, account, read.events, { storeSubjects: true }) };
  });
  const contacts = await contactsOf(account, exportedAt);
  const met = contacts.filter((c) => c.meetingCount > 0);
  out(
    `${imported.result.result.events} events (recurrences expanded) in ${imported.seconds.toFixed(1)} s, peak RSS ${imported.peakRssMb.toFixed(0)} MB; ` +
      `${imported.result.result.interactions} meeting interactions; contacts from meetings: ${met.length}` +
      (met.length ? ` (${met.map((c) => `${c.email} ×${c.meetingCount}`).join(', ')})` : ''),
  );
  return {
    events: imported.result.result.events,
    skipped: imported.result.read.skipped,
    interactions: imported.result.result.interactions,
    contacts: met.length,
    seconds: round(imported.seconds),
    peakRssMb: Math.round(imported.peakRssMb),
  };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

try {
  out(`rekindle eval over ${root}`);
  const enron = await evalEnron(root);
  report.enron = enron.figures;
  const emailEu = await evalEmailEu();
  report.relevance = { enron: enron.relevance, emailEu: 'absent' in emailEu ? emailEu : { ...emailEu, reasons: undefined } };
  report.reasons = { enron: enron.reasons, emailEu: 'absent' in emailEu ? emailEu : emailEu.reasons };
  report.bulkHam = await evalBulkHam(root);
  report.calendar = await evalCalendar(root);
  if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
} finally {
  await database.close();
  if (!values.keep) {
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "rekindle_eval_${process.pid}" with (force)`);
    await admin.end();
  } else {
    process.stderr.write(`kept the eval database: ${databaseUrl}\n`);
  }
}
