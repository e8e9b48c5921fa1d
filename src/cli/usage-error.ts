/** A mistake in how a command was called; printed with the usage line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `YYYY-MM-DD` → the end of that day in UTC, so everything dated that day counts. */
export function parseAsOf(value: string | undefined, flag = '--as-of'): Date {
  if (value === undefined) return new Date();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59, 999)) : null;
  if (!date || Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(match![3])) {
    throw new UsageError(`${flag} expects a date like 2001-12-31, got "${value}"`);
  }
  return date;
}

export function requireOption(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}
