/**
 * Is every reason the digest prints true? For each reason code rekindle gave on the
 * benchmark's dates (relevance-runs.ts), a check against what the raw mail shows
 * (raw-exchanges.ts), never against rekindle's own inference:
 *
 * - overdue: no personal exchange either way after the "last talked" day rekindle shows, up
 *   to the date (the silence is real), and mail went both ways before it;
 * - their-turn: the last personal message between them, before the date, came from them;
 * - new-domain: of the mail they sent from clean, employer-like addresses (the checker's own
 *   list, below), everything from the stated day on — the whole corpus, the future
 *   included — comes from the new organization, on at least two days, none from the old;
 * - anniversary and long-friendship: the first mail either way is on the day (anniversary)
 *   or in the month (long friendship) the sentence rests on.
 */
import type { ReconnectReasonCode } from '../src/contacts/select-reconnects.ts';
import type { ContactSummary } from '../src/contacts/types.ts';
import { displayNameOf, nameKey } from '../src/contacts/display-name.ts';
import { domainChangeOf } from '../src/contacts/domain-change.ts';
import { organizationOfAddress } from '../src/contacts/organization.ts';
import type { RawInbound, RawMailbox } from './raw-exchanges.ts';
import { byCounterpart, type Exchange } from './relevance.ts';
import type { Listed } from './relevance-runs.ts';

const DAY = 86_400_000;
const CODES: readonly ReconnectReasonCode[] = ['overdue', 'their-turn', 'new-domain', 'anniversary', 'long-friendship'];

/**
 * The checker's own idea of an address that cannot name an employer, kept apart from the
 * product's list on purpose: a reason the product's rule lets through must still pass this.
 */
const NOT_EMPLOYER =
  /@(.*\.)?(gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|aol|aim|icloud|me|mac|earthlink|mindspring|comcast|verizon|att|sbcglobal|swbell|pacbell|bellsouth|juno|netzero|cox|charter|prodigy|compuserve|excite|lycos|netscape|flash|ev1|airmail|rr|cs|netcom|usa|gte|pobox|bigfoot|iname|mail|email)\.(com|net)$|@(alum|alumni|post)\./;
const ROLE = /^(info|admin|support|sales|office|contact|help|hr|jobs|billing|team|mail|webmaster|news|enquiries|marketing)@/;
const CLEAN = /^[a-z0-9](?:[a-z0-9_+-]|\.(?=[a-z0-9.])|'(?=[a-z]))*@[a-z0-9-]+(\.[a-z0-9-]+)+$/;

export interface ReasonFigures {
  fired: number;
  checked: number;
  holds: number;
  precision: number | null;
  /** A few that did not hold, to read. */
  falseExamples: string[];
}

export function reasonPrecision(
  listed: readonly Listed[],
  mailboxes: ReadonlyMap<string, RawMailbox>,
): Record<ReconnectReasonCode, ReasonFigures> {
  const result = Object.fromEntries(
    CODES.map((c) => [c, { fired: 0, checked: 0, holds: 0, precision: null, falseExamples: [] } as ReasonFigures]),
  ) as Record<ReconnectReasonCode, ReasonFigures>;
  const indexes = new Map<string, Map<string, Exchange[]>>();
  for (const { owner, asOf, entry } of listed) {
    const mailbox = mailboxes.get(owner);
    if (!mailbox) continue;
    let index = indexes.get(owner);
    if (!index) {
      index = byCounterpart(mailbox.exchanges);
      indexes.set(owner, index);
    }
    const contact = entry.contact;
    const all = contact.addresses.flatMap((a) => index.get(a) ?? []).sort((a, b) => a.at - b.at);
    const before = all.filter((e) => e.at <= asOf);
    for (const reason of entry.reasons) {
      const figures = result[reason.code];
      figures.fired++;
      let holds: boolean | null;
      switch (reason.code) {
        case 'overdue': {
          const endOfLastDay = (Math.floor(entry.lastContactAt.getTime() / DAY) + 1) * DAY;
          const later = before.some((e) => e.personal && e.at >= endOfLastDay);
          holds = !later && before.some((e) => e.direction === 'out') && before.some((e) => e.direction === 'in');
          break;
        }
        case 'their-turn': {
          const personal = before.filter((e) => e.personal);
          holds = personal.length > 0 && personal.at(-1)!.direction === 'in';
          break;
        }
        case 'new-domain':
          holds = domainChangeHolds(contact, mailbox) === null;
          break;
        case 'anniversary': {
          const first = all[0];
          holds = first !== undefined && Math.floor(first.at / DAY) === Math.floor(contact.firstContactAt.getTime() / DAY);
          break;
        }
        case 'long-friendship': {
          const first = all[0];
          const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);
          holds = first !== undefined && month(first.at) === month(contact.firstContactAt.getTime());
          break;
        }
      }
      if (holds === null) continue;
      figures.checked++;
      if (holds) figures.holds++;
      else if (figures.falseExamples.length < 5)
        figures.falseExamples.push(`${owner} ${new Date(asOf).toISOString().slice(0, 10)} ${contact.addresses.join(' ')}: ${reason.text}`);
    }
  }
  for (const figures of Object.values(result)) figures.precision = figures.checked === 0 ? null : figures.holds / figures.checked;
  return result;
}

/**
 * Null when the move the contact claims is what the raw mail shows; else why not. Of the mail
 * they sent from clean, employer-like addresses from the stated day on (the future included),
 * everything is from the new organization, on two days at least.
 */
export function domainChangeHolds(contact: ContactSummary, mailbox: RawMailbox): string | null {
  const moved = contact.domainChange;
  if (!moved) return 'no move claimed';
  if (NOT_EMPLOYER.test(`x@${moved.to}`)) return `${moved.to} is free mail or forwarding`;
  if (NOT_EMPLOYER.test(`x@${moved.from}`)) return `${moved.from} is free mail or forwarding`;
  const since = moved.since.getTime();
  const inOrg = (address: string, organization: string) => address.endsWith(`@${organization}`) || address.endsWith(`.${organization}`);
  const later = mailbox.inbound.filter((m) => contact.addresses.includes(m.address) && m.at >= since);
  const garbled = later.find(
    (m) => (inOrg(m.address, moved.to) || inOrg(m.address, moved.from)) && !CLEAN.test(m.written.toLowerCase().trim()),
  );
  if (garbled) return `garbled address ${garbled.written}`;
  const employer = later.filter((m) => !NOT_EMPLOYER.test(m.address) && !ROLE.test(m.address));
  if (employer.some((m) => inOrg(m.address, moved.from))) return `they still wrote from ${moved.from} after`;
  const days = new Set(employer.filter((m) => inOrg(m.address, moved.to)).map((m) => Math.floor(m.at / DAY)));
  return days.size >= 2 ? null : `mail from ${moved.to} on ${days.size} day(s)`;
}

/** Every contact that claims a move (whether or not a digest picked them), checked the same way. */
export function domainClaims(
  claims: readonly { owner: string; contact: ContactSummary }[],
  mailboxes: ReadonlyMap<string, RawMailbox>,
): { claims: number; holds: number; precision: number | null; falseExamples: string[] } {
  let holds = 0;
  const falseExamples: string[] = [];
  for (const { owner, contact } of claims) {
    const why = domainChangeHolds(contact, mailboxes.get(owner)!);
    if (why === null) holds++;
    else if (falseExamples.length < 8)
      falseExamples.push(`${owner} ${contact.addresses.join(' ')}: ${contact.domainChange?.from} → ${contact.domainChange?.to}: ${why}`);
  }
  return { claims: claims.length, holds, precision: claims.length === 0 ? null : holds / claims.length, falseExamples };
}

/**
 * The move rule on every sender of the corpus, not only on digest entries: senders are
 * grouped by the name they write under (one person, several addresses), and each time new
 * mail of theirs arrives the rule (domainChangeOf, the product's) is asked what it can say
 * from the mail so far. Each distinct claim is then checked against all their mail, the later
 * mail included.
 */
export function moveRuleOnSenders(
  mailboxes: ReadonlyMap<string, RawMailbox>,
): ReturnType<typeof domainClaims> & { people: number; naive: ReturnType<typeof domainClaims> } {
  const claims: { owner: string; contact: ContactSummary }[] = [];
  // The naive reading, for comparison: their latest address is at another organization than their first.
  const naive: { owner: string; contact: ContactSummary }[] = [];
  let people = 0;
  for (const [owner, mailbox] of mailboxes) {
    const groups = new Map<string, RawInbound[]>();
    for (const m of mailbox.inbound) {
      const key = nameKey(displayNameOf(m.name, m.address));
      if (key === null) continue;
      const list = groups.get(key);
      if (list) list.push(m);
      else groups.set(key, [m]);
    }
    for (const messages of groups.values()) {
      const organizations = new Set(messages.map((m) => organizationOfAddress(m.address)));
      if (organizations.size < 2) continue;
      people++;
      messages.sort((a, b) => a.at - b.at);
      const addresses = [...new Set(messages.map((x) => x.address))];
      const first = messages[0]!;
      const last = messages.at(-1)!;
      const since = messages.find((m) => m.address === last.address)!.at;
      if (organizationOfAddress(first.address) !== organizationOfAddress(last.address))
        naive.push({
          owner,
          contact: {
            addresses,
            domainChange: { from: organizationOfAddress(first.address), to: organizationOfAddress(last.address), since: new Date(since) },
          } as ContactSummary,
        });
      const seen = new Set<string>();
      const activity = new Map<string, { firstAt: number; lastAt: number; severalDays: boolean }>();
      for (const m of messages) {
        const entry = activity.get(m.address);
        if (!entry) activity.set(m.address, { firstAt: m.at, lastAt: m.at, severalDays: false });
        else {
          entry.lastAt = m.at;
          entry.severalDays ||= Math.floor(entry.firstAt / DAY) !== Math.floor(m.at / DAY);
        }
        const moved = domainChangeOf([...activity].map(([address, a]) => ({ address, ...a })));
        if (!moved) continue;
        const id = `${moved.from}>${moved.to}@${moved.since.getTime()}`;
        if (seen.has(id)) continue;
        seen.add(id);
        claims.push({ owner, contact: { addresses, domainChange: moved } as ContactSummary });
      }
    }
  }
  return { ...domainClaims(claims, mailboxes), people, naive: domainClaims(naive, mailboxes) };
}

export function reasonTable(title: string, figures: Record<ReconnectReasonCode, ReasonFigures>): string[] {
  const lines = [
    `\n== reasons: ${title} (each reason rekindle printed, checked against the raw mail) ==`,
    'reason           fired  checked   true  precision',
  ];
  for (const code of CODES) {
    const f = figures[code];
    lines.push(
      `${code.padEnd(16)} ${String(f.fired).padStart(6)}  ${String(f.checked).padStart(7)}  ${String(f.holds).padStart(5)}  ${f.precision === null ? 'n/a (never fired)' : `${(100 * f.precision).toFixed(1)} %`}`,
    );
    for (const example of f.falseExamples) lines.push(`   false: ${example}`);
  }
  return lines;
}
