// Topics, payload shapes, dedupe keys and option resolution, without a broker.

import { expect } from 'chai';
import { callPayload, contentKey, eventPayload, statusPayload } from '../../src/mqtt/mqtt-payloads';
import { encodeTopicLevel, nodeTopics } from '../../src/mqtt/mqtt-topics';
import { redactUrl, resolveMqttTarget } from '../../src/mqtt/mqtt-options';
import { callView } from './call-views';

describe('MQTT topics', function () {
  it('builds the topic tree under callwarden/<node>/', function () {
    const t = nodeTopics('pbx-1');
    expect(t.all).to.equal('callwarden/pbx-1/#');
    expect(t.status).to.equal('callwarden/pbx-1/status');
    expect(t.call('5f1c2b1e-0000-4000-8000-000000000000')).to.equal('callwarden/pbx-1/calls/5f1c2b1e-0000-4000-8000-000000000000');
    expect(t.event('monitor-mode-changed')).to.equal('callwarden/pbx-1/events/monitor-mode-changed');
  });

  it('refuses node names that are not a single plain topic level', function () {
    for (const bad of ['', 'a/b', 'a+', '#', 'a b']) expect(() => nodeTopics(bad), bad).to.throw(/node name/);
  });

  it('percent-encodes call ids that would split or wildcard a topic', function () {
    expect(encodeTopicLevel('a/b+c#d%e')).to.equal('a%2Fb%2Bc%23d%25e');
    expect(encodeTopicLevel('')).to.equal('%00');
  });
});

describe('MQTT payloads', function () {
  const now = new Date('2026-11-22T12:00:00Z');

  it('writes a call view with a fixed key order and ISO times', function () {
    const view = callView({ callId: 'c1', bridgedAt: Date.parse('2026-11-22T10:00:05Z') });
    const payload = callPayload('pbx', view, now);
    expect(Object.keys(payload)).to.deep.equal([
      'callId', 'node', 'freeswitch', 'direction', 'caller', 'destination', 'group', 'agentExtension',
      'answeredAt', 'bridgedAt', 'recording', 'consent', 'monitors', 'updatedAt',
    ]);
    expect(payload.bridgedAt).to.equal('2026-11-22T10:00:05.000Z');
    expect(payload.updatedAt).to.equal('2026-11-22T12:00:00.000Z');
    // The adapter's key order does not matter: same state, same bytes.
    const reordered = Object.fromEntries(Object.entries(view).reverse()) as unknown as typeof view;
    expect(JSON.stringify(callPayload('pbx', reordered, now))).to.equal(JSON.stringify(payload));
  });

  it('ignores updatedAt when deciding whether a state changed', function () {
    const view = callView({ callId: 'c1' });
    const a = callPayload('pbx', { ...view, updatedAt: now }, now);
    const b = callPayload('pbx', { ...view, updatedAt: new Date(now.getTime() + 1000) }, now);
    expect(contentKey(a)).to.equal(contentKey(b));
    expect(contentKey(a)).to.not.equal(contentKey(callPayload('pbx', { ...view, consent: 'given' }, now)));
  });

  it('flattens event details next to kind, node, call, time and sequence number', function () {
    const body = eventPayload('pbx', 'monitor-mode-changed', { callId: 'c1', supervisor: '2001', mode: 'whisper-agent', previousMode: 'listen' }, 7, now);
    expect(body).to.deep.equal({
      kind: 'monitor-mode-changed', node: 'pbx', callId: 'c1', at: '2026-11-22T12:00:00.000Z', seq: 7,
      supervisor: '2001', mode: 'whisper-agent', previousMode: 'listen',
    });
  });

  it('summarises health as healthy = ESL connected and DB healthy; the Last Will has no time', function () {
    const fields = { node: 'pbx', pid: 1, since: 's', health: { eslConnected: true, dbHealthy: false, outboxPending: 2 } };
    expect(statusPayload({ ...fields, state: 'online' }, now)).to.include({ state: 'online', healthy: false, updatedAt: now.toISOString() });
    const will = statusPayload({ ...fields, state: 'offline', reason: 'connection-lost', health: null }, null);
    expect(will).to.deep.equal({ state: 'offline', node: 'pbx', pid: 1, since: 's', healthy: null, health: null, reason: 'connection-lost' });
  });

  it('carries why no recording may start only while that is so', function () {
    const base = { node: 'pbx', pid: 1, since: 's', state: 'online' as const };
    const blocked = statusPayload({ ...base, health: { eslConnected: true, dbHealthy: true, outboxPending: 0, recordingBlocked: 'the outbox cannot be written (ENOSPC)' } }, now);
    expect(blocked.health).to.deep.equal({ eslConnected: true, dbHealthy: true, outboxPending: 0, recordingBlocked: 'the outbox cannot be written (ENOSPC)' });
    const clear = statusPayload({ ...base, health: { eslConnected: true, dbHealthy: true, outboxPending: 0, recordingBlocked: null } }, now);
    expect(clear.health).to.deep.equal({ eslConnected: true, dbHealthy: true, outboxPending: 0 });
  });
});

describe('MQTT options', function () {
  it('chooses off, external or embedded', function () {
    expect(resolveMqttTarget({ node: 'n', url: 'off' }).kind).to.equal('off');
    expect(resolveMqttTarget({ node: 'n', url: ' OFF ' }).kind).to.equal('off');
    expect(resolveMqttTarget({ node: 'n', url: 'mqtt://broker:1883' })).to.deep.equal({ kind: 'external', url: 'mqtt://broker:1883' });
    expect(resolveMqttTarget({ node: 'n' })).to.deep.equal({ kind: 'embedded', host: '127.0.0.1', port: 1884 });
    expect(resolveMqttTarget({ node: 'n', url: '' })).to.deep.equal({ kind: 'embedded', host: '127.0.0.1', port: 1884 });
    expect(resolveMqttTarget({ node: 'n', embedded: { enabled: true, host: '127.0.0.1', port: 2883 } })).to.include({ port: 2883 });
    expect(resolveMqttTarget({ node: 'n', embedded: { enabled: false, host: '127.0.0.1', port: 1884 } }).kind).to.equal('off');
  });

  it('removes credentials from URLs before they are logged', function () {
    expect(redactUrl('mqtt://ops:s3cret@broker.example:1883')).to.equal('mqtt://broker.example:1883');
    expect(redactUrl('mqtts://ops:s3cret@broker.example')).to.equal('mqtts://broker.example');
    expect(redactUrl('connect ECONNREFUSED 127.0.0.1:1883')).to.equal('connect ECONNREFUSED 127.0.0.1:1883');
  });
});
