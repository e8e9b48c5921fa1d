/**
 * A TCP proxy on loopback between a client and a real server, for wire faults: it can slow
 * down what the server sends (so a crash lands mid-sync) and cut every connection at once (a
 * NAT timeout, a flaky link).
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Ends every open connection abruptly, on both sides. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, options: { delayMs?: number } = {}): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    if (!options.delayMs) upstream.pipe(client);
    else {
      // Every chunk from the server waits, in order: a slow link, not a reordering one.
      let chain = Promise.resolve();
      upstream.on('data', (chunk: Buffer) => {
        chain = chain.then(
          () =>
            new Promise<void>((resolve) =>
              setTimeout(() => {
                if (!client.destroyed) client.write(chunk);
                resolve();
              }, options.delayMs),
            ),
        );
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return connections;
    },
    dropAll() {
      for (const socket of open) socket.destroy();
      open.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
