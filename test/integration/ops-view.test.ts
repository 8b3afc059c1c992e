// Issue 3 end to end: a simulated call seen on MQTT as ops would, rows in the database, and outages of both.

import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Daemon } from '../../src/daemon';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/mqtt/embedded-broker';
import { Simulator } from '../../src/simulator/simulator';
import { createStoreKnex, StoreRepository } from '../../src/store';
import { testConfig } from '../support/daemon-config';
import { OpsSubscriber } from '../mqtt/ops-subscriber';
import { captureLogger } from '../support/capture-logger';
import { TcpProxy } from '../support/tcp-proxy';

const MQTT_URL = process.env.CALLWARDEN_TEST_MQTT_URL;
const MYSQL_URL = process.env.CALLWARDEN_TEST_MYSQL_URL;

if (!MQTT_URL) console.log('ops-view: CALLWARDEN_TEST_MQTT_URL not set, using the embedded broker instead of Mosquitto (CI sets it).');
if (!MYSQL_URL) console.log('ops-view: CALLWARDEN_TEST_MYSQL_URL not set, database outage test not run (CI sets it: mysql://root@127.0.0.1:3306/test).');

interface Broker {
  url: string;
  /** What the daemon publishes through (the embedded broker's publisher credentials in it). */
  publisherUrl: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

async function broker(): Promise<Broker> {
  if (MQTT_URL) {
    const u = new URL(MQTT_URL);
    return { url: MQTT_URL, publisherUrl: MQTT_URL, host: u.hostname, port: Number(u.port || 1883), close: async () => undefined };
  }
  const embedded: EmbeddedBroker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  return { url: embedded.url, publisherUrl: embedded.publisherUrl, host: '127.0.0.1', port: embedded.port, close: () => embedded.close() };
}

/** The same URL (credentials included) through a proxy on 127.0.0.1:port. */
function viaProxy(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

const node = () => `it-${randomBytes(4).toString('hex')}`;

describe('ops view and call records during simulated calls', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let daemon: Daemon | undefined;
  let mq: Broker;
  let ops: OpsSubscriber | undefined;

  beforeEach(async () => {
    sim = new Simulator({ heartbeatSeconds: 0 });
    mq = await broker();
  });
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    await ops?.clearRetained();
    await ops?.client.endAsync();
    ops = undefined;
    await sim.stop();
    await mq.close();
  });

  it('publishes the call’s retained state while it lives, clears it at the end, and writes its row', async () => {
    const name = node();
    const dbFile = join(mkdtempSync(join(tmpdir(), 'cw-it-')), 'calls.sqlite');
    const port = await sim.listen(0);
    ops = await OpsSubscriber.connect(mq.publisherUrl, `callwarden/${name}/#`);
    daemon = new Daemon(testConfig(port, { node: name, mqtt: { url: mq.publisherUrl }, store: { filename: dbFile } }), captureLogger().logger, {
      resyncIntervalMs: 0,
    });
    await daemon.start();
    sim.outbound = { host: '127.0.0.1', port: daemon.outboundPort };
    await daemon.inbound.ready();

    const status = await ops.waitFor((m) => m.topic === `callwarden/${name}/status` && /"eslConnected":true/.test(m.payload), 'status online with ESL');
    expect(JSON.parse(status.payload)).to.include({ state: 'online' });

    const call = sim.placeCall({ from: '+49301234567', to: '5001' });
    const topic = `callwarden/${name}/calls/${call.uuid}`;
    const live = await ops.waitFor((m) => m.topic === topic && m.payload.length > 0 && JSON.parse(m.payload).answeredAt !== null, 'the answered call');
    const view = JSON.parse(live.payload);
    expect(view).to.include({ callId: call.uuid, destination: '5001', consent: 'not-asked' });
    expect(view.caller.number).to.equal('+49301234567');
    expect(view.recording.state).to.equal('off');

    await sim.advance(20_000);
    sim.hangup(call);
    await ops.waitFor((m) => m.topic === topic && m.payload === '', 'the empty retained message that clears the call');
    const late = await OpsSubscriber.connect(mq.publisherUrl, `callwarden/${name}/calls/#`);
    await late.roundTrip(`callwarden/${name}/calls/marker`);
    expect(late.messages.filter((m) => m.topic === topic)).to.deep.equal([]);
    await late.client.endAsync();

    await daemon.store.queue.drained();
    const row = await daemon.store.repository.getCall(call.uuid);
    expect(row).to.include({ caller: '+49301234567', destination: '5001', hangupCause: 'NORMAL_CLEARING' });
    expect(Date.parse(row!.endedAt!) - Date.parse(row!.startedAt!)).to.equal(20_000);
  });

  it('loses nothing when the broker and the database are away during live calls: all arrives afterwards, in order', async function () {
    if (!MYSQL_URL) this.skip();
    const name = node();
    const u = new URL(MYSQL_URL!);
    const mysqlProxy = await TcpProxy.start(u.hostname, Number(u.port || 3306));
    const mqttProxy = await TcpProxy.start(mq.host, mq.port);
    const prefix = `it${randomBytes(3).toString('hex')}_`;
    const dbUrl = `mysql://${u.username || 'root'}${u.password ? `:${u.password}` : ''}@127.0.0.1:${mysqlProxy.port}${u.pathname}`;
    const port = await sim.listen(0);
    ops = await OpsSubscriber.connect(mq.publisherUrl, `callwarden/${name}/calls/#`);
    daemon = new Daemon(
      testConfig(port, {
        node: name,
        mqtt: { url: viaProxy(mq.publisherUrl, mqttProxy.port), reconnectPeriodMs: 100 },
        store: { client: 'mysql2', url: dbUrl, tablePrefix: prefix },
      }),
      captureLogger().logger,
      { resyncIntervalMs: 0 },
    );
    try {
      await daemon.start();
      sim.outbound = { host: '127.0.0.1', port: daemon.outboundPort };
      await daemon.inbound.ready();
      await daemon.store.queue.ready();

      const down = once(daemon.store.queue, 'down');
      mqttProxy.cut();
      mysqlProxy.cut();
      const calls = [];
      for (let i = 0; i < 3; i++) {
        const call = sim.placeCall({ from: `+4930100${i}`, to: '5001' });
        calls.push(call);
        await sim.advance(5000);
        sim.hangup(call);
      }
      await sim.until(() => [...sim.core.sessions.values()].every((s) => s.ch.destroyed), 'the three calls to end');
      await down; // the database writes failed and went to the outbox
      expect(daemon.store.queue.status().pending).to.be.greaterThan(0);

      mqttProxy.restore();
      mysqlProxy.restore();
      for (const call of calls) {
        const topic = `callwarden/${name}/calls/${call.uuid}`;
        // Per call: its states first, then the clearing empty message, nothing after.
        await ops.waitFor((m) => m.topic === topic && m.payload === '', `the clear of ${call.uuid}`, 20_000);
        const seq = ops.messages.filter((m) => m.topic === topic).map((m) => (m.payload === '' ? 'clear' : 'state'));
        expect(seq[0]).to.equal('state');
        expect(seq.indexOf('clear')).to.equal(seq.length - 1);
      }
      await daemon.store.queue.drained();
      const knex = createStoreKnex({ client: 'mysql2', url: MYSQL_URL });
      try {
        const repo = new StoreRepository(knex, { tablePrefix: prefix });
        for (const call of calls) {
          const row = await repo.getCall(call.uuid);
          expect(row, `row of ${call.uuid}`).to.include({ destination: '5001', hangupCause: 'NORMAL_CLEARING' });
          expect(row!.endedAt).to.be.a('string');
        }
        const listed = await repo.listCalls({ since: '2000-01-01T00:00:00Z' });
        expect(listed.map((c) => c.callId)).to.deep.equal(calls.map((c) => c.uuid));
        const tables = Object.values(repo.tables) as string[];
        await daemon.stop();
        daemon = undefined;
        for (const t of tables) await knex.schema.dropTableIfExists(t);
        await knex.schema.dropTableIfExists(`${prefix}knex_migrations`);
        await knex.schema.dropTableIfExists(`${prefix}knex_migrations_lock`);
      } finally {
        await knex.destroy();
      }
    } finally {
      await mqttProxy.close();
      await mysqlProxy.close();
    }
  });
});
