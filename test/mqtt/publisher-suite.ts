// The publisher's behaviour as ops see it, run once per broker (embedded aedes, real Mosquitto).

import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { MqttPublisher, type MqttPublisherOptions } from '../../src/mqtt/mqtt-publisher';
import type { CallEventKind, CallEventInput } from '../../src/mqtt/call-view';
import { nodeTopics, type NodeTopics } from '../../src/mqtt/mqtt-topics';
import { OpsSubscriber, type Received } from './ops-subscriber';
import { TcpProxy } from '../support/tcp-proxy';
import { callView, json, uniqueNode } from './call-views';
import { captureLogger, type CapturedLogger } from '../support/capture-logger';
import type { TestBroker, TestBrokerDefinition } from './test-brokers';

interface Rig {
  node: string;
  topics: NodeTopics;
  ops: OpsSubscriber;
  publisher: MqttPublisher;
  /** The publisher's own mqtt.js client, to kill its socket. */
  client: () => MqttClient;
  log: CapturedLogger;
  proxy: TcpProxy | null;
}

const isOnline = (m: Received): boolean => m.payload !== '' && json(m.payload).state === 'online';
const isOffline = (m: Received): boolean => m.payload !== '' && json(m.payload).state === 'offline';

export function describePublisherSuite(definition: TestBrokerDefinition): void {
  describe(`MQTT publisher against the ${definition.name}`, function () {
    let broker: TestBroker;
    const cleanups: Array<() => Promise<void>> = [];

    before(async function () {
      broker = await definition.start();
    });

    after(async function () {
      await broker?.close();
    });

    afterEach(async function () {
      // Reverse order: publisher and proxy first, then the ops client wipes what is left retained.
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function rig(
      options: { viaProxy?: boolean; publisher?: Partial<MqttPublisherOptions>; beforeStart?: (ops: OpsSubscriber, topics: NodeTopics) => Promise<void> } = {},
    ): Promise<Rig> {
      const node = uniqueNode();
      const topics = nodeTopics(node);
      // With the publisher's credentials: clearRetained() publishes, which only the daemon may on the embedded broker.
      const ops = await OpsSubscriber.connect(broker.url, topics.all, 5000, broker.publisher);
      cleanups.push(async () => {
        await ops.clearRetained();
        await ops.close();
      });
      await options.beforeStart?.(ops, topics);
      let proxy: TcpProxy | null = null;
      if (options.viaProxy) {
        const p = await TcpProxy.start(broker.host, broker.port);
        proxy = p;
        cleanups.push(() => p.close());
      }
      let client: MqttClient | null = null;
      const log = captureLogger();
      const publisher = new MqttPublisher({
        url: proxy ? proxy.url : broker.url,
        // The embedded broker lets only the daemon's credentials publish.
        ...broker.publisher,
        node,
        reconnectPeriodMs: 50,
        closeTimeoutMs: 3000,
        // The outages are on purpose; their warnings would only clutter the test output.
        logger: log.logger,
        connect: (url, o) => (client = mqtt.connect(url, o)),
        ...options.publisher,
      });
      cleanups.push(async () => {
        proxy?.restore();
        await publisher.close();
      });
      await publisher.whenConnected(5000);
      return {
        node,
        topics,
        ops,
        publisher,
        proxy,
        log,
        client: () => {
          if (!client) throw new Error('publisher has no client');
          return client;
        },
      };
    }

    it('publishes a call retained, updates it, skips identical states, and clears it with an empty retained message', async function () {
      const { node, ops, publisher, topics } = await rig();
      await ops.next((m) => m.topic === topics.status && isOnline(m), 'status online');
      const view = callView();
      const topic = topics.call(view.callId);

      publisher.publishCall(view);
      const first = json((await ops.nextOn(topic)).payload);
      expect(first).to.include({ callId: view.callId, direction: 'inbound', consent: 'not-asked', group: 'sales' });
      expect(first.caller).to.deep.equal({ number: '+493012345678', name: 'Erika Mustermann' });
      expect(first.recording).to.deep.equal({ state: 'off', channels: null, segment: 0, masked: false });
      expect(first.answeredAt).to.equal('2026-11-22T10:00:00.000Z');

      publisher.publishCall({ ...view, consent: 'asked' });
      expect(json((await ops.nextOn(topic)).payload).consent).to.equal('asked');

      // Same content (a newer updatedAt does not count): nothing goes out, so the next message is "given".
      publisher.publishCall({ ...view, consent: 'asked', updatedAt: new Date(Date.now() + 5000) });
      publisher.publishCall({ ...view, consent: 'asked' });
      publisher.publishCall({
        ...view,
        consent: 'given',
        recording: { state: 'on', channels: 'both', segment: 1, masked: false },
        monitors: [{ supervisor: '2001', mode: 'listen', since: new Date('2026-11-22T10:01:00Z') }],
      });
      const given = json((await ops.nextOn(topic)).payload);
      expect(given.consent).to.equal('given');
      expect(given.recording).to.deep.equal({ state: 'on', channels: 'both', segment: 1, masked: false });
      expect(given.monitors).to.deep.equal([{ supervisor: '2001', mode: 'listen', since: '2026-11-22T10:01:00.000Z' }]);

      publisher.clearCall(view.callId);
      expect((await ops.nextOn(topic)).payload).to.equal('');

      // A late update of an ended call must not bring a ghost back; a late subscriber sees no call.
      publisher.publishCall({ ...view, consent: 'refused' });
      expect(await publisher.whenDrained(5000)).to.equal(true);
      const late = await OpsSubscriber.connect(broker.url, topics.all, 5000, broker.publisher);
      cleanups.push(() => late.close());
      await late.roundTrip(`callwarden/${node}/test-marker`);
      expect(late.messages.filter((m) => m.topic === topic)).to.deep.equal([]);
      expect(ops.messages.filter((m) => m.topic === topic)).to.have.length(4);
    });

    it('gives a late subscriber the retained state of a live call', async function () {
      const { ops, publisher, topics } = await rig();
      const view = callView({ consent: 'given', recording: { state: 'on', channels: 'caller', segment: 1, masked: false } });
      const topic = topics.call(view.callId);
      publisher.publishCall(view);
      publisher.publishCall({ ...view, recording: { ...view.recording, masked: true } });
      await ops.next((m) => m.topic === topic && json(m.payload).recording !== undefined && (json(m.payload).recording as { masked: boolean }).masked, 'masked state');

      const late = await OpsSubscriber.connect(broker.url, topics.all, 5000, broker.publisher);
      cleanups.push(() => late.close());
      const retained = await late.waitFor((m) => m.topic === topic, 'retained call');
      expect(retained.retain).to.equal(true);
      expect(json(retained.payload).recording).to.deep.equal({ state: 'on', channels: 'caller', segment: 1, masked: true });
      const status = await late.waitFor((m) => m.topic === topics.status, 'retained status');
      expect(status.retain).to.equal(true);
      expect(json(status.payload).state).to.equal('online');
    });

    it('delivers events non-retained and in order', async function () {
      const { node, ops, publisher, topics } = await rig();
      const callId = 'c0ffee00-0000-4000-8000-000000000001';
      const script: Array<[CallEventKind, CallEventInput<CallEventKind>]> = [];
      for (let i = 0; i < 20; i++) {
        script.push(['consent-given', { callId, digit: '1' }]);
        script.push(['recording-started', { callId, channels: 'both', segment: i + 1 }]);
        script.push(['monitor-started', { callId, supervisor: '2001', mode: 'listen' }]);
        script.push(['monitor-mode-changed', { callId, supervisor: '2001', mode: 'whisper-agent', previousMode: 'listen' }]);
        script.push(['monitor-ended', { callId, supervisor: '2001' }]);
        script.push(['recording-stopped', { callId, segment: i + 1, reason: 'agent-key' }]);
        script.push(['consent-refused', { callId, digit: '9' }]);
      }
      for (const [kind, payload] of script) publisher.publishEvent(kind, payload);
      for (let i = 0; i < script.length; i++) {
        const m = await ops.next((r) => r.topic.startsWith(`callwarden/${node}/events/`), `event ${i + 1}`);
        const body = json(m.payload);
        expect(m.retain).to.equal(false);
        expect(m.topic).to.equal(topics.event(script[i][0]));
        expect(body).to.include({ kind: script[i][0], callId, seq: i + 1 });
        expect(body.at).to.be.a('string');
      }
      const late = await OpsSubscriber.connect(broker.url, topics.all, 5000, broker.publisher);
      cleanups.push(() => late.close());
      await late.roundTrip(`callwarden/${node}/test-marker`);
      expect(late.messages.filter((m) => m.topic.includes('/events/'))).to.deep.equal([]);
    });

    it('publishes status online with health on change, and the Last Will "offline" when its socket dies', async function () {
      const { node, ops, publisher, topics, client } = await rig();
      const online = json((await ops.nextOn(topics.status)).payload);
      expect(online).to.include({ state: 'online', healthy: null, health: null });

      publisher.publishStatus({ eslConnected: true, dbHealthy: true, outboxPending: 0 });
      expect(json((await ops.nextOn(topics.status)).payload)).to.deep.include({
        state: 'online',
        healthy: true,
        health: { eslConnected: true, dbHealthy: true, outboxPending: 0 },
      });
      publisher.publishStatus({ eslConnected: true, dbHealthy: true, outboxPending: 0 }); // unchanged: not sent
      publisher.publishStatus({ eslConnected: false, dbHealthy: true, outboxPending: 3 });
      expect(json((await ops.nextOn(topics.status)).payload)).to.deep.include({
        healthy: false,
        health: { eslConnected: false, dbHealthy: true, outboxPending: 3 },
      });

      client().stream.destroy(); // as if the daemon's process died: no DISCONNECT packet
      const will = json((await ops.nextOn(topics.status)).payload);
      expect(will).to.include({ state: 'offline', reason: 'connection-lost', node: node });
      // mqtt.js reconnects; the status is restated over the Will, with the health it had. An
      // earlier status whose PUBACK was lost with the socket may be redelivered first (QoS 1),
      // so what counts is that the restatement follows and is what stays retained.
      const back = json(
        (await ops.next((m) => m.topic === topics.status && m.payload.includes('"outboxPending":3') && isOnline(m), 'the restated status')).payload,
      );
      expect(back).to.deep.include({ state: 'online', health: { eslConnected: false, dbHealthy: true, outboxPending: 3 } });
      const late = await OpsSubscriber.connect(broker.url, topics.status, 5000, broker.publisher);
      cleanups.push(() => late.close());
      expect(json((await late.nextOn(topics.status)).payload)).to.deep.include({ state: 'online', health: { eslConnected: false, dbHealthy: true, outboxPending: 3 } });
    });

    it('leaves the Last Will retained for a daemon that does not come back', async function () {
      const { ops, topics, proxy } = await rig({ viaProxy: true });
      await ops.next((m) => m.topic === topics.status && isOnline(m), 'status online');
      proxy!.cut();
      await ops.next((m) => m.topic === topics.status && isOffline(m), 'Last Will');
      const late = await OpsSubscriber.connect(broker.url, topics.status, 5000, broker.publisher);
      cleanups.push(() => late.close());
      const retained = await late.nextOn(topics.status);
      expect(retained.retain).to.equal(true);
      expect(json(retained.payload)).to.include({ state: 'offline', reason: 'connection-lost' });
    });

    it('on close clears the calls still live and publishes "offline" (shutdown)', async function () {
      const { ops, publisher, topics } = await rig();
      const a = callView();
      const b = callView({ agentExtension: '1002' });
      publisher.publishCall(a);
      publisher.publishCall(b);
      publisher.clearCall(a.callId);
      await publisher.close();
      const status = await ops.next((m) => m.topic === topics.status && isOffline(m), 'offline status');
      expect(json(status.payload)).to.include({ state: 'offline', reason: 'shutdown' });
      // Everything before the offline status was sent before it, on one connection: already here.
      const payloads = (id: string): string[] => ops.messages.filter((m) => m.topic === topics.call(id)).map((m) => m.payload);
      expect(payloads(a.callId)).to.have.length(2);
      expect(payloads(a.callId)[1]).to.equal('');
      expect(payloads(b.callId)).to.have.length(2);
      expect(json(payloads(b.callId)[0]).agentExtension).to.equal('1002');
      expect(payloads(b.callId)[1]).to.equal('');
    });

    it('clears retained call states a crashed run left behind, and keeps the calls it publishes', async function () {
      const ghost = callView();
      const { ops, publisher, topics, log } = await rig({
        publisher: { staleCallSweepMs: 300 },
        // What a daemon killed with SIGKILL leaves on the broker: a retained call nobody will clear.
        beforeStart: async (o, t) => {
          await o.client.publishAsync(t.call(ghost.callId), JSON.stringify({ callId: ghost.callId }), { qos: 1, retain: true });
          await o.nextOn(t.call(ghost.callId));
        },
      });
      const live = callView();
      publisher.publishCall(live);
      expect((await ops.nextOn(topics.call(ghost.callId))).payload).to.equal('');
      await log.waitFor(/MQTT cleared 1 stale call states left by an earlier run/);
      expect(await publisher.whenDrained(5000)).to.equal(true);
      await ops.roundTrip(`${topics.all.slice(0, -1)}test-marker`);
      expect(ops.messages.filter((m) => m.topic === topics.call(live.callId)).map((m) => m.payload !== '')).to.deep.equal([true]);
    });

    it('fault: the connection to the broker is cut three times during live publishing (once mid-backlog); every message arrives afterwards, in order', async function () {
      this.timeout(40_000);
      const { ops, publisher, topics, proxy } = await rig({ viaProxy: true });
      const view = callView();
      const callTopic = topics.call(view.callId);
      const total = 400;
      for (let i = 1; i <= total; i++) {
        if (i % 2 === 0) {
          publisher.publishCall({ ...view, recording: { state: 'on', channels: 'both', segment: i, masked: false } });
        } else {
          publisher.publishEvent('monitor-mode-changed', { callId: view.callId, supervisor: '2001', mode: 'conference', previousMode: 'listen' });
        }
        if (i === 120 || i === 300) {
          // Cut while messages are in flight; go on publishing once the broker has noticed (Last Will).
          await publisher.whenConnected(5000);
          proxy!.cut();
          await ops.next((m) => m.topic === topics.status && isOffline(m), `Last Will after the cut at ${i}`);
        }
        if (i === 220 || i === 340) proxy!.restore();
        if (i === 250) {
          // Second cut right after the reconnect, while the backlog of the first outage is being delivered.
          await publisher.whenConnected(5000);
          expect(publisher.pending).to.be.above(0);
          proxy!.cut();
          await ops.next((m) => m.topic === topics.status && isOffline(m), 'Last Will after the cut during the backlog');
          proxy!.restore();
        }
        // Pacing only (calls arrive over time), so that socket I/O runs between publishes.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await ops.waitFor((m) => m.topic === callTopic && (json(m.payload).recording as { segment: number }).segment === total, 'last call state', 20_000);
      await ops.waitFor((m) => m.topic === topics.event('monitor-mode-changed') && json(m.payload).seq === total / 2, 'last event', 20_000);

      // QoS 1 may repeat what was in flight at the cut; first occurrences must be complete and ordered.
      const firstSeen = (values: number[]): number[] => values.filter((v, i) => values.indexOf(v) === i);
      const segments = ops.messages.filter((m) => m.topic === callTopic).map((m) => (json(m.payload).recording as { segment: number }).segment);
      const seqs = ops.messages.filter((m) => m.topic.includes('/events/')).map((m) => json(m.payload).seq as number);
      expect(firstSeen(segments)).to.deep.equal(Array.from({ length: total / 2 }, (_, k) => (k + 1) * 2));
      expect(firstSeen(seqs)).to.deep.equal(Array.from({ length: total / 2 }, (_, k) => k + 1));
      // A redelivery never jumps back past the message before the gap: the stream only ever replays a tail.
      for (const list of [segments, seqs]) {
        for (let i = 1; i < list.length; i++) {
          if (list[i] <= list[i - 1]) expect(list.slice(0, i)).to.include(list[i]);
        }
      }
      const statuses = ops.messages.filter((m) => m.topic === topics.status).map((m) => (m.payload ? (json(m.payload).state as string) : ''));
      expect(statuses.filter((s) => s === 'offline').length).to.equal(3);
      expect(statuses[statuses.length - 1]).to.equal('online');
      expect(await publisher.whenDrained(5000)).to.equal(true);
    });

    it('delivers a long backlog built up while the broker was away, in order', async function () {
      this.timeout(40_000);
      const { node, ops, publisher, topics, proxy } = await rig({ viaProxy: true });
      await publisher.whenConnected(5000);
      proxy!.cut();
      await ops.next((m) => m.topic === topics.status && isOffline(m), 'Last Will');
      // Below Mosquitto's max_queued_messages (1000): past that the broker drops messages to a
      // subscriber that falls behind, which is the ops side and not what this test is about.
      const count = 800;
      for (let i = 1; i <= count; i++) publisher.publishEvent('consent-given', { callId: `call-${i}`, digit: '1' });
      expect(publisher.pending).to.be.at.least(count);
      proxy!.restore();
      await ops.waitFor((m) => m.topic === topics.event('consent-given') && json(m.payload).seq === count, `event ${count}`, 30_000);
      const seqs = ops.messages.filter((m) => m.topic.startsWith(`callwarden/${node}/events/`)).map((m) => json(m.payload).seq as number);
      expect(seqs).to.deep.equal(Array.from({ length: count }, (_, k) => k + 1));
    });

    if (definition.canRestart) {
      it('fault: the broker itself stops and starts again on the same port; what was published meanwhile arrives in order', async function () {
        this.timeout(40_000);
        const { node, ops, publisher, topics, proxy } = await rig({ viaProxy: true });
        const callId = 'c0ffee00-0000-4000-8000-000000000002';
        const kind = 'recording-started';
        for (let i = 1; i <= 50; i++) publisher.publishEvent(kind, { callId, channels: 'agent', segment: i });
        await ops.next((m) => m.topic === topics.event(kind) && json(m.payload).seq === 50, 'event 50');

        // The publisher stays behind the cut proxy until ops have resubscribed to the new broker,
        // otherwise the messages would reach a broker that nobody listens to yet.
        proxy!.cut();
        const opsBack = new Promise<void>((resolve) => ops.client.once('connect', () => resolve()));
        await broker.restart!();
        for (let i = 51; i <= 100; i++) publisher.publishEvent(kind, { callId, channels: 'agent', segment: i });
        await opsBack;
        await ops.roundTrip(`callwarden/${node}/test-marker`);
        proxy!.restore();
        for (let i = 101; i <= 150; i++) publisher.publishEvent(kind, { callId, channels: 'agent', segment: i });
        await ops.next((m) => m.topic === topics.event(kind) && json(m.payload).seq === 150, 'event 150', 20_000);
        const seqs = ops.messages.filter((m) => m.topic === topics.event(kind)).map((m) => json(m.payload).seq as number);
        const afterRestart = seqs.slice(seqs.indexOf(50) + 1).filter((s) => s > 50);
        expect(afterRestart.filter((v, i) => afterRestart.indexOf(v) === i)).to.deep.equal(Array.from({ length: 100 }, (_, k) => k + 51));
        const late = await OpsSubscriber.connect(broker.url, topics.status, 5000, broker.publisher);
        cleanups.push(() => late.close());
        expect(json((await late.nextOn(topics.status)).payload).state).to.equal('online');
      });
    }
  });
}
