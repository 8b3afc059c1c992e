// An EslConnection's frames$ and notices$ (made when first asked for) and endOnDisconnectNotice.

import { expect } from 'chai';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { firstValueFrom, toArray } from 'rxjs';
import { EslConnection } from '../../src/esl/connection';
import { authRequest, disconnectNotice, jsonEvent } from '../../src/simulator/wire';
import { captureLogger } from '../support/capture-logger';

/** A connection to a peer that will write what it is given; the peer's side of the socket too. */
async function pair(options: { endOnDisconnectNotice?: boolean } = {}): Promise<{ conn: EslConnection; peer: Socket; server: Server }> {
  let accepted!: (s: Socket) => void;
  const peerSocket = new Promise<Socket>((resolve) => (accepted = resolve));
  const server = createServer((s) => accepted(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const peer = await peerSocket;
  peer.on('error', () => undefined);
  return { conn: new EslConnection(socket, { logger: captureLogger().logger, ...options }), peer, server };
}

describe('esl/connection streams', () => {
  it('frames$ and notices$ deliver what comes after they are asked for, then complete with the socket', async () => {
    const { conn, peer, server } = await pair();
    const frames = firstValueFrom(conn.frames$.pipe(toArray()));
    const notices = firstValueFrom(conn.notices$.pipe(toArray()));
    peer.write(authRequest());
    peer.write(disconnectNotice('Disconnected, goodbye.\n'));
    peer.end();
    expect((await frames).map((f) => f.headers['Content-Type'])).to.deep.equal(['auth/request']);
    expect((await notices).map((n) => n.body)).to.deep.equal(['Disconnected, goodbye.\n']);
    await conn.closed;
    server.close();
  });

  it('asked for after the socket closed, they complete at once', async () => {
    const { conn, peer, server } = await pair();
    peer.end();
    await conn.closed;
    expect(await firstValueFrom(conn.frames$.pipe(toArray()))).to.deep.equal([]);
    expect(await firstValueFrom(conn.notices$.pipe(toArray()))).to.deep.equal([]);
    expect(await firstValueFrom(conn.events$.pipe(toArray()))).to.deep.equal([]);
    server.close();
  });

  it('endOnDisconnectNotice: the socket is ended at the notice, before notices$ hears it; without it, not', async () => {
    for (const endOnDisconnectNotice of [true, false]) {
      const { conn, peer, server } = await pair({ endOnDisconnectNotice });
      const endedWhenHeard = firstValueFrom(conn.notices$).then(() => conn.socket.writableEnded);
      peer.write(disconnectNotice('Disconnected, goodbye.\n'));
      expect(await endedWhenHeard, `endOnDisconnectNotice ${endOnDisconnectNotice}`).to.equal(endOnDisconnectNotice);
      if (endOnDisconnectNotice) await conn.closed;
      else conn.destroy();
      server.close();
    }
  });

  it('eventSink has every event before events$ subscribers, and is dropped when the socket closes', async () => {
    const { conn, peer, server } = await pair();
    const order: string[] = [];
    conn.eventSink = (e) => order.push(`sink ${e.headers['Event-Sequence']}`);
    const all = firstValueFrom(conn.events$.pipe(toArray()));
    conn.events$.subscribe((e) => order.push(`events$ ${e.headers['Event-Sequence']}`));
    peer.write(Buffer.concat([1, 2].map((n) => jsonEvent([['Event-Name', 'HEARTBEAT'], ['Event-Sequence', String(n)]]))));
    peer.end();
    expect((await all).length).to.equal(2);
    expect(order).to.deep.equal(['sink 1', 'events$ 1', 'sink 2', 'events$ 2']);
    await conn.closed;
    expect(conn.eventSink).to.equal(undefined);
    server.close();
  });
});
