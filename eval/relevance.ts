/**
 * Is the list the right people? A proxy measured on real mail: at monthly as-of dates, a
 * *dormant tie* is a counterpart with a personal two-way exchange before the date and no
 * mail either way in the DORMANT_DAYS before it; it is *re-activated* when the owner writes
 * to them personally within REACTIVATION_DAYS after. Rekindle's list (the digest's own
 * selection over the contacts computed as of that date) and the baselines (baselines.ts) are
 * scored on the same dates. Ground truth comes from the raw messages alone (Exchange),
 * independently of rekindle's inference.
 */
import { BASELINES, type BaselineName, baselineList, hashSeed, mulberry32 } from './baselines.ts';

const DAY = 86_400_000;
export const DORMANT_DAYS = 30;
export const REACTIVATION_DAYS = 60;
/** A date is scored once the owner has this much history before it. */
export const HISTORY_DAYS = 90;
/** A message to more people than this is not a personal exchange. */
export const PERSONAL_MAX_RECIPIENTS = 5;
export const BUDGET = 5;
export const BOOTSTRAP_RESAMPLES = 1000;
export const BOOTSTRAP_SEED = 20261202;

/** One message between the owner and one counterpart, read off the raw headers. */
export interface Exchange {
  address: string;
  at: number;
  direction: 'out' | 'in';
  /** Addressed directly (To/Cc on both sides) with at most PERSONAL_MAX_RECIPIENTS people on it. */
  personal: boolean;
}

export interface DormantTie {
  address: string;
  silenceDays: number;
  /** Personal messages both ways before the date. */
  exchanged: number;
  reactivated: boolean;
}

export type Method = 'rekindle' | BaselineName;
export const METHODS: readonly Method[] = ['rekindle', ...BASELINES];

/** One owner on one date: how long each list was and how many of its people were re-activated. */
export interface Unit {
  owner: string;
  asOf: number;
  ties: number;
  events: number;
  length: Record<Method, number>;
  hits: Record<Method, number>;
  /** Each baseline cut to rekindle's length on this date (so abstaining cannot win). */
  equalHits: Record<BaselineName, number>;
  /** Rekindle entries that are no dormant tie in the raw mail (counted as misses). */
  rekindleNotDormant: number;
  /** Of those, the ones the owner wrote to personally within REACTIVATION_DAYS anyway. */
  rekindleNotDormantWritten: number;
}

/** Per counterpart, its exchanges sorted by time (one pass per date reads them). */
export function byCounterpart(exchanges: Iterable<Exchange>): Map<string, Exchange[]> {
  const map = new Map<string, Exchange[]>();
  for (const e of exchanges) {
    const list = map.get(e.address);
    if (list) list.push(e);
    else map.set(e.address, [e]);
  }
  for (const list of map.values()) list.sort((a, b) => a.at - b.at);
  return map;
}

export function dormantTies(counterparts: ReadonlyMap<string, Exchange[]>, asOf: number): DormantTie[] {
  const ties: DormantTie[] = [];
  for (const [address, list] of counterparts) {
    let out = 0;
    let inbound = 0;
    let last = -Infinity;
    let reactivated = false;
    for (const e of list) {
      if (e.at < asOf) {
        last = e.at;
        if (e.personal) e.direction === 'out' ? out++ : inbound++;
      } else if (e.at < asOf + REACTIVATION_DAYS * DAY) {
        if (e.personal && e.direction === 'out') reactivated = true;
      } else break;
    }
    if (out === 0 || inbound === 0 || asOf - last < DORMANT_DAYS * DAY) continue;
    ties.push({ address, silenceDays: (asOf - last) / DAY, exchanged: out + inbound, reactivated });
  }
  return ties;
}

/** First days of the months from HISTORY_DAYS after the first exchange to REACTIVATION_DAYS before the last. */
export function monthlyDates(first: number, last: number): number[] {
  const dates: number[] = [];
  const start = new Date(first + HISTORY_DAYS * DAY);
  let at = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
  while (at + REACTIVATION_DAYS * DAY <= last) {
    dates.push(at);
    const d = new Date(at);
    at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return dates;
}

/**
 * The units of one owner. `rekindleOn(asOf)` gives rekindle's list on that date, each entry
 * as the addresses of one person (a person rekindle merged counts once).
 */
export function scoreOwner(
  owner: string,
  exchanges: readonly Exchange[],
  rekindleOn: (asOf: number) => string[][],
  /**
   * Long-lost ties only: every list picks among ties silent at least this long, and rekindle's
   * entries that are not such a tie are dropped (not counted as misses). Zero: the benchmark.
   */
  minSilenceDays = 0,
): Unit[] {
  if (exchanges.length === 0) return [];
  const counterparts = byCounterpart(exchanges);
  let first = Infinity;
  let last = -Infinity;
  for (const e of exchanges) {
    if (e.at < first) first = e.at;
    if (e.at > last) last = e.at;
  }
  const units: Unit[] = [];
  for (const asOf of monthlyDates(first, last)) {
    const ties = dormantTies(counterparts, asOf).filter((t) => t.silenceDays >= minSilenceDays);
    if (ties.length === 0) continue;
    const tieOf = new Map(ties.map((t) => [t.address, t]));
    const all = rekindleOn(asOf);
    const rekindle = minSilenceDays === 0 ? all : all.filter((addresses) => addresses.some((a) => tieOf.has(a)));
    const length = {} as Record<Method, number>;
    const hits = {} as Record<Method, number>;
    const equalHits = {} as Record<BaselineName, number>;
    length.rekindle = rekindle.length;
    hits.rekindle = 0;
    let notDormant = 0;
    let notDormantWritten = 0;
    for (const addresses of rekindle) {
      const matched = addresses.map((a) => tieOf.get(a)).filter((t): t is DormantTie => t !== undefined);
      if (matched.length === 0) {
        notDormant++;
        const written = addresses.some((a) =>
          (counterparts.get(a) ?? []).some(
            (e) => e.personal && e.direction === 'out' && e.at >= asOf && e.at < asOf + REACTIVATION_DAYS * DAY,
          ),
        );
        if (written) notDormantWritten++;
      }
      if (matched.some((t) => t.reactivated)) hits.rekindle++;
    }
    for (const name of BASELINES) {
      const list = baselineList(name, ties, BUDGET, hashSeed(`${owner}|${asOf}`));
      length[name] = list.length;
      hits[name] = list.filter((t) => t.reactivated).length;
      equalHits[name] = list.slice(0, rekindle.length).filter((t) => t.reactivated).length;
    }
    units.push({
      owner,
      asOf,
      ties: ties.length,
      events: ties.filter((t) => t.reactivated).length,
      length,
      hits,
      equalHits,
      rekindleNotDormant: notDormant,
      rekindleNotDormantWritten: notDormantWritten,
    });
  }
  return units;
}

export interface MethodFigures {
  /** Hits over 5 slots per date: an empty slot is a miss. */
  precisionAt5: number;
  /** Hits over the people the list named. */
  precisionNamed: number;
  /** Hits over the re-activated dormant ties of the scored dates. */
  recall: number;
  named: number;
  hits: number;
}

export interface Interval {
  difference: number;
  low: number;
  high: number;
}

export interface RelevanceSummary {
  dates: number;
  owners: number;
  ties: number;
  events: number;
  methods: Record<Method, MethodFigures>;
  /** The baseline with the best precision@5 on all dates. */
  bestBaseline: BaselineName;
  ratioToBest: number | null;
  /** Rekindle minus the best baseline, precision@5, 95 % bootstrap interval over dates. */
  differenceAt5: Interval;
  /** At rekindle's list length per date: rekindle's precision of named entries vs each baseline's cut to that length. */
  equalLength: Record<BaselineName, { precision: number; difference: Interval }>;
  rekindleNotDormant: number;
  rekindleNotDormantWritten: number;
  halves: { first: HalfFigures; second: HalfFigures };
}

export interface HalfFigures {
  dates: number;
  events: number;
  rekindle: number;
  bestBaseline: number;
  ratio: number | null;
}

const sum = (units: readonly Unit[], f: (u: Unit) => number) => units.reduce((n, u) => n + f(u), 0);
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

function figures(units: readonly Unit[], method: Method): MethodFigures {
  const hits = sum(units, (u) => u.hits[method]);
  const named = sum(units, (u) => u.length[method]);
  return {
    precisionAt5: ratio(hits, BUDGET * units.length),
    precisionNamed: ratio(hits, named),
    recall: ratio(
      hits,
      sum(units, (u) => u.events),
    ),
    named,
    hits,
  };
}

/** Percentile interval of `statistic` over BOOTSTRAP_RESAMPLES resamples of the units (seeded). */
function bootstrap(units: readonly Unit[], statistic: (sample: readonly Unit[]) => number): Interval {
  const next = mulberry32(BOOTSTRAP_SEED);
  const values: number[] = [];
  const sample: Unit[] = new Array(units.length);
  for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) {
    for (let i = 0; i < units.length; i++) sample[i] = units[Math.floor(next() * units.length)]!;
    values.push(statistic(sample));
  }
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.floor(q * values.length)))] ?? 0;
  return { difference: statistic(units), low: at(0.025), high: at(0.975) };
}

export function summarize(units: readonly Unit[]): RelevanceSummary {
  const methods = Object.fromEntries(METHODS.map((m) => [m, figures(units, m)])) as Record<Method, MethodFigures>;
  const bestBaseline = [...BASELINES].sort((a, b) => methods[b].precisionAt5 - methods[a].precisionAt5)[0]!;
  const p5 = (sample: readonly Unit[], m: Method) =>
    ratio(
      sum(sample, (u) => u.hits[m]),
      BUDGET * sample.length,
    );
  const equalLength = Object.fromEntries(
    BASELINES.map((b) => {
      const named = (sample: readonly Unit[]) => sum(sample, (u) => u.length.rekindle);
      const diff = (sample: readonly Unit[]) =>
        ratio(
          sum(sample, (u) => u.hits.rekindle),
          named(sample),
        ) -
        ratio(
          sum(sample, (u) => u.equalHits[b]),
          named(sample),
        );
      return [
        b,
        {
          precision: ratio(
            sum(units, (u) => u.equalHits[b]),
            named(units),
          ),
          difference: bootstrap(units, diff),
        },
      ];
    }),
  ) as RelevanceSummary['equalLength'];
  const sorted = [...units].sort((a, b) => a.asOf - b.asOf || (a.owner < b.owner ? -1 : 1));
  const half = (part: Unit[]): HalfFigures => {
    const rekindle = p5(part, 'rekindle');
    const best = Math.max(...BASELINES.map((b) => p5(part, b)));
    return {
      dates: part.length,
      events: sum(part, (u) => u.events),
      rekindle,
      bestBaseline: best,
      ratio: best === 0 ? null : rekindle / best,
    };
  };
  const middle = Math.floor(sorted.length / 2);
  return {
    dates: units.length,
    owners: new Set(units.map((u) => u.owner)).size,
    ties: sum(units, (u) => u.ties),
    events: sum(units, (u) => u.events),
    methods,
    bestBaseline,
    ratioToBest: methods[bestBaseline].precisionAt5 === 0 ? null : methods.rekindle.precisionAt5 / methods[bestBaseline].precisionAt5,
    differenceAt5: bootstrap(units, (s) => p5(s, 'rekindle') - p5(s, bestBaseline)),
    equalLength,
    rekindleNotDormant: sum(units, (u) => u.rekindleNotDormant),
    rekindleNotDormantWritten: sum(units, (u) => u.rekindleNotDormantWritten),
    halves: { first: half(sorted.slice(0, middle)), second: half(sorted.slice(middle)) },
  };
}

/** The printed table. */
export function relevanceTable(title: string, s: RelevanceSummary): string[] {
  const pc = (x: number) => `${(100 * x).toFixed(1)} %`;
  const iv = (i: Interval) => `${(100 * i.difference).toFixed(1)} points [${(100 * i.low).toFixed(1)}, ${(100 * i.high).toFixed(1)}]`;
  const lines = [
    `\n== relevance: ${title} ==`,
    `${s.dates} owner-dates (${s.owners} owners), ${s.ties} dormant ties, ${s.events} re-activations (events)`,
    "method           named   hits  precision@5  precision of named  recall in list  equal length (rekindle's per date)",
  ];
  for (const m of METHODS) {
    const f = s.methods[m];
    const equal = m === 'rekindle' ? pc(f.precisionNamed) : pc(s.equalLength[m].precision);
    lines.push(
      `${m.padEnd(15)} ${String(f.named).padStart(6)} ${String(f.hits).padStart(6)}  ${pc(f.precisionAt5).padStart(11)}  ${pc(f.precisionNamed).padStart(18)}  ${pc(f.recall).padStart(14)}  ${equal.padStart(8)}`,
    );
  }
  lines.push(
    `best baseline: ${s.bestBaseline}; rekindle / best = ${s.ratioToBest === null ? 'n/a' : s.ratioToBest.toFixed(2)}× (target ≥ 1.5×)`,
    `rekindle − ${s.bestBaseline}, precision@5: ${iv(s.differenceAt5)} (95 % bootstrap over dates, ${BOOTSTRAP_RESAMPLES} resamples, seed ${BOOTSTRAP_SEED})`,
    `at equal length, rekindle − ${s.bestBaseline}: ${iv(s.equalLength[s.bestBaseline].difference)}`,
    `rekindle entries that are no dormant tie in the raw mail (misses): ${s.rekindleNotDormant}, of which written to within ${REACTIVATION_DAYS} days anyway: ${s.rekindleNotDormantWritten}`,
    `halves (by date): first ${s.halves.first.dates} dates, ${s.halves.first.events} events: rekindle ${pc(s.halves.first.rekindle)} vs best ${pc(s.halves.first.bestBaseline)}` +
      ` (${s.halves.first.ratio === null ? 'n/a' : `${s.halves.first.ratio.toFixed(2)}×`}); second ${s.halves.second.dates} dates, ${s.halves.second.events} events: ` +
      `rekindle ${pc(s.halves.second.rekindle)} vs best ${pc(s.halves.second.bestBaseline)} (${s.halves.second.ratio === null ? 'n/a' : `${s.halves.second.ratio.toFixed(2)}×`})`,
  );
  return lines;
}
