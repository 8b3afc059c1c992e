// The outbound server with the simulator dialing it: handshake, execute, linger close, resume.

import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { OutboundServer, type OutboundSession } from '../../src/esl/outbound-server';
import { Simulator } from '../../src/simulator/simulator';
import { captureLogger } from '../support/capture-logger';

describe('OutboundServer', () => {
  let sim: Simulator;
  let server: OutboundServer;

  beforeEach(async () => {
    server = new OutboundServer({ host: '127.0.0.1', port: 0, logger: captureLogger().logger });
    const port = await server.listen();
    sim = new Simulator({ outbound: { host: '127.0.0.1', port } });
    await sim.listen(0);
  });
  afterEach(async () => {
    await server.close();
    await sim.stop();
  });

  it('sends connect, myevents, linger (in that order) and hands over the channel data', async () => {
    const next = firstValueFrom(server.sessions$);
    const call = sim.placeCall({ from: '+49301234567', to: '5002', name: 'Jürgen Müller' });
    const session = await next;
    expect(session.uuid).to.equal(call.uuid);
    const whole = session.takeConnectEvent()!;
    expect(whole.name).to.equal('CHANNEL_DATA');
    expect(whole.headers['Caller-Caller-ID-Number']).to.equal('+49301234567');
    expect(whole.headers['Caller-Caller-ID-Name']).to.equal('Jürgen Müller');
    expect(whole.headers['variable_socket_resume']).to.equal('true');
    expect(session.takeConnectEvent(), 'the whole reply is handed over once').to.equal(undefined);
    // What the session keeps for the call's life: identity, who dialled what, callwarden_* variables.
    expect(session.channelData.name).to.equal('CHANNEL_DATA');
    expect(session.channelData.headers['Caller-Caller-ID-Number']).to.equal('+49301234567');
    expect(session.channelData.headers['Unique-ID']).to.equal(call.uuid);
    expect(session.channelData.headers['variable_callwarden_token']).to.equal(whole.headers['variable_callwarden_token']);
    expect(session.channelData.headers['Caller-Caller-ID-Name']).to.equal(undefined);
    expect(session.channelData.headers['variable_socket_resume']).to.equal(undefined);
    expect(Object.keys(session.channelData.headers).length).to.be.below(Object.keys(whole.headers).length / 5);
    const sent = sim.received.filter((r) => r.mode === 'outbound').map((r) => r.line);
    expect(sent).to.deep.equal(['connect', 'myevents', 'linger']);
    session.close();
  });

  it('runs applications and resolves each on its own CHANNEL_EXECUTE_COMPLETE', async () => {
    const next = firstValueFrom(server.sessions$);
    sim.placeCall({ from: '1000', to: '5002' });
    const session = await next;
    const answered = await session.execute('answer');
    expect(answered.name).to.equal('CHANNEL_EXECUTE_COMPLETE');
    expect(answered.headers['Application']).to.equal('answer');
    const played = session.execute('playback', 'silence_stream://1000');
    await sim.advance(1500);
    expect((await played).headers['Application']).to.equal('playback');
    const sendmsg = sim.received.filter((r) => r.line.startsWith('sendmsg'));
    expect(sendmsg.map((r) => r.headers['execute-app-name'])).to.deep.equal(['answer', 'playback']);
    expect(new Set(sendmsg.map((r) => r.headers['Event-UUID'])).size).to.equal(2);
    session.close();
  });

  it('closes the socket after the linger notice, so FreeSWITCH can destroy the channel', async () => {
    const next = firstValueFrom(server.sessions$);
    const call = sim.placeCall({ from: '1000', to: '5002' });
    const session: OutboundSession = await next;
    await session.execute('answer');
    const since = sim.mark();
    sim.hangup(call);
    await session.connection.closed;
    const destroyed = await sim.waitFor((e) => e.name === 'CHANNEL_DESTROY' && e.uuid === call.uuid, since);
    expect(destroyed.name).to.equal('CHANNEL_DESTROY');
    await sim.until(() => sim.openConnections.outbound === 0, 'the outbound socket to close');
    expect(server.openSockets).to.equal(0);
  });

  it('lets the dialplan continue when the daemon hands the call back (socket_resume)', async () => {
    const next = firstValueFrom(server.sessions$);
    const call = sim.placeCall({ from: '1000', to: '5002' });
    const session = await next;
    const since = sim.mark();
    session.close();
    // After `socket` returns, the traces' dialplan plays a tone and hangs up.
    const playback = await sim.waitFor((e) => e.name === 'CHANNEL_EXECUTE' && e.uuid === call.uuid && e.headers.some(([k, v]) => k === 'Application' && v === 'playback'), since);
    expect(playback).to.exist;
  });
});
