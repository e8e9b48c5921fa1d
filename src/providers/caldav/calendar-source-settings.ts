/**
 * Where an IMAP account's meetings come from (IMAP itself has no calendar): a CalDAV server,
 * an `.ics` subscription, both, or neither. Stored in `accounts.calendar_sources`; nothing
 * secret is in here. The secrets (a CalDAV app password of its own, the feed's address, which
 * is itself a password: anyone who has it can read the calendar) are `accounts.calendar_secret`,
 * encrypted like the IMAP app password.
 */
export interface CalendarSourceSettings {
  caldav: CaldavServerSettings | null;
  /** An `.ics` subscription; its URL is in the secret. */
  ics: IcsFeedSettings | null;
}

export interface CaldavServerSettings {
  /**
   * The server's address or the calendar home (`https://caldav.fastmail.com/`,
   * `https://caldav.icloud.com/`); rekindle finds the calendars from there (RFC 6764 well-known
   * URL, then current-user-principal and calendar-home-set).
   */
  url: string;
  /** The login name (usually the address). */
  user: string;
  /** False: the IMAP app password signs in to CalDAV too (Fastmail, iCloud). */
  ownPassword: boolean;
  /** The user's explicit opt-in to a certificate no public authority vouches for (their own server). */
  allowUntrustedCertificate: boolean;
}

export interface IcsFeedSettings {
  /** The feed's host, to show the person which subscription this is without its secret path. */
  host: string;
  allowUntrustedCertificate: boolean;
}

/** The secrets of CalendarSourceSettings, stored together as one ciphertext. */
export interface CalendarSecrets {
  /** Present when `caldav.ownPassword`. */
  caldavPassword?: string;
  /** The `.ics` feed's full URL. */
  icsUrl?: string;
}
