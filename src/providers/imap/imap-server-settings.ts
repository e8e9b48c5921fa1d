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

/**
 * Who an IMAP account is: the login a server accepted the app password for, on that server
 * (`host:port/login`). The address the person typed is only a label: any server accepts any
 * address one types, so two people may well connect mailboxes they both call alice@example.com,
 * and neither reaches the other by it. Stored as `accounts.subject`, unique among IMAP accounts.
 */
export function imapIdentity(server: Pick<ImapServerSettings, 'host' | 'port' | 'user'>): string {
  const host = server.host.trim().toLowerCase().replace(/\.$/, '');
  return `${host}:${server.port}/${server.user.trim()}`;
}
