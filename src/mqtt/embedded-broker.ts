// An in-process MQTT broker (aedes on a plain TCP server) for machines without one.

import { createServer, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { Aedes } from 'aedes';

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks a free port (tests); the daemon's default is 1884. */
  port: number;
}

export interface EmbeddedBroker {
  host: string;
  port: number;
  /** mqtt://host:port, without credentials (the embedded broker has none). */
  url: string;
  close(): Promise<void>;
}

/**
 * aedes 1.x is an ES module and this project compiles to CommonJS, where TypeScript would turn
 * `import()` into `require()`. Going through Function keeps a real dynamic import (works on every
 * Node 20, with or without require(esm)), and aedes is loaded only when the embedded broker is used.
 */
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

async function loadAedes(): Promise<typeof Aedes> {
  const module = (await importEsm(pathToFileURL(require.resolve('aedes')).href)) as { Aedes: typeof Aedes };
  return module.Aedes;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const AedesClass = await loadAedes();
  const broker = await AedesClass.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | null = null;
  return {
    host: options.host,
    port,
    url: `mqtt://${host}:${port}`,
    close: () => {
      // Clients are cut like a crashed broker would cut them: no graceful goodbye exists in MQTT 3.1.1.
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await serverClosed;
      })();
      return closing;
    },
  };
}
