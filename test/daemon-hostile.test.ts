// The full daemon under hostile header values on both of its sockets: the process, the call table and later calls are unaffected.

import { expect } from 'chai';
import fc from 'fast-check';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { CallControllers, createCallHandler } from '../src/calls';
import { Daemon, routeSessions } from '../src/daemon';
import type { RecordingConfig } from '../src/policies';
import { FrameParser } from '../src/esl/parser';
import { rxGuardStats } from '../src/rx-guard';
import { Simulator } from '../src/simulator/simulator';
import { jsonEvent, plainEvent } from '../src/simulator/wire';
import type { DeepPartial } from '../src/config';
import { agentPicksUp, groupDialplan, hotline } from './calls/call-harness';
import { captureLogger } from './support/capture-logger';
import { testConfig, tmpOutbox } from './support/daemon-config';
import { until } from './support/wait';
import { forgedCallSocket } from './support/forged-call-socket';
import { hostileValue } from './support/hostile-values';

type HeaderList = Array<[string, string]>;

/** Every header the reducers read (src/streams/freeswitch-fields.ts) except Unique-ID, which picks the leg. */
const FIELDS = [
  'Core-UUID', 'FreeSWITCH-Hostname', 'Event-Sequence', 'Event-Date-Timestamp', 'Channel-Name', 'Channel-State',
  'Channel-Call-State', 'Answer-State', 'Call-Direction', 'Caller-Caller-ID-Number', 'Caller-Destination-Number',
  'Caller-Callee-ID-Number', 'Other-Leg-Unique-ID', 'Channel-Call-UUID', 'variable_call_uuid', 'Bridge-A-Unique-ID',
  'Bridge-B-Unique-ID', 'Hangup-Cause', 'Application', 'Application-Data', 'DTMF-Digit', 'Record-File-Path',
  'Playback-File-Path', 'Caller-Channel-Created-Time', 'Caller-Channel-Answered-Time', 'Caller-Channel-Bridged-Time',
  'variable_callwarden_agent', 'variable_callwarden_group', 'variable_callwarden_policy', 'variable_callwarden_no_record',
  'variable_eavesdrop_enable_dtmf', 'variable_eavesdrop_whisper_aleg', 'variable_eavesdrop_whisper_bleg',
  'variable_callwarden_eavesdrop_keys', 'variable_dialed_user',
] as const;

const EVENT_NAMES = [
  'CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_HOLD', 'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'DTMF', 'RECORD_START', 'RECORD_STOP', 'PLAYBACK_START', 'CHANNEL_DATA',
];

/** Legs of the hostile calls: never the simulator's. */
const LEGS = ['dddddddd-0000-4000-8000-000000000001', 'dddddddd-0000-4000-8000-000000000002', 'dddddddd-0000-4000-8000-000000000003'];
const CORE = 'eeeeeeee-0000-4000-8000-00000000000e';

// Values are URL-encoded on the wire, so any string (line breaks included) can be sent as a header value.
const hostileFields = fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 12 });
const hostileEvent = fc.record({ name: fc.constantFrom(...EVENT_NAMES), leg: fc.constantFrom(...LEGS), fields: hostileFields, json: fc.boolean() });

function headers(name: string, leg: string, fields: Readonly<Record<string, string>>, seq: number): HeaderList {
  const base: Record<string, string> = {
    'Event-Name': name,
    'Core-UUID': CORE,
    'Event-Sequence': String(seq),
    'Event-Date-Timestamp': String(Date.UTC(2026, 10, 22) * 1000 + seq),
    'Unique-ID': leg,
    'Call-Direction': 'inbound',
    ...fields,
  };
  return Object.entries(base);
}

function eventFrame(h: HeaderList, json: boolean): Buffer {
  return json ? jsonEvent(h) : plainEvent(h);
}

/** Relays daemon ↔ simulator (inbound ESL) and injects frames between whole frames of the real stream. */
class InjectingProxy {
  private readonly pending: Buffer[] = [];
  private toDaemon: Socket | undefined;
  private atBoundary = false;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<InjectingProxy> {
    let proxy: InjectingProxy | undefined;
    const server = createServer((client) => proxy!.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    proxy = new InjectingProxy(server, address.port);
    return proxy;
  }

  inject(bytes: Buffer): void {
    this.pending.push(bytes);
    this.flush();
  }

  async close(): Promise<void> {
    this.toDaemon?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, port: number): void {
    this.toDaemon?.destroy();
    this.toDaemon = client;
    this.atBoundary = false;
    const upstream = createConnection({ host: '127.0.0.1', port });
    const scanner = new FrameParser();
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      try {
        scanner.push(chunk);
      } catch {
        scanner.reset();
      }
      this.atBoundary = scanner.buffered === 0;
      this.flush();
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  }

  private flush(): void {
    if (!this.atBoundary || this.toDaemon === undefined) return;
    for (const bytes of this.pending.splice(0)) this.toDaemon.write(bytes);
  }
}

describe('daemon under hostile header values (full daemon, both sockets)', function () {
  this.timeout(240_000);
  let sim: Simulator;
  let proxy: InjectingProxy;
  let daemon: Daemon;
  const log = captureLogger();
  let seq = 1;
  let sentinel = 0;

  before(async () => {
    let simRef: Simulator | undefined;
    sim = new Simulator({ heartbeatSeconds: 0, dialplan: groupDialplan(() => simRef!) });
    simRef = sim;
    const simPort = await sim.listen(0);
    proxy = await InjectingProxy.start(simPort);
    const config = testConfig(proxy.port, {
      esl: { commandTimeoutMs: 10_000 },
      store: { filename: ':memory:', outboxDir: tmpOutbox() },
      recording: { legalNoticeAcknowledged: true, format: 'wav', groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } } as DeepPartial<RecordingConfig>,
    });
    const handler = createCallHandler({ recording: config.recording, logger: log.logger, controllers: new CallControllers() });
    daemon = new Daemon(config, log.logger, { onSession: routeSessions({ calls: handler }), resyncIntervalMs: 0 });
    await daemon.start();
    sim.outbound = { host: '127.0.0.1', port: daemon.outboundPort };
    await daemon.inbound.ready();
    await daemon.store.queue.ready();
    await daemon.store.repository.recordAgentConsent({ extension: '1001', signedAt: new Date(Date.now() - 60_000), documentRef: 'consent-1001.pdf' });
  });

  after(async () => {
    await daemon?.stop();
    await proxy?.close();
    await sim?.stop();
  });

  /** A valid CHANNEL_CREATE + DESTROY for a fresh uuid, sent after the rest: once the registry has seen it end, everything before it was handled. */
  function sentinelFrames(): { uuid: string; frames: Buffer[] } {
    const uuid = `ffffffff-0000-4000-8000-${String(++sentinel).padStart(12, '0')}`;
    return { uuid, frames: ['CHANNEL_CREATE', 'CHANNEL_DESTROY'].map((n) => plainEvent(headers(n, uuid, {}, seq++))) };
  }

  function tableIsConsistent(): void {
    for (const call of daemon.registry.list()) {
      for (const leg of call.legs) if (!leg.closed) expect(daemon.registry.byLeg(leg.uuid)?.callId, `leg ${leg.uuid}`).to.equal(call.callId);
    }
  }

  async function drive(channelData: Record<string, string>, events: Array<{ name: string; leg: string; fields: Record<string, string>; json: boolean }>): Promise<void> {
    const guardBefore = { ...rxGuardStats };
    const frames = events.map((e) => eventFrame(headers(e.name, e.leg, e.fields, seq++), e.json));
    // A call socket whose connect reply carries hostile channel data. Its own leg and origin
    // are fresh, so the daemon always takes the connect reply into its call table, and that
    // is what is awaited (the events themselves go over the inbound connection below; a
    // call socket delivers the same parser and reducers).
    const connectLeg = `cccccccc-0000-4000-8000-${String(++sentinel).padStart(12, '0')}`;
    const data = headers('CHANNEL_DATA', connectLeg, { variable_callwarden_group: 'hotline', 'Caller-Destination-Number': '5000', ...channelData, 'Core-UUID': CORE, 'Event-Sequence': String(seq++) }, 0);
    data.splice(data.findIndex(([k]) => k === 'Unique-ID'), 1, ['Unique-ID', connectLeg]);
    const peer = forgedCallSocket(daemon.outboundPort, data);
    const closed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
    // A connect reply past the parser's limits is refused and the socket closed: that is an answer too.
    await Promise.race([until(daemon.registry.calls$, () => daemon.registry.byLeg(connectLeg) !== undefined, 'the connect reply in the call table', 30_000), closed]);
    peer.destroy();
    // … and the same events on the inbound connection, followed by a sentinel: once it has
    // ended in the registry, everything before it was handled.
    const inbound = sentinelFrames();
    let inboundEnded = false;
    const watchIn = daemon.registry.calls$.subscribe((u) => u.kind === 'ended' && u.call.callId === inbound.uuid && (inboundEnded = true));
    proxy.inject(Buffer.concat([...frames, ...inbound.frames]));
    await until(daemon.registry.calls$, () => inboundEnded, 'the inbound sentinel', 20_000);
    watchIn.unsubscribe();
    // No handler threw: every value was dealt with where it was parsed.
    expect(rxGuardStats, 'errors caught by the rx guard').to.deep.equal(guardBefore);
    expect(daemon.registry.pipelineRestarts).to.equal(0);
    tableIsConsistent();
  }

  it('a connect reply with Caller-Channel-Created-Time: 9000000000000000000 (the crash of issue 8)', async () => {
    await drive({ 'Caller-Channel-Created-Time': '9000000000000000000', 'Event-Date-Timestamp': '9000000000000000000' }, [
      { name: 'CHANNEL_ANSWER', leg: LEGS[0]!, fields: { 'Caller-Channel-Answered-Time': '9000000000000000000' }, json: false },
      { name: 'CHANNEL_HANGUP_COMPLETE', leg: LEGS[0]!, fields: { 'Event-Date-Timestamp': '-9000000000000000000' }, json: true },
    ]);
    expect(daemon.registry.get(LEGS[0]!)?.startedAt).to.equal(undefined);
  });

  it('property: arbitrary values for every field the reducers read, on both sockets, never stop the daemon', async () => {
    await fc.assert(
      fc.asyncProperty(hostileFields, fc.array(hostileEvent, { maxLength: 12 }), async (channelData, events) => {
        await drive(channelData, events);
      }),
      {
        numRuns: Number(process.env.HOSTILE_RUNS ?? 100),
        ...(process.env.HOSTILE_SEED ? { seed: Number(process.env.HOSTILE_SEED), path: process.env.HOSTILE_PATH, endOnFailure: true } : {}),
      },
    );
  });

  it('afterwards the call table is rebuilt cleanly and a normal call is consented, recorded and written', async () => {
    // The hostile legs never got a CHANNEL_DESTROY: the rebuild from `show channels` closes them.
    await daemon.resyncNow();
    expect(daemon.registry.size).to.equal(0);
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '1');
    await agentPicksUp(sim, call);
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START', 20_000);
    expect(daemon.registry.get(call.uuid)?.agentExtension).to.equal('1001');
    sim.hangup(call);
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid) === undefined, 'the call to end', 20_000);
    await daemon.store.queue.drained();
    const rows = await daemon.store.repository.listCalls({ since: 0, limit: 100_000 });
    expect(rows.map((r) => r.callId)).to.include(call.uuid);
    expect(log.entries.filter((l) => l.meta.module === 'rx-guard')).to.deep.equal([]);
  });
});
