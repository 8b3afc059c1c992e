// A burst of events is read in slices: the connection pauses its socket for a turn of the event loop once a slice is used up, so timers and other sockets run in between.

import { expect } from 'chai';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { EslConnection } from '../../src/esl/connection';
import { jsonEvent } from '../../src/simulator/wire';
import { captureLogger } from '../support/capture-logger';

const FRAMES = 20_000;

function burst(): Buffer {
  const frames: Buffer[] = [];
  for (let i = 0; i < FRAMES; i++) {
    frames.push(jsonEvent([['Event-Name', 'HEARTBEAT'], ['Event-Sequence', String(i + 1)], ['Up-Time', '0 years, 0 days']]));
  }
  return Buffer.concat(frames);
}

/** Connects to a server that has written the whole burst already; counts events per turn of the loop. */
async function eventsPerTurn(readSliceMs: number | undefined): Promise<{ perTurn: number[]; yields: number; frameBytes: number; sequences: number[] }> {
  const bytes = burst();
  let server: Server | undefined;
  const sent = new Promise<void>((resolve) => {
    server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write(bytes, () => resolve());
    });
  });
  server!.listen(0, '127.0.0.1');
  await once(server!, 'listening');
  const { port } = server!.address() as { port: number };
  const socket: Socket = connect({ host: '127.0.0.1', port });
  socket.pause(); // read nothing until the whole burst waits in the kernel's buffers
  await once(socket, 'connect');
  await sent;
  const conn = new EslConnection(socket, { logger: captureLogger().logger, ...(readSliceMs !== undefined ? { readSliceMs } : {}) });
  const perTurn: number[] = [];
  let count = 0;
  const sequences: number[] = [];
  const all = new Promise<void>((resolve) =>
    conn.events$.subscribe((event) => {
      count++;
      sequences.push(Number(event.headers['Event-Sequence']));
      if (sequences.length === FRAMES) resolve();
    }),
  );
  let turning = true;
  const turn = (): void => {
    perTurn.push(count);
    count = 0;
    if (turning) setImmediate(turn);
  };
  setImmediate(turn);
  socket.resume();
  await all;
  turning = false;
  perTurn.push(count);
  const yields = conn.yields;
  socket.destroy();
  server!.close();
  return { perTurn, yields, frameBytes: bytes.length / FRAMES, sequences };
}

describe('ESL connection: reading in slices', function () {
  this.timeout(30_000);

  it('with its slice used up after every chunk, one turn of the event loop takes about one chunk', async () => {
    const { perTurn, yields, frameBytes } = await eventsPerTurn(0);
    // One 64 KiB read, plus the one Node may already have buffered when reading paused.
    // Without slicing this machine took three and more reads in one turn (1,536 events).
    const perChunk = Math.ceil((64 * 1024) / frameBytes) + 1;
    expect(yields).to.be.greaterThan(0);
    expect(Math.max(...perTurn), `events per turn: ${perTurn.slice(0, 12).join(',')}…`).to.be.at.most(2 * perChunk);
  });

  it('every event arrives once and in order however the reading is sliced', async () => {
    const { perTurn, sequences } = await eventsPerTurn(undefined);
    expect(perTurn.reduce((a, b) => a + b, 0)).to.equal(FRAMES);
    expect(sequences).to.deep.equal(Array.from({ length: FRAMES }, (_, i) => i + 1));
  });
});
