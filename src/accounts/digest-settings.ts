/** A user's weekly-list settings: the day, hour and timezone it goes out, and how many people it names. */
import type { Sql } from '../db/client.ts';

export interface DigestSettings {
  /** 0 (Sunday) to 6. */
  day: number;
  /** 0 to 23, in `timezone`. */
  hour: number;
  timezone: string;
  /** People per list, 1 to 20. */
  budget: number;
}

export async function saveDigestSettings(sql: Sql, userId: string, settings: DigestSettings): Promise<void> {
  const { day, hour, timezone, budget } = settings;
  await sql`update users set digest_day = ${day}, digest_hour = ${hour}, timezone = ${timezone}, digest_budget = ${budget} where id = ${userId}`;
}
