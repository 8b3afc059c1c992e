// Call sockets share one read budget: a burst of hangups (every socket's last events, its notice and its close in the same turn) is handled in slices of the event loop, each socket's bytes still whole and in order.

import { expect } from 'chai';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { EslConnection } from '../../src/esl/connection';
import { jsonEvent, lingerNotice } from '../../src/simulator/wire';
import { TurnBudget } from '../../src/turn-budget';
import { captureLogger } from '../support/capture-logger';

const SOCKETS = 300;
const EVENTS = 6;

interface Outcome {
  /** Sockets closed in each turn of the event loop. */
  readonly closesPerTurn: number[];
  /** Per socket, the Event-Sequence values it delivered, then 'notice'. */
  readonly seen: string[][];
  readonly yields: number;
}

/** SOCKETS connections whose peers each write their last events and a linger notice and close, all at once. */
async function burst(budget: TurnBudget | undefined): Promise<Outcome> {
  const server = createServer();
  const peers: Socket[] = [];
  server.on('connection', (s: Socket) => {
    s.on('error', () => undefined);
    peers.push(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const { logger } = captureLogger();
  const conns: EslConnection[] = [];
  const seen: string[][] = [];
  for (let i = 0; i < SOCKETS; i++) {
    const socket = connect({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    const conn = new EslConnection(socket, { logger, ...(budget ? { readBudget: budget } : { readSliceMs: 1 }) });
    const mine: string[] = [];
    seen.push(mine);
    conn.events$.subscribe((e) => mine.push(e.headers['Event-Sequence'] ?? '?'));
    conn.notices$.subscribe(() => mine.push('notice'));
    conns.push(conn);
  }
  while (peers.length < SOCKETS) await once(server, 'connection');

  let closes = 0;
  const closesPerTurn: number[] = [];
  let turning = true;
  const turn = (): void => {
    closesPerTurn.push(closes);
    closes = 0;
    if (turning) setImmediate(turn);
  };
  const allClosed = Promise.all(conns.map((c) => c.closed.then(() => closes++)));
  // Every peer's bytes and FIN reach the kernel before this process next polls its sockets.
  peers.forEach((peer, i) => {
    const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const frames = Array.from({ length: EVENTS }, (_, n) =>
      jsonEvent([['Event-Name', 'CHANNEL_HANGUP'], ['Unique-ID', uuid], ['Event-Sequence', String(n + 1)], ['Hangup-Cause', 'NORMAL_CLEARING'], ['variable_padding', 'x'.repeat(400)]]),
    );
    peer.end(Buffer.concat([...frames, lingerNotice(uuid, `sofia/internal/${i}`)]));
  });
  setImmediate(turn);
  await allClosed;
  turning = false;
  closesPerTurn.push(closes);
  server.close();
  return { closesPerTurn: closesPerTurn.filter((n) => n > 0), seen, yields: budget?.yields ?? 0 };
}

describe('ESL connections sharing a read budget', function () {
  this.timeout(60_000);

  it('without one, the whole burst is handled in a turn or two (the setting the shared budget is for)', async () => {
    const { closesPerTurn } = await burst(undefined);
    expect(Math.max(...closesPerTurn), `closes per turn: ${closesPerTurn.join(',')}`).to.be.at.least(SOCKETS / 3);
  });

  it('with one, the sockets take turns: a few per turn of the event loop, each whole and in order', async () => {
    // A slice used up by the first socket of each turn: however fast the machine, one socket a turn.
    const budget = new TurnBudget(0);
    const { closesPerTurn, seen, yields } = await burst(budget);
    expect(yields).to.be.greaterThan(0);
    expect(closesPerTurn.reduce((a, b) => a + b, 0)).to.equal(SOCKETS);
    expect(Math.max(...closesPerTurn), `closes per turn: ${closesPerTurn.join(',')}`).to.be.at.most(3);
    const whole = [...Array.from({ length: EVENTS }, (_, n) => String(n + 1)), 'notice'];
    for (const mine of seen) expect(mine).to.deep.equal(whole);
  });
});
