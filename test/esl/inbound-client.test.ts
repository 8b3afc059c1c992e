// The inbound client against the simulator and against misbehaving peers: auth, FIFO, bgapi, reconnect, bad bytes.

import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { firstValueFrom, filter } from 'rxjs';
import { InboundClient } from '../../src/esl/inbound-client';
import { EslCommandError, EslDisconnectedError, EslTimeoutError } from '../../src/esl/errors';
import { Simulator } from '../../src/simulator/simulator';
import { captureLogger } from '../support/capture-logger';

const EVENTS = ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_DESTROY', 'BACKGROUND_JOB'];

function client(port: number, extra: Partial<ConstructorParameters<typeof InboundClient>[0]> = {}) {
  const log = captureLogger();
  const c = new InboundClient({
    host: '127.0.0.1',
    port,
    password: 'ClueCon',
    events: EVENTS,
    commandTimeoutMs: 2000,
    backoff: { initialMs: 10, maxMs: 50 },
    logger: log.logger,
    ...extra,
  });
  return { c, log };
}

/** A TCP peer that runs `script` on each connection (for behaviour no real FreeSWITCH shows on demand). */
async function rawPeer(script: (socket: Socket, n: number) => void): Promise<{ server: Server; port: number; count: () => number }> {
  let n = 0;
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    script(socket, ++n);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, count: () => n };
}

describe('InboundClient', () => {
  let sim: Simulator;
  let port: number;

  beforeEach(async () => {
    sim = new Simulator();
    port = await sim.listen(0);
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('authenticates, subscribes to exactly the events it was given, and answers api', async () => {
    const { c } = client(port);
    c.start();
    await c.ready();
    const subscribe = sim.received.find((r) => r.line.startsWith('event '));
    expect(subscribe?.line).to.equal(`event json ${EVENTS.join(' ')}`);
    expect(await c.api('status')).to.match(/^UP /);
    await c.stop();
  });

  it('matches 200 concurrent api replies to their commands in order (FIFO)', async () => {
    const { c } = client(port);
    c.start();
    await c.ready();
    const call = sim.placeCall({ from: '1000', to: '5001' });
    await sim.until(() => call.caller.ch.alive);
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.api(`uuid_setvar ${call.uuid} fifo_${i} value-${i}`)));
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 3 === 0 ? c.api('show channels as json').then((b) => `rows:${JSON.parse(b).row_count}`) : c.api(`uuid_getvar ${call.uuid} fifo_${i % 20}`),
      ),
    );
    replies.forEach((reply, i) => expect(reply, `reply ${i}`).to.equal(i % 3 === 0 ? 'rows:1' : `value-${i % 20}`));
    await c.stop();
  });

  it('turns -ERR api bodies into EslCommandError and keeps going', async () => {
    const { c } = client(port);
    c.start();
    await c.ready();
    const err = await c.api('uuid_getvar 00000000-0000-0000-0000-000000000000 foo').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EslCommandError);
    expect((err as Error).message).to.contain('-ERR No such channel!');
    expect(await c.api('status')).to.match(/^UP /);
    await c.stop();
  });

  it('correlates bgapi results by the Job-UUID it chose', async () => {
    const { c } = client(port);
    c.start();
    await c.ready();
    const [status, version] = await Promise.all([c.bgapi('status'), c.bgapi('version')]);
    expect(status).to.match(/^UP /);
    expect(version).to.match(/^FreeSWITCH Version/);
    const sent = sim.received.filter((r) => r.line.startsWith('bgapi'));
    expect(sent).to.have.length(2);
    await c.stop();
  });

  it('logs a wrong password once, in words, and keeps retrying without crashing', async () => {
    const { c, log } = client(port, { password: 'wrong-password' });
    c.start();
    await sim.until(() => sim.received.filter((r) => r.line.startsWith('auth')).length >= 3, 'three auth attempts');
    await c.stop();
    const lines = log.entries.filter((l) => /refused the ESL password/.test(l.message));
    expect(lines).to.have.length(1);
    expect(lines[0].message).to.contain('check CALLWARDEN_ESL_PASSWORD');
    expect(log.text()).not.to.contain('wrong-password');
  });

  it('says plainly when FreeSWITCH is unreachable, once, and connects when it appears', async () => {
    const free = await rawPeer((s) => s.destroy());
    const freePort = free.port;
    await new Promise<void>((resolve) => free.server.close(() => resolve()));
    const { c, log } = client(freePort);
    c.start();
    await firstValueFrom(c.state$.pipe(filter((s) => s === 'disconnected')));
    await firstValueFrom(c.state$.pipe(filter((s) => s === 'connecting')));
    await firstValueFrom(c.state$.pipe(filter((s) => s === 'disconnected')));
    const late = new Simulator();
    await late.listen(freePort);
    await c.ready();
    await c.stop();
    await late.stop();
    const unreachable = log.entries.filter((l) => /cannot reach FreeSWITCH at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/.test(l.message));
    expect(unreachable).to.have.length(1);
  });

  it('reconnects after FreeSWITCH restarts, rejecting what was in flight, and signals a rebuild', async () => {
    const { c } = client(port);
    c.start();
    const first = await c.ready();
    const reconnected = firstValueFrom(c.connected$);
    // A bgapi whose result cannot come before the restart: it must be rejected, not hang.
    const pending = c.bgapi('status', 60_000).catch((e: unknown) => e);
    const inFlight = first.execute('00000000-0000-0000-0000-000000000001', 'answer').catch((e: unknown) => e);
    await sim.restart();
    const again = await reconnected;
    expect(again).not.to.equal(first);
    const [a, b] = await Promise.all([pending, inFlight]);
    // Either FreeSWITCH answered before it went down or the client rejected it as lost: never a hang.
    if (a instanceof Error) expect(a).to.be.instanceOf(EslDisconnectedError);
    expect(b).to.be.instanceOf(Error);
    expect(await c.api('status')).to.match(/^UP /);
    await c.stop();
  });

  it('rejects a command whose reply never comes with EslTimeoutError, and a late reply goes to it, not the next', async () => {
    let release: (() => void) | undefined;
    const peer = await rawPeer((socket) => {
      socket.write('Content-Type: auth/request\n\n');
      let n = 0;
      socket.on('data', (d) => {
        for (const cmd of d.toString().split('\n\n').filter(Boolean)) {
          n++;
          if (cmd.startsWith('auth') || cmd.startsWith('event')) socket.write('Content-Type: command/reply\nReply-Text: +OK\n\n');
          else if (cmd === 'api slow') release = () => socket.write('Content-Type: api/response\nContent-Length: 4\n\nslow');
          else socket.write(`Content-Type: api/response\nContent-Length: ${cmd.length}\n\n${cmd}`);
        }
      });
      void n;
    });
    const { c } = client(peer.port, { commandTimeoutMs: 100 });
    c.start();
    await c.ready();
    const slow = await c.api('slow').catch((e: unknown) => e);
    expect(slow).to.be.instanceOf(EslTimeoutError);
    const next = c.api('fast');
    release!();
    expect(await next).to.equal('api fast');
    await c.stop();
    peer.server.close();
  });

  it('rejects every command in flight (api, bgapi, execute) with EslDisconnectedError when the socket drops', async () => {
    let drop: (() => void) | undefined;
    let got = '';
    let allArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (allArrived = resolve));
    const peer = await rawPeer((socket, n) => {
      socket.write('Content-Type: auth/request\n\n');
      socket.on('data', (d) => {
        const text = d.toString();
        got += text;
        if (n === 1 && /api status/.test(got) && /bgapi status/.test(got) && /sendmsg/.test(got)) allArrived();
        if (text.startsWith('auth') || text.startsWith('event')) socket.write('Content-Type: command/reply\nReply-Text: +OK\n\n');
        else if (text.startsWith('bgapi')) socket.write('Content-Type: command/reply\nReply-Text: +OK Job-UUID\n\n');
        else if (text.startsWith('sendmsg')) socket.write('Content-Type: command/reply\nReply-Text: +OK\n\n');
        else if (n > 1) socket.write('Content-Type: api/response\nContent-Length: 2\n\nok');
        // on the first connection, api gets no reply at all
      });
      if (n === 1) drop = () => socket.destroy();
    });
    const { c } = client(peer.port, { commandTimeoutMs: 60_000 });
    c.start();
    await c.ready();
    const reconnected = firstValueFrom(c.connected$);
    const api = c.api('status').catch((e: unknown) => e);
    const bg = c.bgapi('status', 60_000).catch((e: unknown) => e);
    const exec = c.execute('0d2d4bb5-3ac1-4db2-b8c8-e9eb87d35116', 'playback', 'silence_stream://1000').catch((e: unknown) => e);
    await arrived;
    drop!();
    for (const result of await Promise.all([api, bg, exec])) expect(result).to.be.instanceOf(EslDisconnectedError);
    await reconnected;
    expect(await c.api('status')).to.equal('ok');
    await c.stop();
    peer.server.close();
  });

  it('times out a bgapi whose BACKGROUND_JOB never comes', async () => {
    const peer = await rawPeer((socket) => {
      socket.write('Content-Type: auth/request\n\n');
      socket.on('data', () => socket.write('Content-Type: command/reply\nReply-Text: +OK\n\n'));
    });
    const { c } = client(peer.port);
    c.start();
    await c.ready();
    const err = await c.bgapi('status', 50).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EslTimeoutError);
    expect((err as Error).message).to.contain('bgapi status');
    await c.stop();
    peer.server.close();
  });

  it('drops and rebuilds a connection whose peer stopped answering (keepalive probe)', async () => {
    const peer = await rawPeer((socket, n) => {
      socket.write('Content-Type: auth/request\n\n');
      socket.on('data', (d) => {
        const text = d.toString();
        if (text.startsWith('auth') || text.startsWith('event')) socket.write('Content-Type: command/reply\nReply-Text: +OK\n\n');
        else if (n > 1) socket.write('Content-Type: api/response\nContent-Length: 2\n\nok');
        // the first connection goes silent after the handshake, like a half-open TCP link
      });
    });
    const { c, log } = client(peer.port, { keepaliveMs: 30, commandTimeoutMs: 50 });
    const second = firstValueFrom(c.connected$.pipe(filter(() => peer.count() === 2)));
    c.start();
    await second;
    expect(log.entries.map((l) => l.message).join('\n')).to.match(/stopped answering .*; reconnecting/);
    expect(await c.api('status')).to.equal('ok');
    await c.stop();
    peer.server.close();
  });

  it('keeps a connection whose probe reply is late behind a stream of events (a burst)', async () => {
    let events: NodeJS.Timeout | undefined;
    const peer = await rawPeer((socket) => {
      socket.write('Content-Type: auth/request\n\n');
      socket.on('data', (d) => {
        const text = d.toString();
        if (text.startsWith('auth') || text.startsWith('event')) socket.write('Content-Type: command/reply\nReply-Text: +OK\n\n');
        else if (text.startsWith('api')) {
          // The reply comes after the probe's timeout, events flowing all the while.
          setTimeout(() => socket.write('Content-Type: api/response\nContent-Length: 2\n\nok'), 150);
        }
      });
      const heartbeat = 'Event-Name: HEARTBEAT\n\n';
      events = setInterval(() => socket.write(`Content-Type: text/event-plain\nContent-Length: ${heartbeat.length}\n\n${heartbeat}`), 5);
    });
    const { c, log } = client(peer.port, { keepaliveMs: 60, commandTimeoutMs: 50 });
    c.start();
    await c.ready();
    // Several probes time out while the events flow.
    await firstValueFrom(c.events$.pipe(filter((_, i) => i >= 80)));
    clearInterval(events);
    expect(peer.count()).to.equal(1);
    expect(log.entries.map((l) => l.message).join('\n')).to.not.match(/stopped answering|lost the connection/);
    await c.stop();
    peer.server.close();
  });

  const plain = (inner: string) => `Content-Type: text/event-plain\nContent-Length: ${Buffer.byteLength(inner)}\n\n${inner}`;
  const json = (body: string) => `Content-Type: text/event-json\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
  // desync: the stream can't be trusted, so the client drops it, reconnects and carries on.
  // skip: one frame is unusable, the connection stays.
  const badStreams: Array<[string, string, 'desync' | 'skip']> = [
    ['garbage with blank lines', 'GET / HTTP/1.1\nHost: x\n\n', 'desync'],
    ['a bad Content-Length', 'Content-Type: api/response\nContent-Length: -3\n\n', 'desync'],
    ['a stray % in a header value', plain('Event-Name: CUSTOM\nCaller-Name: 100%\n\n'), 'skip'],
    ['event-json that is not JSON', json('{nope'), 'skip'],
    ['an event without Event-Name', json('{}'), 'skip'],
  ];
  for (const [what, bytes, outcome] of badStreams) {
    it(`survives ${what}: ${outcome === 'desync' ? 'logs it, reconnects' : 'logs or keeps it, stays connected'}, no crash`, async () => {
      const peer = await rawPeer((socket, n) => {
        socket.write('Content-Type: auth/request\n\n');
        socket.on('data', (d) => {
          const text = d.toString();
          if (text.startsWith('auth') || text.startsWith('event')) {
            socket.write('Content-Type: command/reply\nReply-Text: +OK accepted\n\n');
            // The bad bytes come right after the subscription, followed by a good event.
            if (text.startsWith('event') && n === 1) socket.write(bytes + plain('Event-Name: HEARTBEAT\n\n'));
          } else if (text.startsWith('api')) socket.write('Content-Type: api/response\nContent-Length: 2\n\nok');
        });
      });
      const { c, log } = client(peer.port);
      const seen: string[] = [];
      c.events$.subscribe((e) => seen.push(`${e.name}:${e.headers['Caller-Name'] ?? ''}`));
      if (outcome === 'desync') {
        const second = firstValueFrom(c.connected$.pipe(filter(() => peer.count() === 2)));
        c.start();
        await second;
        expect(log.entries.filter((l) => l.level === 'error').map((l) => l.message).join()).to.match(/not valid ESL/);
        expect(seen).to.deep.equal([]);
      } else {
        c.start();
        await firstValueFrom(c.events$.pipe(filter((e) => e.name === 'HEARTBEAT')));
        expect(peer.count()).to.equal(1);
        if (what.includes('%')) expect(seen[0]).to.equal('CUSTOM:100%');
        else expect(log.entries.filter((l) => l.level === 'error')).to.have.length(1);
      }
      expect(await c.api('status')).to.equal('ok');
      await c.stop();
      peer.server.close();
    });
  }
});
