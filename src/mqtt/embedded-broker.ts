// An in-process MQTT broker (aedes on a plain TCP server) for machines without one: only the daemon publishes, everyone else may only subscribe.

import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Aedes, AuthenticateError, Client, PublishPacket } from 'aedes';
import type { Logger } from '../logger';
import { MqttPacketSizeGuard } from './mqtt-packet-size-guard';

/** What the daemon's own publisher presents; generated per run unless given (tests restarting a broker keep theirs). */
export interface PublisherCredentials {
  readonly username: string;
  readonly password: string;
}

export interface EmbeddedBrokerLimits {
  /** Largest MQTT packet accepted from any client, fixed header included (default 256 KiB; a call state is a few KiB). */
  readonly maxPacketBytes: number;
  /** Retained topics kept at most (default 20,000: one per live call plus status). */
  readonly maxRetainedMessages: number;
  /** Retained payload bytes kept at most (default 32 MiB). */
  readonly maxRetainedBytes: number;
  /** Concurrent TCP connections (default 200). */
  readonly maxConnections: number;
}

export const DEFAULT_BROKER_LIMITS: EmbeddedBrokerLimits = {
  maxPacketBytes: 256 * 1024,
  maxRetainedMessages: 20_000,
  maxRetainedBytes: 32 * 1024 * 1024,
  maxConnections: 200,
};

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks a free port (tests); the daemon's default is 1884. */
  port: number;
  credentials?: PublisherCredentials;
  /** Client ids only the publisher's credentials may use (the daemon's own, e.g. callwarden-<node>). */
  reservedClientIds?: readonly string[];
  limits?: Partial<EmbeddedBrokerLimits>;
  logger?: Logger;
}

export interface EmbeddedBroker {
  host: string;
  port: number;
  /** mqtt://host:port, without credentials: what subscribers use (they may only subscribe). */
  url: string;
  /** The credentials the daemon's publisher must present; never logged. */
  publisher: PublisherCredentials;
  /** url with the publisher's credentials in it (for the daemon's own publisher only). */
  publisherUrl: string;
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

const digest = (value: Buffer | string): Buffer => createHash('sha256').update(value).digest();

/** MQTT CONNACK return codes (3.1.1 §3.2.2.3). */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function connectRefusal(message: string, returnCode: 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}

/**
 * The socket as aedes sees it, with every byte first shown to the packet-size guard: a client
 * announcing a packet larger than the limit is cut before its body is buffered.
 */
class GuardedSocket extends Duplex {
  constructor(
    private readonly socket: Socket,
    guard: MqttPacketSizeGuard,
    onTooLarge: () => void,
  ) {
    super({ allowHalfOpen: false });
    socket.on('data', (chunk: Buffer) => {
      if (!guard.feed(chunk)) {
        onTooLarge();
        socket.destroy();
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.destroyed) return callback();
    this.socket.write(chunk, (err) => callback(err ?? null));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const limits: EmbeddedBrokerLimits = { ...DEFAULT_BROKER_LIMITS, ...options.limits };
  const log = options.logger?.child({ module: 'mqtt-broker' });
  const credentials: PublisherCredentials = options.credentials ?? {
    username: 'callwarden-daemon',
    password: randomBytes(24).toString('base64url'),
  };
  const expectedUser = digest(credentials.username);
  const expectedPassword = digest(credentials.password);
  const reserved = new Set(options.reservedClientIds ?? []);
  /** Clients that presented the publisher's credentials. */
  const publishers = new WeakSet<Client>();
  /** Retained topic → payload bytes, to hold the limits (aedes' memory store has none). */
  const retained = new Map<string, number>();
  let retainedBytes = 0;
  let refusalsLogged = 0;
  const refusal = (line: string) => {
    // A hostile client could fill the log: the first few are enough to see what happens.
    if (refusalsLogged++ < 20) log?.warn(line);
  };

  const AedesClass = await loadAedes();
  const broker = await AedesClass.createBroker({
    authenticate: (client, username, password, done) => {
      const presented = username !== undefined || password !== undefined;
      const ok =
        presented &&
        timingSafeEqual(digest(username ?? ''), expectedUser) &&
        timingSafeEqual(digest(password ?? Buffer.alloc(0)), expectedPassword);
      if (presented && !ok) {
        refusal(`embedded MQTT broker: wrong credentials from client "${client.id}"`);
        return done(connectRefusal('bad user name or password', BAD_USERNAME_OR_PASSWORD), false);
      }
      if (!ok && reserved.has(client.id)) {
        // Without this, any local process could connect as callwarden-<node> and take over
        // (disconnect) the daemon's own session (MQTT 3.1.1 §3.1.4: the older client is dropped).
        refusal(`embedded MQTT broker: client id "${client.id}" is the daemon's; refused without its credentials`);
        return done(connectRefusal('client id reserved', NOT_AUTHORIZED), false);
      }
      if (ok) publishers.add(client);
      return done(null, true);
    },
    authorizePublish: (client, packet, done) => {
      // client is null for the broker's own $SYS messages and for wills published on its behalf.
      if (client !== null && !publishers.has(client)) {
        refusal(`embedded MQTT broker: client "${client.id}" may only subscribe (tried to publish to ${packet.topic.slice(0, 120)})`);
        return done(new Error('publishing is reserved to the daemon'));
      }
      if (packet.retain) keepRetainedWithinLimits(packet);
      done(null);
    },
  });

  /**
   * A retained message beyond the limits is still delivered to current subscribers, just not
   * kept (refusing it would disconnect the daemon, which MQTT 3.1.1 requires for a refused publish).
   */
  function keepRetainedWithinLimits(packet: PublishPacket): void {
    const size = packet.payload.length;
    const before = retained.get(packet.topic) ?? 0;
    if (size === 0) {
      retained.delete(packet.topic);
      retainedBytes -= before;
      return;
    }
    const count = retained.size + (retained.has(packet.topic) ? 0 : 1);
    const bytes = retainedBytes - before + size;
    if (count > limits.maxRetainedMessages || bytes > limits.maxRetainedBytes) {
      refusal(`embedded MQTT broker: retained limit reached (${retained.size} topics, ${retainedBytes} bytes): ${packet.topic.slice(0, 120)} delivered but not retained`);
      packet.retain = false;
      return;
    }
    retained.set(packet.topic, size);
    retainedBytes = bytes;
  }

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const guarded = new GuardedSocket(socket, new MqttPacketSizeGuard(limits.maxPacketBytes), () =>
      refusal(`embedded MQTT broker: packet larger than ${limits.maxPacketBytes} bytes from ${socket.remoteAddress}; connection closed`),
    );
    broker.handle(guarded);
  });
  server.maxConnections = limits.maxConnections;
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
    publisher: credentials,
    publisherUrl: `mqtt://${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@${host}:${port}`,
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
