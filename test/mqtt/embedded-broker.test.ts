// The embedded broker as an attacker on the same host meets it: subscribe yes, publish no, no session takeover, no huge packets, bounded retained store.

import { connect as tcpConnect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/mqtt/embedded-broker';
import { MqttPacketSizeGuard } from '../../src/mqtt/mqtt-packet-size-guard';
import { captureLogger } from '../support/capture-logger';
import { OpsSubscriber } from './ops-subscriber';

const DAEMON_ID = 'callwarden-node-under-test';

function connectClient(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId: `t-${randomBytes(4).toString('hex')}`, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
}

/** Resolves with the CONNACK error (or undefined when the broker accepted). */
async function connackError(url: string, options: mqtt.IClientOptions): Promise<(Error & { code?: number }) | undefined> {
  try {
    const client = await connectClient(url, options);
    await client.endAsync(true);
    return undefined;
  } catch (err) {
    return err as Error & { code?: number };
  }
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
}

/** A raw MQTT 3.1.1 CONNECT for `clientId`, clean session, no credentials. */
function rawConnect(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  return Buffer.concat([Buffer.from([0x10, variable.length + payload.length]), variable, payload]);
}

function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

describe('embedded MQTT broker: only the daemon publishes', function () {
  let broker: EmbeddedBroker;
  let daemon: MqttClient;
  const cleanups: Array<() => Promise<unknown>> = [];
  const log = captureLogger();

  beforeEach(async () => {
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, reservedClientIds: [DAEMON_ID], limits: { maxPacketBytes: 4096, maxRetainedMessages: 2 }, logger: log.logger });
    daemon = await connectClient(broker.url, { clientId: DAEMON_ID, ...broker.publisher });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await daemon.endAsync(true);
    await broker.close();
  });

  it('generates publisher credentials per run that never appear in the subscribers\' url', async () => {
    const other = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => other.close());
    expect(other.publisher.password).to.not.equal(broker.publisher.password);
    expect(broker.publisher.password.length).to.be.at.least(24);
    expect(broker.url).to.not.include(broker.publisher.password);
    expect(broker.publisherUrl).to.include(encodeURIComponent(broker.publisher.password));
  });

  it('lets anyone subscribe and receive what the daemon publishes', async () => {
    const ops = await OpsSubscriber.connect(broker.url, 'callwarden/#');
    cleanups.push(() => ops.close());
    await daemon.publishAsync('callwarden/n/calls/a', '{"x":1}', { qos: 1, retain: true });
    expect((await ops.nextOn('callwarden/n/calls/a')).payload).to.equal('{"x":1}');
  });

  it('drops a client without the credentials that publishes, and delivers nothing of it', async () => {
    const ops = await OpsSubscriber.connect(broker.url, 'callwarden/#');
    cleanups.push(() => ops.close());
    const intruder = await connectClient(broker.url);
    const gone = closed(intruder);
    intruder.publish('callwarden/n/calls/forged', '{"forged":true}', { qos: 0, retain: true });
    await gone;
    // A message from the daemon after the forged one arrives; the forged one never does.
    await daemon.publishAsync('callwarden/n/calls/real', 'ok', { qos: 1 });
    await ops.nextOn('callwarden/n/calls/real');
    expect(ops.messages.map((m) => m.topic)).to.not.include('callwarden/n/calls/forged');
    const late = await OpsSubscriber.connect(broker.url, 'callwarden/#');
    cleanups.push(() => late.close());
    await daemon.publishAsync('callwarden/n/marker', 'm', { qos: 1 });
    await late.nextOn('callwarden/n/marker');
    expect(late.messages.map((m) => m.topic)).to.not.include('callwarden/n/calls/forged');
    expect(log.lines.join('\n')).to.match(/may only subscribe/);
  });

  it('refuses the daemon\'s client id without its credentials, and the daemon stays connected', async () => {
    const err = await connackError(broker.url, { clientId: DAEMON_ID });
    expect(err?.code).to.equal(5);
    expect(daemon.connected).to.equal(true);
    const ops = await OpsSubscriber.connect(broker.url, 'callwarden/#');
    cleanups.push(() => ops.close());
    await daemon.publishAsync('callwarden/n/still', 'here', { qos: 1 });
    expect((await ops.nextOn('callwarden/n/still')).payload).to.equal('here');
  });

  it('refuses wrong credentials (and an empty password) with "bad user name or password"', async () => {
    expect((await connackError(broker.url, { username: broker.publisher.username, password: 'guess' }))?.code).to.equal(4);
    expect((await connackError(broker.url, { username: broker.publisher.username, password: '' }))?.code).to.equal(4);
    expect((await connackError(broker.url, { username: 'x' }))?.code).to.equal(4);
  });

  it('closes a connection from the header of a packet larger than the limit, before its body is sent', async () => {
    const socket: Socket = tcpConnect(broker.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(rawConnect('big-one'));
    // A PUBLISH announcing 20 MB; only its header goes out.
    socket.write(Buffer.concat([Buffer.from([0x30]), remainingLength(20 * 1024 * 1024)]));
    await ended;
    // The broker still serves everyone else.
    const ops = await OpsSubscriber.connect(broker.url, 'callwarden/#');
    cleanups.push(() => ops.close());
    await daemon.publishAsync('callwarden/n/after', 'x', { qos: 1 });
    await ops.nextOn('callwarden/n/after');
  });

  it('keeps at most maxRetainedMessages retained topics; an empty message frees a slot', async () => {
    for (const t of ['a', 'b', 'c']) await daemon.publishAsync(`callwarden/n/calls/${t}`, t, { qos: 1, retain: true });
    const retainedTopics = async () => {
      const late = await OpsSubscriber.connect(broker.url, 'callwarden/n/calls/#');
      await daemon.publishAsync('callwarden/n/calls/zz-marker', 'm', { qos: 1 });
      await late.nextOn('callwarden/n/calls/zz-marker');
      await late.close();
      return late.messages.filter((m) => m.retain).map((m) => m.topic).sort();
    };
    expect(await retainedTopics()).to.deep.equal(['callwarden/n/calls/a', 'callwarden/n/calls/b']);
    await daemon.publishAsync('callwarden/n/calls/a', '', { qos: 1, retain: true });
    await daemon.publishAsync('callwarden/n/calls/c', 'c', { qos: 1, retain: true });
    expect(await retainedTopics()).to.deep.equal(['callwarden/n/calls/b', 'callwarden/n/calls/c']);
  });
});

describe('MQTT packet size guard', () => {
  const packet = (bodyLength: number) => Buffer.concat([Buffer.from([0x30]), remainingLength(bodyLength), Buffer.alloc(bodyLength, 7)]);

  it('accepts any sequence of packets within the limit, however the bytes are split', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 50 })), (lengths, cuts) => {
        const bytes = Buffer.concat(lengths.map(packet));
        const guard = new MqttPacketSizeGuard(303);
        let at = 0;
        for (const cut of [...cuts, bytes.length]) {
          if (!guard.feed(bytes.subarray(at, Math.min(bytes.length, at + cut)))) return false;
          at += cut;
          if (at >= bytes.length) break;
        }
        return true;
      }),
    );
  });

  it('refuses a packet one byte over the limit, and a five-byte length field', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), (limit) => {
        const header = Buffer.concat([Buffer.from([0x30]), remainingLength(limit)]);
        return new MqttPacketSizeGuard(header.length + limit - 1).feed(header) === false && new MqttPacketSizeGuard(header.length + limit).feed(header) === true;
      }),
    );
    expect(new MqttPacketSizeGuard(1 << 30).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).to.equal(false);
  });
});
