/**
 * Which addresses a server a person names may be on (src/security/network-guard.ts): the
 * special-purpose ranges, names resolved and every address checked, and a connection made with
 * the guarded lookup reaching nothing private (a real listening socket counts who came).
 */
import { createServer, connect, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imapClientOptions } from '../../src/providers/imap/imap-session.ts';
import { guardedLookup, isPublicAddress, resolveAllowedAddress } from '../../src/security/network-guard.ts';

describe('the network guard', () => {
  let trap: Server;
  let port = 0;
  let arrivals = 0;
  beforeAll(async () => {
    trap = createServer((socket) => {
      arrivals++;
      socket.end();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    port = (trap.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => trap.close(() => resolve())));

  it('refuses private, loopback, link-local, shared, documentation, multicast and reserved addresses, IPv4 and IPv6', () => {
    for (const address of [
      '0.0.0.0',
      '10.0.0.1',
      '100.64.0.1',
      '127.0.0.1',
      '127.255.255.254',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.0.0.8',
      '192.0.2.1',
      '192.168.1.1',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      '[::1]',
      'fe80::1',
      'fe80::1%eth0',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '2001:db8::1',
      '2002:7f00:1::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::10.0.0.1',
      'not an address',
    ])
      expect(isPublicAddress(address), address).toBe(false);
    for (const address of ['1.1.1.1', '8.8.8.8', '172.32.0.1', '100.128.0.1', '66.111.4.148', '2606:4700::1111', '::ffff:1.1.1.1'])
      expect(isPublicAddress(address), address).toBe(true);
  });

  it('resolves a name and checks every address it has; an address as host is checked as it is', async () => {
    await expect(resolveAllowedAddress('localhost', { allowPrivate: false })).rejects.toMatchObject({ code: 'ERR_PRIVATE_ADDRESS' });
    await expect(resolveAllowedAddress('127.0.0.1', { allowPrivate: false })).rejects.toMatchObject({ code: 'ERR_PRIVATE_ADDRESS' });
    await expect(resolveAllowedAddress('[::1]', { allowPrivate: false })).rejects.toMatchObject({ code: 'ERR_PRIVATE_ADDRESS' });
    expect(await resolveAllowedAddress('127.0.0.1', { allowPrivate: true })).toEqual({ address: '127.0.0.1', family: 4 });
    expect(await resolveAllowedAddress('1.1.1.1', { allowPrivate: false })).toEqual({ address: '1.1.1.1', family: 4 });
    const local = await resolveAllowedAddress('localhost', { allowPrivate: true });
    expect(['127.0.0.1', '::1']).toContain(local.address);
  });

  it('a socket connected through the guarded lookup never reaches a private address, and does when the operator allows it', async () => {
    const attempt = (allowPrivate: boolean) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host: 'localhost', port, family: 4, lookup: guardedLookup({ allowPrivate }) });
        socket.on('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
    expect(await attempt(false)).toBe('ERR_PRIVATE_ADDRESS');
    expect(arrivals).toBe(0);
    expect(await attempt(true)).toBe('connected');
    await expect.poll(() => arrivals).toBe(1);
  });

  it('an IMAP connection goes to the checked address, while TLS still checks the certificate against the name', () => {
    const credentials = {
      server: { host: 'imap.example.com', port: 993, security: 'tls' as const, user: 'sam', allowUntrustedCertificate: false },
      password: 'x',
    };
    const options = imapClientOptions(credentials, 10_000, '203.0.113.7');
    expect(options).toMatchObject({ host: '203.0.113.7', servername: 'imap.example.com', tls: { servername: 'imap.example.com' } });
    // An address typed as the host is no TLS server name.
    const literal = imapClientOptions({ ...credentials, server: { ...credentials.server, host: '203.0.113.7' } });
    expect(literal).not.toHaveProperty('servername');
    expect(literal?.tls).not.toHaveProperty('servername');
  });
});
