/** The choices the web pages offer, as the digest's links and a reply's commands take them. */

/** Snoozes, keyed as a reply's durations are written. */
export const SNOOZES: Record<string, string> = { '2w': '2 weeks', '1m': 'a month', '3m': '3 months' };

/** Rhythms, as a reply's "every <duration>" takes them; `auto` goes back to the learned one. */
export const RHYTHMS: Record<string, string> = {
  '2w': 'every 2 weeks',
  '1m': 'every month',
  '2m': 'every 2 months',
  '3m': 'every 3 months',
  '6m': 'every 6 months',
  '1y': 'every year',
  auto: 'as learned from mail',
};

/** The option keyed `value` when it is one of `choices` (own keys only, not `constructor`), else null. */
export function chosen(choices: Record<string, string>, value: string | undefined): string | null {
  return Object.hasOwn(choices, value ?? '') ? value! : null;
}
