// A TCP forwarder the tests can switch off and on, to take a real MySQL server "down" without touching the server.

import { once } from 'node:events';
import { createConnection, createServer, Server, Socket } from 'node:net';

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    /** 0 picks a free port on the first up(); later up() calls reuse it. */
    public port = 0,
  ) {}

  /** Starts accepting and forwarding connections. */
  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Cuts every open connection and stops listening: clients see resets, then refusals. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) {
      server.close();
      await once(server, 'close');
    }
  }
}
