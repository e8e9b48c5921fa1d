/** Where an IMAP account's server is; the app password itself is `refresh_token` (encrypted). */
export interface ImapServerSettings {
  host: string;
  port: number;
  /**
   * `tls`: TLS from the first byte (993); `starttls`: plain, then upgraded before login (143);
   * `none`: no TLS at all, accepted for a server on this machine only (a local bridge, tests).
   */
  security: 'tls' | 'starttls' | 'none';
  /** The login name (usually the address). */
  user: string;
  /** The user's explicit opt-in to a certificate no public authority vouches for (their own server). */
  allowUntrustedCertificate: boolean;
}
