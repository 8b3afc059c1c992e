// The queue in front of mqtt.js: holds while paused, keeps order, bounds memory, sends the latest status first.

import { expect } from 'chai';
import type { MqttClient } from 'mqtt';
import { OrderedPublishQueue } from '../../src/mqtt/ordered-publish-queue';
import { captureLogger } from '../support/capture-logger';

type Sent = { topic: string; payload: string; ack: (err?: Error) => void };

/** Records publishes; the test acknowledges them (as PUBACKs would). */
function fakeClient(): { client: MqttClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = {
    publish: (topic: string, payload: string, _opts: unknown, cb: (err?: Error) => void) => {
      sent.push({ topic, payload, ack: (err) => cb(err) });
    },
  };
  return { client: client as unknown as MqttClient, sent };
}

describe('OrderedPublishQueue', function () {
  it('holds messages until resumed, then hands them over in order, the latest status first', async function () {
    const { client, sent } = fakeClient();
    const queue = new OrderedPublishQueue(client, { maxQueued: 100, maxInFlight: 10, log: captureLogger().logger });
    for (let i = 1; i <= 5; i++) queue.push({ topic: 't', payload: String(i), retain: false });
    queue.pushLatest({ topic: 'status', payload: 'old', retain: true });
    queue.pushLatest({ topic: 'status', payload: 'new', retain: true });
    expect(sent).to.have.length(0);
    expect(queue.pending).to.equal(6);

    queue.resume();
    expect(sent.map((s) => s.payload)).to.deep.equal(['new', '1', '2', '3', '4', '5']);
    const drained = queue.whenDrained(1000);
    for (const s of sent) s.ack();
    expect(await drained).to.equal(true);
    expect(queue.pending).to.equal(0);
  });

  it('keeps at most maxInFlight unacknowledged, and stops handing over when paused', function () {
    const { client, sent } = fakeClient();
    const queue = new OrderedPublishQueue(client, { maxQueued: 10_000, maxInFlight: 3, log: captureLogger().logger });
    queue.resume();
    for (let i = 1; i <= 10; i++) queue.push({ topic: 't', payload: String(i), retain: false });
    expect(sent.map((s) => s.payload)).to.deep.equal(['1', '2', '3']);
    sent[0].ack();
    expect(sent.map((s) => s.payload)).to.deep.equal(['1', '2', '3', '4']);
    queue.pause();
    sent[1].ack();
    sent[2].ack();
    expect(sent).to.have.length(4);
    queue.resume();
    expect(sent.map((s) => s.payload)).to.deep.equal(['1', '2', '3', '4', '5', '6']);
  });

  it('drops the oldest queued messages beyond maxQueued, with a warning', function () {
    const { client, sent } = fakeClient();
    const { logger, lines } = captureLogger();
    const queue = new OrderedPublishQueue(client, { maxQueued: 3, maxInFlight: 10, log: logger });
    for (let i = 1; i <= 5; i++) queue.push({ topic: 't', payload: String(i), retain: false });
    expect(queue.pending).to.equal(3);
    expect(queue.droppedCount).to.equal(2);
    expect(lines.join('\n')).to.match(/dropping the oldest queued messages \(limit 3\)/);
    queue.resume();
    expect(sent.map((s) => s.payload)).to.deep.equal(['3', '4', '5']);
  });

  it('stays in order through a long backlog (compaction does not reorder)', function () {
    const { client, sent } = fakeClient();
    const queue = new OrderedPublishQueue(client, { maxQueued: 100_000, maxInFlight: 50, log: captureLogger().logger });
    for (let i = 0; i < 20_000; i++) queue.push({ topic: 't', payload: String(i), retain: false });
    queue.resume();
    for (let i = 0; i < sent.length; i++) sent[i].ack(); // acks trigger more sends, appended to `sent`
    expect(sent).to.have.length(20_000);
    expect(sent.every((s, i) => s.payload === String(i))).to.equal(true);
  });

  it('reports when the broker did not take everything in time', async function () {
    const { client } = fakeClient();
    const queue = new OrderedPublishQueue(client, { maxQueued: 10, maxInFlight: 10, log: captureLogger().logger });
    queue.push({ topic: 't', payload: 'x', retain: false });
    expect(await queue.whenDrained(20)).to.equal(false);
  });
});
