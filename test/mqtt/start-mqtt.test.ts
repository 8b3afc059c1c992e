// startMqtt: off, embedded (with the ops hint), external with credentials that never reach the log, RxJS feed.

import { createServer, type Server } from 'node:net';
import { expect } from 'chai';
import { Subject } from 'rxjs';
import { startMqtt, type MqttHandle } from '../../src/mqtt/start-mqtt';
import { disabledPublisher } from '../../src/mqtt/disabled-publisher';
import { startEmbeddedBroker } from '../../src/mqtt/embedded-broker';
import { publishCallViews } from '../../src/mqtt/publish-call-views';
import { nodeTopics } from '../../src/mqtt/mqtt-topics';
import type { CallViewUpdate } from '../../src/mqtt/call-view';
import { captureLogger } from '../support/capture-logger';
import { OpsSubscriber } from './ops-subscriber';
import { callView, json, uniqueNode } from './call-views';

async function listeningServer(): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return server;
}

function portOf(server: Server): number {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('startMqtt', function () {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async function () {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('is disabled, with one plain log line, when the url is "off"', async function () {
    const { logger, lines } = captureLogger();
    const handle = await startMqtt({ node: uniqueNode(), url: 'off' }, { logger });
    expect(handle.mode).to.equal('off');
    expect(handle.publisher).to.equal(disabledPublisher);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/MQTT disabled \(mqtt\.url is "off"\)/);
    handle.publisher.publishCall(callView()); // a no-op, never a throw
    await handle.close();
  });

  it('is disabled when no url is set and the embedded broker is switched off', async function () {
    const { logger, lines } = captureLogger();
    const handle = await startMqtt({ node: uniqueNode(), embedded: { enabled: false, host: '127.0.0.1', port: 1884 } }, { logger });
    expect(handle.mode).to.equal('off');
    expect(lines.join('\n')).to.match(/MQTT disabled \(no mqtt\.url is set and the embedded broker is disabled\)/);
  });

  it('starts the embedded broker on 127.0.0.1 when no url is set, says where to subscribe, and publishes to it', async function () {
    const { logger, lines } = captureLogger();
    const node = uniqueNode();
    const handle: MqttHandle = await startMqtt({ node, embedded: { enabled: true, host: '127.0.0.1', port: 0 } }, { logger });
    cleanups.push(() => handle.close());
    expect(handle.mode).to.equal('embedded');
    const port = handle.embedded!.port;
    expect(port).to.be.above(0);
    const hint = lines.filter((l) => l.includes('mosquitto_sub'));
    expect(hint).to.have.length(1);
    expect(hint[0]).to.include(`mosquitto_sub -h 127.0.0.1 -p ${port} -t 'callwarden/#' -v`);

    const topics = nodeTopics(node);
    const ops = await OpsSubscriber.connect(handle.embedded!.url, topics.all);
    cleanups.push(() => ops.close());
    const view = callView();
    handle.publisher.publishCall(view);
    expect(json((await ops.nextOn(topics.call(view.callId))).payload).callId).to.equal(view.callId);

    await handle.close();
    cleanups.pop();
    await ops.waitFor((m) => m.topic === topics.status && m.payload !== '' && json(m.payload).state === 'offline', 'offline on close');
    // The broker is gone with the daemon: its port no longer accepts MQTT sessions.
    await ops.close();
    cleanups.pop();
    let refused = false;
    try {
      await OpsSubscriber.connect(`mqtt://127.0.0.1:${port}`, topics.all, 1000);
    } catch {
      refused = true;
    }
    expect(refused).to.equal(true);
  });

  it('runs without MQTT (an error line, no crash) when the embedded port is taken', async function () {
    const taken = await listeningServer();
    cleanups.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const { logger, lines } = captureLogger();
    const handle = await startMqtt({ node: uniqueNode(), embedded: { enabled: true, host: '127.0.0.1', port: portOf(taken) } }, { logger });
    expect(handle.mode).to.equal('off');
    expect(lines.join('\n')).to.match(/error MQTT disabled: embedded broker could not listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
  });

  it('never logs the credentials of an external broker, reachable or not', async function () {
    // mqtt.js lets the URL's credentials win over the options'; the broker accepts those.
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, credentials: { username: 'ops', password: 'url-secret-3' } });
    cleanups.push(() => broker.close());
    const closed = await listeningServer();
    const deadPort = portOf(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { logger, lines } = captureLogger();

    const down = await startMqtt(
      { node: uniqueNode(), url: `mqtt://ops:url-secret-1@127.0.0.1:${deadPort}`, password: 'option-secret-2' },
      { logger, publisher: { reconnectPeriodMs: 50, closeTimeoutMs: 200 } },
    );
    const node = uniqueNode();
    const up = await startMqtt(
      { node, url: `mqtt://ops:url-secret-3@127.0.0.1:${broker.port}`, username: 'ops', password: 'option-secret-4' },
      { logger, publisher: { reconnectPeriodMs: 50 } },
    );
    cleanups.push(() => up.close(), () => down.close());
    await up.mqttPublisher!.whenConnected(5000);
    await down.close();
    cleanups.pop();

    const text = lines.join('\n');
    expect(text).to.include(`MQTT connected to mqtt://127.0.0.1:${broker.port} as callwarden-${node}`);
    expect(text).to.match(/not reachable/);
    expect(text).to.match(/undelivered/);
    for (const secret of ['url-secret-1', 'option-secret-2', 'url-secret-3', 'option-secret-4']) expect(text).to.not.include(secret);
  });

  it('feeds an Observable of call views and "ended" markers into the publisher', async function () {
    const { logger, lines } = captureLogger();
    const node = uniqueNode();
    const handle = await startMqtt({ node, embedded: { enabled: true, host: '127.0.0.1', port: 0 } }, { logger });
    cleanups.push(() => handle.close());
    const topics = nodeTopics(node);
    const ops = await OpsSubscriber.connect(handle.embedded!.url, topics.all);
    cleanups.push(() => ops.close());

    const updates = new Subject<CallViewUpdate>();
    const subscription = publishCallViews(handle.publisher, updates, logger);
    const view = callView();
    const topic = topics.call(view.callId);
    updates.next(view);
    updates.next({ ...view, consent: 'asked' });
    updates.next({ ended: view.callId });
    expect(json((await ops.nextOn(topic)).payload).consent).to.equal('not-asked');
    expect(json((await ops.nextOn(topic)).payload).consent).to.equal('asked');
    expect((await ops.nextOn(topic)).payload).to.equal('');

    updates.error(new Error('stream broke'));
    expect(subscription.closed).to.equal(true);
    expect(lines.join('\n')).to.match(/error call view stream failed; MQTT call states stop updating: stream broke/);
  });
});
