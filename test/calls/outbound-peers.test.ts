// Issue 8.2: a call socket is believed only from an allowed address, once the inbound connection confirms its channel, and a consent key only once the inbound stream saw it.

import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { CommandReader } from '../../src/simulator/command-reader';
import { commandReply, connectReply, plainEvent, apiResponse } from '../../src/simulator/wire';
import { Daemon } from '../../src/daemon';
import type { CallHandle } from '../../src/simulator/simulator';
import { captureLogger } from '../support/capture-logger';
import { agentPicksUp, driveUntil, hotline, startHarness, tmpOutbox, uuidRecords, type Harness } from './call-harness';

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };

/**
 * A local process that speaks the outbound handshake: it claims `uuid` with the hotline's
 * variables and a token of its own, runs every app it is asked to at once, and answers the
 * consent menu with a 1. Resolves when the daemon closes the connection.
 */
function fakeFreeSwitch(port: number, uuid: string): Promise<{ commands: string[] }> {
  return new Promise((resolve) => {
    const commands: string[] = [];
    const reader = new CommandReader();
    const socket: Socket = connect({ host: '127.0.0.1', port });
    const now = (): string => String(Date.now() * 1000);
    const channel: Array<[string, string]> = [
      ['Event-Name', 'CHANNEL_DATA'], ['Core-UUID', randomUUID()], ['Event-Date-Timestamp', now()], ['Event-Sequence', '1'],
      ['Unique-ID', uuid], ['Channel-Name', 'sofia/internal/+4930999@127.0.0.1'], ['Channel-State', 'CS_EXECUTE'], ['Answer-State', 'ringing'],
      ['Call-Direction', 'inbound'], ['Caller-Caller-ID-Number', '+4930999'], ['Caller-Destination-Number', '5000'],
      ['variable_callwarden_group', 'hotline'], ['variable_callwarden_target', 'user/1001'], ['variable_callwarden_token', randomUUID()],
    ];
    socket.on('data', (chunk: Buffer) => {
      for (const cmd of reader.push(chunk)) {
        commands.push(cmd.line);
        const verb = cmd.line.split(' ')[0];
        if (verb === 'connect') socket.write(connectReply(channel));
        else if (verb === 'api') socket.write(apiResponse('+OK\n'));
        else {
          socket.write(commandReply('+OK'));
          if (verb === 'sendmsg') {
            const app = cmd.headers['execute-app-name'] ?? '';
            socket.write(plainEvent([
              ['Event-Name', 'CHANNEL_EXECUTE_COMPLETE'], ['Unique-ID', uuid], ['Event-Date-Timestamp', now()], ['Application', app],
              ['Application-UUID', cmd.headers['Event-UUID'] ?? ''], ['Application-Response', '_none_'], ['variable_callwarden_consent_digit', '1'],
            ]));
          }
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ commands }));
  });
}

function refusals(h: Harness, uuid: string): string[] {
  return h.log.map((l) => l.message).filter((m) => m.includes('refused a call socket') && m.includes(uuid));
}

describe('calls: outbound peers are verified (issue 8.2)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('a raw TCP peer claiming a live call\'s UUID with digit 1: no uuid_record, no evidence, the call row not taken over, one log line with the peer', async () => {
    h = await startHarness({ recording: OPT_IN });
    const { sim, daemon } = h;
    // A live call the caller refused (9): its UUID and group are on MQTT for anyone to read.
    const call: CallHandle = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '9');
    await agentPicksUp(sim, call);
    const before = (await h.evidence(call.uuid)).length;

    const fake = await fakeFreeSwitch(daemon.outboundPort, call.uuid);
    // It got as far as the handshake, never to a prompt.
    expect(fake.commands).to.deep.equal(['connect', 'myevents', 'linger']);
    expect(refusals(h, call.uuid)).to.have.length(1);
    expect(refusals(h, call.uuid)[0], refusals(h, call.uuid)[0]).to.contain('from 127.0.0.1').and.contain('callwarden_token');
    await sim.advance(5000);
    expect(uuidRecords(sim)).to.deep.equal([]);
    expect((await h.evidence(call.uuid)).length).to.equal(before);

    // A UUID FreeSWITCH does not have: no call row at all.
    const invented = randomUUID();
    await fakeFreeSwitch(daemon.outboundPort, invented);
    expect(refusals(h, invented)).to.have.length(1);
    await daemon.store.queue.drained();
    expect(await daemon.store.repository.getCall(invented)).to.equal(undefined);
    expect(daemon.registry.get(invented)).to.equal(undefined);
    expect(await h.evidence(invented)).to.deep.equal([]);

    sim.hangup(call);
    await sim.advance(1000);
    await (await h.controllerOf(call.uuid)).done;
    expect(uuidRecords(sim)).to.deep.equal([]);
  });

  it('a peer outside outbound.allowedPeers is closed before a byte, logged once per address', async () => {
    h = await startHarness({ recording: OPT_IN });
    // A second daemon on the same FreeSWITCH whose allow-list does not hold loopback.
    const captured = captureLogger();
    const guarded = new Daemon({ ...h.config, store: { ...h.config.store, outboxDir: tmpOutbox() }, outbound: { ...h.config.outbound, allowedPeers: ['192.0.2.7'] } }, captured.logger, { resyncIntervalMs: 0 });
    await guarded.start();
    try {
      for (let i = 0; i < 3; i++) {
        const fake = await fakeFreeSwitch(guarded.outboundPort, randomUUID());
        expect(fake.commands).to.deep.equal([]);
      }
      const lines = captured.entries.map((l) => l.message).filter((m) => m.includes('refused a call socket from 127.0.0.1'));
      expect(lines).to.have.length(1);
      expect(lines[0]).to.contain('outbound.allowedPeers');
    } finally {
      await guarded.stop();
    }
  });

  it('a consent key the call socket reports but the inbound connection never saw is not consent: nothing recorded, evidence and log say why', async () => {
    h = await startHarness({ recording: OPT_IN });
    const { sim } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    // The menu collects a 1 that FreeSWITCH never reported as a DTMF event.
    call.caller.dtmf.push('1');
    sim.core.notify();
    await agentPicksUp(sim, call);
    await driveUntil(sim, call, () => call.caller.bridge !== undefined, 'the bridge');
    await sim.advance(5000);
    sim.hangup(call);
    await sim.advance(1000);
    await (await h.controllerOf(call.uuid)).done;
    expect(uuidRecords(sim)).to.deep.equal([]);
    const ev = await h.evidence(call.uuid);
    expect(ev.find((e) => e.kind === 'consent_unconfirmed')?.detail).to.include({ digit: '1' });
    expect(ev.find((e) => e.kind === 'consent')?.detail).to.include({ outcome: 'invalid', digit: '1' });
    expect(h.log.some((l) => l.message.includes('never seen on the inbound connection'))).to.equal(true);
  });
});
