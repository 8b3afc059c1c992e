// A socket that closes is expected (every call socket ends): what it rejects is still an EslDisconnectedError, without a stack; a second end() is nothing.

import { expect } from 'chai';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { EslConnection } from '../../src/esl/connection';
import * as cmd from '../../src/esl/commands';
import { EslDisconnectedError, withoutStack } from '../../src/esl/errors';
import { captureLogger } from '../support/capture-logger';

/** A connected pair: our EslConnection and the peer's socket (FreeSWITCH's side). */
async function pair(): Promise<{ conn: EslConnection; peer: Socket; server: Server; ours: Socket }> {
  let peer!: Socket;
  const server = createServer();
  const accepted = new Promise<void>((resolve) => {
    server.once('connection', (s: Socket) => {
      peer = s;
      s.on('error', () => undefined);
      resolve();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const ours = connect({ host: '127.0.0.1', port });
  await once(ours, 'connect');
  await accepted;
  return { conn: new EslConnection(ours, { logger: captureLogger().logger }), peer, server, ours };
}

/** The stack's call-site lines ("    at …"). */
const frames = (err: Error): string[] => (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));

describe('ESL connection: an expected close', () => {
  it('rejects what was in flight with EslDisconnectedError (name, message, no stack frames) and resolves closed with one', async () => {
    const { conn, peer, server } = await pair();
    const api = conn.api('status').catch((e: Error) => e);
    const command = conn.command(cmd.command('myevents')).catch((e: Error) => e);
    await once(peer, 'data');
    peer.end();
    const [a, c] = (await Promise.all([api, command])) as Error[];
    const closed = (await conn.closed)!;
    for (const err of [a!, c!, closed]) {
      expect(err).to.be.instanceOf(EslDisconnectedError);
      expect(err.name).to.equal('EslDisconnectedError');
      expect(frames(err), err.stack).to.deep.equal([]);
    }
    expect(a!.message).to.equal('"api status" lost: ESL connection closed');
    expect(closed.message).to.equal('ESL connection closed');
    server.close();
  });

  it('a socket error still reports its own reason', async () => {
    const { conn, server, ours } = await pair();
    ours.destroy(new Error('boom'));
    const closed = (await conn.closed)!;
    expect(closed).to.be.instanceOf(EslDisconnectedError);
    expect(closed.message).to.equal('ESL socket error: boom');
    server.close();
  });

  it('withoutStack restores the stack trace limit, also when making the error throws', () => {
    const limit = Error.stackTraceLimit;
    expect(frames(withoutStack(() => new EslDisconnectedError('x')))).to.deep.equal([]);
    expect(() =>
      withoutStack(() => {
        throw new Error('while making');
      }),
    ).to.throw('while making');
    expect(Error.stackTraceLimit).to.equal(limit);
    expect(frames(new Error('normal'))).to.not.deep.equal([]);
  });

  it('end() a second time (the linger notice after the call was handed back) does not end the socket again', async () => {
    const { conn, peer, server, ours } = await pair();
    let ends = 0;
    const end = ours.end.bind(ours);
    ours.end = ((...args: Parameters<Socket['end']>) => {
      ends++;
      return end(...args);
    }) as Socket['end'];
    conn.end();
    await once(peer, 'end');
    conn.end();
    conn.end();
    expect(ends).to.equal(1);
    peer.end();
    await conn.closed;
    server.close();
  });
});
