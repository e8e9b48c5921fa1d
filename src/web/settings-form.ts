/** The settings form (POST /settings) read and checked: each field in range, or named as a problem. */
import type { DigestSettings } from '../accounts/digest-settings.ts';
import { isKnownTimezone } from '../digest/digest-week.ts';

export function readSettingsForm(form: Record<string, string>): { ok: true; settings: DigestSettings } | { ok: false; problems: string[] } {
  const day = Number(form.day);
  const hour = Number(form.hour);
  const budget = Number(form.budget);
  const timezone = String(form.timezone ?? '').trim();
  const problems = [
    Number.isInteger(day) && day >= 0 && day <= 6 ? null : 'day',
    Number.isInteger(hour) && hour >= 0 && hour <= 23 ? null : 'hour',
    Number.isInteger(budget) && budget >= 1 && budget <= 20 ? null : 'people per list (1 to 20)',
    isKnownTimezone(timezone) && timezone.length <= 64 ? null : 'timezone',
  ].filter((p): p is string => p !== null);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: { day, hour, timezone, budget } };
}
