// The Prometheus endpoint scraped over HTTP while the daemon handles real (simulated) calls: the figures move with what happens.

import { expect } from 'chai';
import { request } from 'node:http';
import { firstValueFrom } from 'rxjs';
import { Daemon } from '../../src/daemon';
import { DaemonMetrics, MetricsServer } from '../../src/metrics';
import { Simulator } from '../../src/simulator/simulator';
import { hotline, consentedAndRecording, startHarness, talkAndHangUp, type Harness } from '../calls/call-harness';
import { captureLogger } from '../support/capture-logger';
import { testConfig } from '../support/daemon-config';
import { sample } from '../support/scrape';
import { until } from '../support/wait';

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };

describe('metrics: the Prometheus endpoint', () => {
  let h: Harness | undefined;
  let server: MetricsServer | undefined;
  let metrics: DaemonMetrics | undefined;
  afterEach(async () => {
    await server?.close();
    metrics?.stop();
    await h?.stop();
    h = server = metrics = undefined;
  });

  it('counts a consented, recorded call: live calls, events, api round trips, consent and recording outcomes', async () => {
    const m = (metrics = new DaemonMetrics());
    h = await startHarness({ recording: OPT_IN, wrapPublisher: (p) => m.countingPublisher(p) });
    await h.daemon.inbound.ready();
    m.watch(h.daemon);
    server = new MetricsServer(m, { enabled: true, host: '127.0.0.1', port: 0 }, captureLogger().logger);
    const port = await server.listen();
    const node = h.daemon.nodeName;

    const before = await get(port, '/metrics');
    expect(before.status).to.equal(200);
    expect(before.type).to.contain('text/plain');
    expect(sample(before.body, 'callwarden_live_calls')).to.equal(0);
    expect(sample(before.body, `callwarden_esl_connected{node="${node}"}`)).to.equal(1);
    expect(sample(before.body, `callwarden_esl_reconnects_total{node="${node}"}`)).to.equal(0);
    const eventsBefore = sample(before.body, `callwarden_esl_events_total{node="${node}"}`)!;
    // Process metrics and the event-loop lag come with the defaults.
    expect(before.body).to.match(/^process_resident_memory_bytes \d+/m);
    expect(before.body).to.match(/^nodejs_eventloop_lag_p99_seconds /m);

    const call = await consentedAndRecording(h, '1');
    const during = (await get(port, '/metrics')).body;
    expect(sample(during, 'callwarden_live_calls')).to.equal(1);
    expect(sample(during, `callwarden_esl_events_total{node="${node}"}`)).to.be.greaterThan(eventsBefore);
    expect(sample(during, 'callwarden_consent_outcomes_total{outcome="given"}')).to.equal(1);
    expect(sample(during, 'callwarden_recordings_total{status="started"}')).to.equal(1);
    // The socket's verification and uuid_setvar / uuid_record went over the inbound connection.
    expect(sample(during, `callwarden_esl_command_seconds_count{node="${node}",kind="api",outcome="ok"}`)).to.be.at.least(5);
    expect(sample(during, 'callwarden_outbox_depth')).to.be.a('number');
    expect(sample(during, 'callwarden_mqtt_queue_depth')).to.equal(0);

    await talkAndHangUp(h, call);
    await until(h.daemon.registry.calls$, () => h!.daemon.registry.size === 0, 'the call to leave the table');
    const after = (await get(port, '/metrics')).body;
    expect(sample(after, 'callwarden_live_calls')).to.equal(0);
    expect(sample(after, 'callwarden_recordings_total{status="ok"}')).to.equal(1);
    expect(sample(after, 'callwarden_recordings_total{status="bad"}')).to.equal(undefined);
    // Nothing a caller chose is a label: no call id or number in the scrape.
    expect(after).not.to.contain(call.uuid);
    expect(after).not.to.contain('49301234567');
  });

  it('a refused consent is counted by its outcome', async () => {
    const m = (metrics = new DaemonMetrics({ defaultMetrics: false }));
    h = await startHarness({ recording: OPT_IN, wrapPublisher: (p) => m.countingPublisher(p) });
    m.watch(h.daemon);
    const call = h.sim.placeCall({ from: '+49301234567', to: '5000' });
    await h.sim.expectPrompt(call);
    h.sim.press(call, '9');
    const refused = async () => sample((await m.scrape()).body, 'callwarden_consent_outcomes_total{outcome="refused"}');
    await until(h.daemon.registry.calls$, () => (h!.daemon.annotationsOf(call.uuid).consent ?? '') === 'refused', 'the refusal');
    expect(await refused()).to.equal(1);
    expect(sample((await m.scrape()).body, 'callwarden_consent_outcomes_total{outcome="given"}')).to.equal(undefined);
  });

  it('counts a reconnect per node when FreeSWITCH restarts', async () => {
    const sim = new Simulator();
    const daemon = new Daemon(testConfig(await sim.listen(0)), captureLogger().logger, { resyncIntervalMs: 0 });
    const m = (metrics = new DaemonMetrics({ defaultMetrics: false }));
    try {
      await daemon.start();
      await daemon.inbound.ready();
      m.watch(daemon);
      const series = `callwarden_esl_reconnects_total{node="${daemon.nodeName}"}`;
      expect(sample((await m.scrape()).body, series)).to.equal(0);
      const reconnected = firstValueFrom(daemon.inbound.connected$);
      await sim.restart();
      await reconnected;
      expect(sample((await m.scrape()).body, series)).to.equal(1);
      expect(sample((await m.scrape()).body, `callwarden_esl_connected{node="${daemon.nodeName}"}`)).to.equal(1);
    } finally {
      await daemon.stop();
      await sim.stop();
    }
  });

  it('answers only GET/HEAD /metrics; other paths 404, other methods 405', async () => {
    const m = (metrics = new DaemonMetrics({ defaultMetrics: false }));
    server = new MetricsServer(m, { enabled: true, host: '127.0.0.1', port: 0 }, captureLogger().logger);
    const port = await server.listen();
    expect((await get(port, '/')).status).to.equal(404);
    expect((await get(port, '/metrics/../etc')).status).to.equal(404);
    expect((await get(port, '/metrics', 'POST')).status).to.equal(405);
    const head = await get(port, '/metrics', 'HEAD');
    expect(head.status).to.equal(200);
    expect(head.body).to.equal('');
    const ok = await get(port, '/metrics?x=1');
    expect(ok.status).to.equal(200);
    expect(sample(ok.body, 'callwarden_live_calls')).to.equal(0);
  });
});
