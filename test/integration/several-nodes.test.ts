// Issue 12 points 3 and 4: one daemon controlling several FreeSWITCH nodes, and two daemons × three nodes sharing MariaDB and Mosquitto.

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CallControllers } from '../../src/calls';
import { rxGuardStats } from '../../src/rx-guard';
import type { CoachingConfig } from '../../src/coaching';
import type { DeepPartial } from '../../src/config';
import { DaemonMetrics } from '../../src/metrics';
import type { CallHandle } from '../../src/simulator/simulator';
import type { ReceivedCommand } from '../../src/simulator/connection';
import { createStoreKnex, StoreRepository } from '../../src/store';
import { agentPicksUp, hotline } from '../calls/call-harness';
import { postOps } from '../calls/live-ops-client';
import { OpsSubscriber } from '../mqtt/ops-subscriber';
import { dropPrefixedTables } from '../store/test-backends';
import { forgedCallSocket } from '../support/forged-call-socket';
import { hostileValue } from '../support/hostile-values';
import { inboundApi, startNodeDaemon, startSimNodes, type NodeDaemon, type SimNode } from '../support/node-daemons';
import { until } from '../support/wait';

const AGENT = '1001';
const SUPERVISOR = '2001';
const REFUSED = 'tone_stream://%(500,500,480,620);loops=3';
const NOT_AVAILABLE = 'tone_stream://%(250,250,480,620);loops=4';
const OTHER_NODE = 'tone_stream://%(100,100,620,880);loops=6';
const COACHING: DeepPartial<CoachingConfig> = {
  enabled: true,
  legalNoticeAcknowledged: true,
  supervisors: { [SUPERVISOR]: { extensions: [AGENT], groups: [] } },
  announcements: { refused: REFUSED, notAvailable: NOT_AVAILABLE, otherNode: OTHER_NODE },
  notifyAgent: { enabled: false, file: 'tone_stream://%(200,100,1400);loops=2' },
};

const LAMP = `rec+rec${AGENT}@pbx.test`;

const app = (name: string) => (c: ReceivedCommand) => c.headers['execute-app-name'] === name;

/** The supervisor heard `file` on their own node, then FreeSWITCH hung up; no eavesdrop ran there. */
async function expectAnnouncementThenHangup(node: SimNode, sup: CallHandle, file: string): Promise<void> {
  const { sim } = node;
  await sim.waitForCommand((c) => app('playback')(c) && c.sessionUuid === sup.uuid && c.headers['execute-app-arg'] === file);
  const since = sim.mark();
  await sim.advance(10_000); // virtual time: the tone plays to its end
  await sim.waitFor((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.uuid === sup.uuid, Math.max(0, since - 50));
  expect(sim.received.some((c) => app('eavesdrop')(c) && c.sessionUuid === sup.uuid)).to.equal(false);
}

/** A caller dials 5000 on `node`: the daemon takes the call socket, hands it back, the agent answers. */
async function agentCall(node: SimNode, d: NodeDaemon, from: string): Promise<CallHandle> {
  const call = node.sim.placeCall({ from, to: '5000' });
  await agentPicksUp(node.sim, call, AGENT, true);
  await until(d.daemon.registry.calls$, () => d.daemon.registry.get(call.uuid)?.agentExtension === AGENT, `the agent on ${node.name}'s call`);
  return call;
}

async function hangUp(node: SimNode, d: NodeDaemon, call: CallHandle): Promise<void> {
  await node.sim.advance(5000);
  node.sim.hangup(call);
  const controller = await d.controllerOf(call.uuid);
  await node.sim.advance(1000);
  await controller.done;
}

describe('one daemon, three FreeSWITCH nodes (esl.nodes)', function () {
  this.timeout(60_000);
  const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-rec-'));
  let nodes: SimNode[];
  let d: NodeDaemon;

  before(async () => {
    nodes = await startSimNodes(['fs-a', 'fs-b', 'fs-c'], recordingsDir);
    d = await startNodeDaemon({
      name: `cw-one-${randomBytes(3).toString('hex')}`,
      nodes,
      recordingsDir,
      recording: { groups: { hotline: hotline({ mode: 'permanent' }) }, extensions: { [AGENT]: { group: 'hotline' } } },
      coaching: COACHING,
      consenting: [AGENT],
      liveOps: true,
      lamp: true,
    });
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(d.log.lines.slice(-30).join('\n'));
  });
  after(async () => {
    await d?.stop();
    await Promise.all((nodes ?? []).map((n) => n.sim.stop()));
  });

  it('learns each node\'s Core-UUID and keeps daemon.inbound as the first node\'s', () => {
    expect(d.daemon.nodes.map((n) => [n.name, n.coreUuid])).to.deep.equal(nodes.map((n) => [n.name, n.sim.core.host.coreUuid]));
    expect(d.daemon.inbound).to.equal(d.daemon.nodes[0]!.inbound);
    expect(d.daemon.inboundOf('fs-b')).to.equal(d.daemon.nodes[1]!.inbound);
    expect(d.daemon.eslHealth()).to.deep.equal({ eslConnected: true, eslNodes: { 'fs-a': true, 'fs-b': true, 'fs-c': true } });
  });

  it('counts each node under its own metrics label', async () => {
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    metrics.watch(d.daemon);
    try {
      const body = (await metrics.scrape()).body;
      for (const n of nodes) {
        expect(body).to.contain(`callwarden_esl_connected{node="${n.name}"} 1`);
        expect(body).to.contain(`callwarden_esl_reconnects_total{node="${n.name}"} 0`);
      }
    } finally {
      metrics.stop();
    }
  });

  it('records the calls of every node with that node\'s own commands; rows name the node', async () => {
    const calls = await Promise.all(
      nodes.map(async (node, i) => {
        const call = await agentCall(node, d, `+4930100${i}`);
        await until(d.daemon.registry.calls$, () => d.daemon.registry.get(call.uuid)?.recording === true, `RECORD_START on ${node.name}`);
        return { node, call };
      }),
    );
    for (const { node, call } of calls) {
      expect(d.daemon.registry.get(call.uuid)?.node.name).to.equal(node.name);
      expect(d.daemon.nodeOfCall(call.uuid)).to.equal(node.name);
      expect(inboundApi(node)).to.include(`api uuid_record ${call.uuid} start ${recordingsDir}/${call.uuid}/01-both.wav`);
      // No other node was ever asked anything about this call.
      for (const other of nodes.filter((n) => n !== node)) expect(inboundApi(other).filter((l) => l.includes(call.uuid)), `${other.name} about ${node.name}'s call`).to.deep.equal([]);
    }
    // The agent's recording lamp is sent to every node: a phone subscribes where it is registered.
    await Promise.all(nodes.map((n) => n.sim.until(() => n.sim.blf(LAMP) === 'confirmed', `the lamp on at ${n.name}`)));
    await Promise.all(calls.map(({ node, call }) => hangUp(node, d, call)));
    await Promise.all(nodes.map((n) => n.sim.until(() => n.sim.blf(LAMP) === 'terminated', `the lamp off at ${n.name}`)));
    await d.daemon.store.queue.drained();
    for (const { node, call } of calls) {
      expect((await d.daemon.store.repository.getCall(call.uuid))?.node, `row of ${node.name}'s call`).to.equal(node.name);
      const recordings = await d.daemon.store.repository.listRecordings(call.uuid);
      expect(recordings.map((r) => r.status)).to.deep.equal(['ok']);
    }
  });

  it('refuses a socket whose Core-UUID is no configured node\'s; the dialplan goes on to the agent, unrecorded', async () => {
    const [stranger] = await startSimNodes(['fs-x'], recordingsDir);
    try {
      stranger!.sim.outbound = { host: '127.0.0.1', port: d.daemon.outboundPort };
      const call = stranger!.sim.placeCall({ from: '+49301009', to: '5000' });
      await stranger!.sim.until(() => call.agent?.farEnd === 'ringing', 'the dialplan\'s own bridge after the refused socket');
      await d.log.waitFor(new RegExp(`refused a call socket from 127\\.0\\.0\\.1 claiming channel ${call.uuid}: its Core-UUID is none of the connected nodes`));
      expect(d.daemon.registry.get(call.uuid)).to.equal(undefined);
      expect(stranger!.sim.received.some((c) => c.line.startsWith('api uuid_record'))).to.equal(false);
    } finally {
      await stranger!.sim.stop();
    }
  });

  it('a socket naming another node\'s Core-UUID is checked on that node only, refused there, and commands nothing', async () => {
    const [a, b] = nodes as [SimNode, SimNode];
    const call = await agentCall(b, d, '+49301008');
    const session = b.sim.core.find(call.uuid)!;
    const token = session.ch.getVar('callwarden_token')!;
    // The call's own recording is running: what the daemon sends b about it from here on is its own business.
    await until(d.daemon.registry.calls$, () => d.daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START');
    const tokenCheck = `api uuid_getvar ${call.uuid} callwarden_token`;
    const checksOnB = inboundApi(b).filter((l) => l === tokenCheck).length;
    const peer = forgedCallSocket(d.daemon.outboundPort, [
      ['Event-Name', 'CHANNEL_DATA'],
      ['Core-UUID', a.sim.core.host.coreUuid],
      ['FreeSWITCH-Hostname', a.name],
      ['Unique-ID', call.uuid],
      ['Caller-Destination-Number', '5000'],
      ['variable_callwarden_group', 'hotline'],
      ['variable_callwarden_token', token],
    ]);
    const closed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
    await d.log.waitFor(new RegExp(`refused a call socket from 127\\.0\\.0\\.1 claiming channel ${call.uuid}: .*No such channel`, 'i'));
    await closed;
    expect(inboundApi(a)).to.include(tokenCheck);
    expect(inboundApi(a).filter((l) => l.includes(call.uuid) && l !== tokenCheck), 'anything else sent to the claimed node').to.deep.equal([]);
    expect(inboundApi(b).filter((l) => l === tokenCheck).length, 'token checks on the real node').to.equal(checksOnB);
    expect(d.daemon.nodeOfCall(call.uuid)).to.equal('fs-b');
    await hangUp(b, d, call);
  });

  it('property: whatever Core-UUID, channel and token a call socket shows, it is asked about on at most the one node it names, then refused; no handler throws', async () => {
    const guardBefore = { ...rxGuardStats };
    const cores = nodes.map((n) => n.sim.core.host.coreUuid);
    let verified = 0;
    await fc.assert(
      fc.asyncProperty(
        // Mostly well-formed, so that most sockets get as far as the token check.
        fc.oneof({ arbitrary: fc.constantFrom(...cores), weight: 3 }, { arbitrary: hostileValue, weight: 1 }),
        fc.oneof({ arbitrary: fc.uuid(), weight: 3 }, { arbitrary: hostileValue, weight: 1 }),
        fc.oneof({ arbitrary: fc.uuid(), weight: 3 }, { arbitrary: hostileValue, weight: 1 }),
        async (core, uuid, token) => {
          const before = nodes.map((n) => inboundApi(n).length);
          const peer = forgedCallSocket(d.daemon.outboundPort, [
            ['Event-Name', 'CHANNEL_DATA'],
            ['Core-UUID', core],
            ['Unique-ID', uuid],
            ['Caller-Destination-Number', '5000'],
            ['variable_callwarden_token', token],
          ]);
          await new Promise<void>((resolve) => peer.once('close', () => resolve()));
          const sent = nodes.map((n, i) => inboundApi(n).slice(before[i]));
          const asked = sent.filter((lines) => lines.length > 0);
          expect(asked.length, 'nodes asked').to.be.at.most(1);
          const i = sent.findIndex((lines) => lines.length > 0);
          if (i >= 0) {
            verified++;
            expect(cores[i], 'the node asked is the one named').to.equal(core);
            expect(sent[i]).to.deep.equal([`api uuid_getvar ${uuid} callwarden_token`]);
          }
        },
      ),
      { numRuns: 40 },
    );
    expect(verified, 'sockets that reached the token check').to.be.greaterThan(0);
    expect(rxGuardStats, 'errors caught by the rx guard').to.deep.equal(guardBefore);
    expect(d.daemon.registry.size).to.equal(0);
  });

  it('a supervisor on another node than the agent hears that the agent is on another node; on the same node the eavesdrop runs', async () => {
    const [a, b] = nodes as [SimNode, SimNode];
    const call = await agentCall(a, d, '+49301007');
    const away = b.sim.placeCall({ from: SUPERVISOR, to: `*98*${AGENT}` });
    await expectAnnouncementThenHangup(b, away, OTHER_NODE);
    await d.daemon.store.queue.drained();
    const evidence = await d.daemon.store.repository.listEvidence(away.uuid);
    expect(evidence.map((e) => e.kind)).to.deep.equal(['coaching_other_node']);
    expect(evidence[0]!.detail).to.include({ agentNode: 'fs-a', supervisorNode: 'fs-b' });
    expect((await d.daemon.store.repository.listEvidence(call.uuid)).map((e) => e.kind)).to.include('coaching_other_node');

    const here = a.sim.placeCall({ from: SUPERVISOR, to: `*98*${AGENT}` });
    const agentLeg = (call.agent as { uuid: string }).uuid;
    await a.sim.waitForCommand((c) => app('eavesdrop')(c) && c.sessionUuid === here.uuid && c.headers['execute-app-arg'] === agentLeg);
    a.sim.hangup(here);
    await hangUp(a, d, call);
  });

  it('a key counts as seen on the inbound connection only of the node that owns the channel', async () => {
    const [a] = nodes as [SimNode];
    const call = await agentCall(a, d, '+49301005');
    const table = new CallControllers();
    const onA = table.digitsOf(d.daemon, 'fs-a');
    const onB = table.digitsOf(d.daemon, 'fs-b');
    const elsewhere = table.digitsOf(d.daemon, 'no-such-node');
    const [sinceA, sinceB] = [onA.mark(), onB.mark()];
    a.sim.press(call, '7');
    expect(await onA.seen(call.uuid, '7', sinceA, 5000)).to.equal(true);
    // fs-b's table follows fs-b's connection only: the key reached it at the same time, or never.
    expect(await onB.seen(call.uuid, '7', sinceB, 0)).to.equal(false);
    expect(await elsewhere.seen(call.uuid, '7', 0, 0)).to.equal(false);
    for (const t of [onA, onB, elsewhere]) t.stop();
    await hangUp(a, d, call);
  });

  it('a restarted node (new Core-UUID) is learned again; its call sockets are attributed to it', async () => {
    const b = nodes[1]!;
    const since = b.sim.received.length;
    await b.sim.restart();
    // The rebuild follows the Core-UUID question on each connect: once it is asked, the new one is known.
    await b.sim.waitForCommand((c) => c.mode === 'inbound' && c.line === 'api show channels as json', since);
    expect(d.daemon.nodes[1]!.coreUuid).to.equal(b.sim.core.host.coreUuid);
    const call = await agentCall(b, d, '+49301004');
    await until(d.daemon.registry.calls$, () => d.daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START after the restart');
    expect(inboundApi(b)).to.include(`api uuid_record ${call.uuid} start ${recordingsDir}/${call.uuid}/01-both.wav`);
    await hangUp(b, d, call);
  });

  it('live operations\' "listen" rings the supervisor from the node that owns the call, and the eavesdrop runs there', async () => {
    const c = nodes[2]!;
    const call = await agentCall(c, d, '+49301006');
    const answered = postOps(d.web!.port, `/api/live/calls/${call.uuid}/listen`, undefined);
    const originate = await c.sim.waitForCommand((x) => x.line.startsWith('bgapi originate '));
    const supervisorLeg = /origination_uuid=([0-9a-f-]{36})/.exec(originate.line)?.[1] ?? '';
    await c.sim.until(() => c.sim.core.find(supervisorLeg)?.farEnd === 'ringing', "the supervisor's phone ringing");
    c.sim.answerLeg(supervisorLeg);
    expect((await answered).status).to.equal(200);
    await c.sim.waitForCommand((x) => app('eavesdrop')(x) && x.sessionUuid === supervisorLeg && x.headers['execute-app-arg'] === (call.agent as { uuid: string }).uuid);
    for (const other of nodes.filter((n) => n !== c)) expect(other.sim.received.some((x) => x.line.startsWith('bgapi originate ')), other.name).to.equal(false);
    c.sim.core.hangupFromFarEnd(c.sim.core.find(supervisorLeg) as never, 'NORMAL_CLEARING');
    await hangUp(c, d, call);
  });
});

describe('two nodes of one daemon with one FreeSWITCH hostname', function () {
  it('are told apart by Core-UUID, but calls ended while away are not closed for them (their rows cannot be told apart), with a warning', async () => {
    const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-rec-'));
    const nodes = await startSimNodes(['fs-p', 'fs-q'], recordingsDir, 'pbx');
    const d = await startNodeDaemon({ name: `cw-same-${randomBytes(3).toString('hex')}`, nodes, recordingsDir, recording: { groups: {}, extensions: {} } });
    try {
      await d.daemon.resyncNow();
      await d.log.waitFor(/node fs-[pq] has the same FreeSWITCH hostname as fs-[pq]; calls that ended while away are not closed for it/);
      expect(d.log.lines.filter((l) => /closed \d+ call\(s\)/.test(l))).to.deep.equal([]);
    } finally {
      await d.stop();
      await Promise.all(nodes.map((n) => n.sim.stop()));
    }
  });
});

const MYSQL_URL = process.env.CALLWARDEN_TEST_MYSQL_URL;
const MQTT_URL = process.env.CALLWARDEN_TEST_MQTT_URL;

describe('two daemons × three FreeSWITCH nodes sharing MariaDB and Mosquitto', function () {
  this.timeout(90_000);
  if (!MYSQL_URL || !MQTT_URL) {
    console.log('several-nodes: CALLWARDEN_TEST_MYSQL_URL and CALLWARDEN_TEST_MQTT_URL not both set, two-daemon test not run.');
    return;
  }
  const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-rec-'));
  const prefix = `cwn${randomBytes(3).toString('hex')}_`;
  const run = randomBytes(3).toString('hex');
  const daemonNames = [`cw-d1-${run}`, `cw-d2-${run}`] as const;
  let nodesOf: SimNode[][] = [];
  const daemons: NodeDaemon[] = [];
  const ops: OpsSubscriber[] = [];

  before(async () => {
    nodesOf = [await startSimNodes([`fs-1a-${run}`, `fs-1b-${run}`, `fs-1c-${run}`], recordingsDir), await startSimNodes([`fs-2a-${run}`, `fs-2b-${run}`, `fs-2c-${run}`], recordingsDir)];
    for (const name of daemonNames) ops.push(await OpsSubscriber.connect(MQTT_URL, `callwarden/${name}/#`));
    // One after the other: the first migrates the shared schema.
    for (const [i, name] of daemonNames.entries()) {
      daemons.push(
        await startNodeDaemon({
          name,
          nodes: nodesOf[i]!,
          recordingsDir,
          store: { client: 'mysql2', url: MYSQL_URL, tablePrefix: prefix },
          mqtt: { url: MQTT_URL },
          recording: { groups: { hotline: hotline({ mode: 'every-nth', everyNth: 3 }) }, extensions: { [AGENT]: { group: 'hotline' } } },
          coaching: COACHING,
          consenting: i === 0 ? [AGENT] : [],
        }),
      );
    }
  });
  after(async () => {
    for (const d of daemons) await d.stop();
    for (const nodes of nodesOf) await Promise.all(nodes.map((n) => n.sim.stop()));
    for (const o of ops) {
      await o.clearRetained().catch(() => undefined);
      await o.client.endAsync();
    }
    const knex = createStoreKnex({ client: 'mysql2', url: MYSQL_URL });
    try {
      await dropPrefixedTables(knex, prefix);
    } finally {
      await knex.destroy();
    }
  });

  it('six calls at once on six nodes: every-nth numbers exact across daemons, each recorded by its own node, topics and rows name daemon and node', async () => {
    const placed = await Promise.all(
      daemons.flatMap((d, di) =>
        d.nodes.map(async (node, ni) => {
          const call = await agentCall(node, d, `+4930200${di}${ni}`);
          const controller = await d.controllerOf(call.uuid);
          return { d, di, node, call, controller };
        }),
      ),
    );
    const numbered = await Promise.all(
      placed.map(async (p) => {
        await p.d.daemon.store.queue.drained();
        const facts = (await p.d.daemon.store.repository.listEvidence(p.call.uuid)).find((e) => e.kind === 'agent_facts')?.detail as { callNumber: number };
        return { ...p, n: facts.callNumber };
      }),
    );
    // The counter is one row in the shared database: 1..6, each exactly once, whichever daemon asked.
    expect(numbered.map((p) => p.n).sort((x, y) => x - y)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    for (const p of numbered.filter((q) => q.n % 3 === 0)) {
      await until(p.d.daemon.registry.calls$, () => p.d.daemon.registry.get(p.call.uuid)?.recording === true, `RECORD_START of call ${p.n}`);
    }
    for (const p of numbered) {
      const start = `api uuid_record ${p.call.uuid} start ${recordingsDir}/${p.call.uuid}/01-both.wav`;
      expect(inboundApi(p.node).includes(start), `call ${p.n} on ${p.node.name} recorded`).to.equal(p.n % 3 === 0);
      for (const other of nodesOf.flat().filter((n) => n !== p.node)) expect(inboundApi(other).filter((l) => l.includes(p.call.uuid)), `${other.name} about call ${p.n}`).to.deep.equal([]);
      // Retained call state under the owning daemon's topic, naming the FreeSWITCH node; nothing under the other daemon's.
      const own = await ops[p.di]!.waitFor((m) => m.topic === `callwarden/${daemonNames[p.di]}/calls/${p.call.uuid}` && m.payload !== '', `call ${p.n} on MQTT`);
      expect(JSON.parse(own.payload)).to.include({ node: daemonNames[p.di], freeswitch: p.node.name });
      expect(ops[1 - p.di]!.messages.some((m) => m.topic.endsWith(p.call.uuid))).to.equal(false);
    }
    await Promise.all(numbered.map((p) => hangUp(p.node, p.d, p.call)));
    for (const p of numbered) {
      await p.d.daemon.store.queue.drained();
      const row = await daemons[1 - p.di]!.daemon.store.repository.getCall(p.call.uuid); // the other daemon reads the shared row
      expect(row, `row of call ${p.n}`).to.include({ node: p.node.name, agentExtension: AGENT });
      expect(row!.endedAt).to.be.a('string');
    }
    for (const [i, name] of daemonNames.entries()) {
      const status = await ops[i]!.waitFor((m) => m.topic === `callwarden/${name}/status` && /"eslConnected":true/.test(m.payload), `${name} online`);
      expect(JSON.parse(status.payload).health.eslNodes).to.deep.equal(Object.fromEntries(nodesOf[i]!.map((n) => [n.name, true])));
    }
  });

  it('two repositories (two daemons\' pools) increment one agent counter exactly', async () => {
    const knexes = [createStoreKnex({ client: 'mysql2', url: MYSQL_URL }), createStoreKnex({ client: 'mysql2', url: MYSQL_URL })];
    try {
      const repos = knexes.map((k) => new StoreRepository(k, { tablePrefix: prefix }));
      const got = await Promise.all(Array.from({ length: 40 }, (_, i) => repos[i % 2]!.nextAgentCallNumber('4711')));
      expect(got.sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 40 }, (_, i) => i + 1));
    } finally {
      await Promise.all(knexes.map((k) => k.destroy()));
    }
  });

  it('a supervisor dialling *98* on another daemon\'s node, or another node of the same daemon, hears the other-node announcement', async () => {
    const [d1, d2] = daemons as [NodeDaemon, NodeDaemon];
    const [a1, b1] = nodesOf[0] as [SimNode, SimNode];
    const [a2] = nodesOf[1] as [SimNode];
    const call = await agentCall(a1, d1, '+49302009');
    // The other daemon learns of the call from the shared calls row.
    await d1.daemon.store.queue.drained();

    const sameDaemon = b1.sim.placeCall({ from: SUPERVISOR, to: `*98*${AGENT}` });
    await expectAnnouncementThenHangup(b1, sameDaemon, OTHER_NODE);
    const otherDaemon = a2.sim.placeCall({ from: SUPERVISOR, to: `*98*${AGENT}` });
    await expectAnnouncementThenHangup(a2, otherDaemon, OTHER_NODE);
    await d2.daemon.store.queue.drained();
    const evidence = await d2.daemon.store.repository.listEvidence(otherDaemon.uuid);
    expect(evidence.map((e) => e.kind)).to.deep.equal(['coaching_other_node']);
    expect(evidence[0]!.detail).to.include({ agentNode: a1.name, supervisorNode: a2.name });
    // d2 never wrote into d1's call's evidence chain.
    expect((await d1.daemon.store.repository.listEvidence(call.uuid)).filter((e) => (e.detail as { supervisorLeg?: string }).supervisorLeg === otherDaemon.uuid)).to.deep.equal([]);
    await hangUp(a1, d1, call);
  });
});
