// Coaching and live operations end to end: the daemon against the simulator, with store rows and MQTT.

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coaching, unavailableRecordingControl } from '../../src/coaching';
import { defaultsWith, type CallwardenConfig, type DeepPartial } from '../../src/config';
import { Daemon, routeSessions } from '../../src/daemon';
import { defaultDialplan, Simulator, type CallHandle } from '../../src/simulator/simulator';
import type { ReceivedCommand } from '../../src/simulator/connection';
import { activeMonitors, type CallState, type MonitorMode } from '../../src/streams';
import { startWeb, type WebServer } from '../../src/web';
import { addUsers, OPS1 } from '../calls/live-ops-client';
import { OpsSubscriber } from '../mqtt/ops-subscriber';
import { captureLogger } from '../support/capture-logger';
import { until } from '../support/wait';

const AGENT = '1001';
const SUPERVISOR = '2001';
const REFUSED = 'tone_stream://%(500,500,480,620);loops=3';
const NOT_AVAILABLE = 'tone_stream://%(250,250,480,620);loops=4';
const NOTIFY = 'tone_stream://%(200,100,1400);loops=2';
const OPS_PASSWORD = 'correct horse battery staple';

describe('Coaching (*98*<ext>) and live operations through the simulator', function () {
  this.timeout(20_000);
  let sim: Simulator;
  let daemon: Daemon | undefined;
  let coaching: Coaching | undefined;
  let web: WebServer | undefined;
  let ops: OpsSubscriber | undefined;
  let node: string;
  const log = captureLogger();

  function config(port: number, overrides: { coaching?: Record<string, unknown> }): CallwardenConfig {
    const external = process.env.CALLWARDEN_TEST_MQTT_URL;
    return defaultsWith({
      node,
      esl: { port, commandTimeoutMs: 2000, connectTimeoutMs: 2000, reconnect: { initialMs: 10, maxMs: 50 } },
      outbound: { port: 0 },
      store: { filename: ':memory:', outboxDir: mkdtempSync(join(tmpdir(), 'callwarden-coaching-')) },
      // A real Mosquitto when the CI offers one (as test/mqtt/ does), else the embedded broker.
      mqtt: external ? { url: external } : { url: '', embedded: { enabled: true, host: '127.0.0.1', port: 0 } },
      log: { level: 'warn' },
      coaching: {
        enabled: true,
        legalNoticeAcknowledged: true,
        supervisors: { [SUPERVISOR]: { extensions: [AGENT, '1002'], groups: [] }, '2003': { extensions: [], groups: ['sales'] } },
        announcements: { refused: REFUSED, notAvailable: NOT_AVAILABLE },
        notifyAgent: { enabled: true, file: NOTIFY },
        ...overrides.coaching,
      },
      liveOps: { enabled: true },
      web: { enabled: true, port: 0 },
    } as DeepPartial<CallwardenConfig>);
  }

  async function start(overrides: { coaching?: Record<string, unknown> } = {}): Promise<void> {
    const port = await sim.listen(0);
    const cfg = config(port, overrides);
    // No RecordingControl here: these calls bypass callwarden's call handler (6001 bridges
    // straight to the agent). The real one is exercised in test/calls/live-ops-record.test.ts.
    coaching = new Coaching(cfg, log.logger);
    daemon = new Daemon(cfg, log.logger, { onSession: routeSessions({ coaching: coaching.handler }), resyncIntervalMs: 0 });
    await daemon.start();
    await coaching.start(daemon);
    web = await startWeb(cfg, daemon, unavailableRecordingControl, log.logger);
    // ops1 may act live; viewer is an auditor (read-only).
    await addUsers(daemon, [OPS1, { name: 'viewer', role: 'auditor', extension: '2003' }]);
    sim.outbound = { host: '127.0.0.1', port: daemon.outboundPort };
    await daemon.inbound.ready();
    // The publisher's credentials: clearRetained() publishes, which only the daemon may on the embedded broker.
    const url = process.env.CALLWARDEN_TEST_MQTT_URL || daemon.mqtt.embedded?.publisherUrl;
    ops = await OpsSubscriber.connect(url ?? '', `callwarden/${node}/#`);
  }

  /** A customer call to 6001, bridged to the agent (group sales), answered. */
  async function agentCall(from = '+4930123456789'): Promise<{ call: CallHandle; state: () => CallState }> {
    const d = daemon as Daemon;
    const call = sim.placeCall({ from, to: '6001' });
    await sim.agentAnswers(call, AGENT);
    await until(d.registry.calls$, () => d.registry.activeCallOfAgent(AGENT)?.callId === call.uuid, 'the agent call in the registry');
    return { call, state: () => d.registry.get(call.uuid) as CallState };
  }

  const monitorMode = (call: CallState): MonitorMode | undefined => activeMonitors(call)[0]?.mode;
  const app = (name: string) => (c: ReceivedCommand) => c.headers['execute-app-name'] === name;

  /** The latest retained state of the call on MQTT, parsed (undefined once cleared). */
  async function mqttState(callId: string, test: (view: { monitors: Array<{ supervisor: string; mode: string }> } | undefined) => boolean, what: string) {
    const topic = `callwarden/${node}/calls/${callId}`;
    const parse = (payload: string) => (payload === '' ? undefined : (JSON.parse(payload) as { monitors: Array<{ supervisor: string; mode: string }> }));
    const m = await (ops as OpsSubscriber).waitFor((msg) => msg.topic === topic && test(parse(msg.payload)), what);
    return parse(m.payload);
  }

  function post(path: string, body: unknown, user = 'ops1', password = OPS_PASSWORD): Promise<{ status: number; json: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: (web as WebServer).port, path, method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, 'content-type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  async function evidenceKinds(callId: string): Promise<string[]> {
    await (daemon as Daemon).store.queue.drained();
    return (await (daemon as Daemon).store.repository.listEvidence(callId)).map((e) => e.kind);
  }

  /** The supervisor heard `file`, then FreeSWITCH hung up: never silence, never a hang. */
  async function expectAnnouncementThenHangup(sup: CallHandle, file: string): Promise<void> {
    await sim.waitForCommand((c) => app('playback')(c) && c.sessionUuid === sup.uuid && c.headers['execute-app-arg'] === file);
    const since = sim.mark();
    await sim.advance(10_000); // virtual time: the tone plays to its end
    await sim.waitFor((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.uuid === sup.uuid, Math.max(0, since - 50));
    expect(sim.received.some((c) => app('eavesdrop')(c) && c.sessionUuid === sup.uuid)).to.equal(false);
  }

  beforeEach(() => {
    node = `cw-coach-${randomBytes(3).toString('hex')}`;
    // 6001: a customer line bridged straight to the agent (the call controller is not under test here).
    const s: Simulator = new Simulator({
      dialplan: (dest, session) =>
        dest === '6001'
          ? [{ app: 'set', arg: 'callwarden_group=sales' }, { app: 'bridge', arg: `user/${AGENT}` }]
          : defaultDialplan(() => s.outbound, () => s.supervisorOutbound)(dest, session),
    });
    sim = s;
  });

  afterEach(async () => {
    await ops?.clearRetained().catch(() => undefined);
    await ops?.close();
    ops = undefined;
    await web?.close();
    web = undefined;
    await coaching?.stop();
    await daemon?.stop();
    coaching = undefined;
    daemon = undefined;
    await sim.stop();
  });

  it('an authorised supervisor listens, cycles 2 → 1 → 3 → 0, and everything is shown and stored', async () => {
    await start();
    const d = daemon as Daemon;
    const { call, state } = await agentCall();
    const agentLeg = (call.agent as { uuid: string }).uuid;
    const sup = sim.placeCall({ from: SUPERVISOR, to: `*98*${AGENT}` });

    // On the wire: the agent hears the tone first, then eavesdrop on the agent's leg with FreeSWITCH's own keys.
    const setDtmf = await sim.waitForCommand((c) => app('set')(c) && c.sessionUuid === sup.uuid && c.headers['execute-app-arg'] === 'eavesdrop_enable_dtmf=true');
    const notify = await sim.waitForCommand((c) => c.line === `api uuid_broadcast ${agentLeg} ${NOTIFY} aleg`);
    const eavesdrop = await sim.waitForCommand((c) => app('eavesdrop')(c) && c.sessionUuid === sup.uuid);
    expect(eavesdrop.headers['execute-app-arg']).to.equal(agentLeg);
    expect(sim.received.indexOf(setDtmf)).to.be.lessThan(sim.received.indexOf(eavesdrop));
    expect(sim.received.indexOf(notify)).to.be.lessThan(sim.received.indexOf(eavesdrop));

    await until(d.registry.calls$, () => monitorMode(state()) === 'listen', 'the monitor in CallState');
    expect(activeMonitors(state())[0]?.targetLeg).to.equal(agentLeg);
    await mqttState(call.uuid, (v) => v?.monitors[0]?.supervisor === SUPERVISOR && v.monitors[0].mode === 'listen', 'the monitor (listen) on MQTT');
    const session = (coaching as Coaching).monitors?.openSessions[0];
    expect(session?.callId).to.equal(call.uuid);

    const steps: Array<[string, MonitorMode, string]> = [
      ['2', 'talk-target', 'whisper-agent'],
      ['1', 'talk-partner', 'talk-caller'],
      ['3', 'three-way', 'conference'],
      ['0', 'listen', 'listen'],
    ];
    for (const [digit, mode, view] of steps) {
      await sim.advance(2000); // a supervisor presses keys seconds apart (the history keeps each time)
      sim.press(sup, digit, 'caller');
      await until(d.registry.calls$, () => monitorMode(state()) === mode, `mode ${mode} after ${digit}`);
      // FreeSWITCH itself switched (the simulator's eavesdrop), and no command of ours was needed for it.
      expect(sup.caller.eavesdropMode).to.equal(mode);
      await mqttState(call.uuid, (v) => v?.monitors[0]?.mode === view, `MQTT state ${view}`);
      await (ops as OpsSubscriber).waitFor((m) => m.topic === `callwarden/${node}/events/monitor-mode-changed` && JSON.parse(m.payload).mode === view, `event ${view}`);
    }
    expect(sim.received.some((c) => c.line.startsWith('sendevent'))).to.equal(false);

    sim.hangup(sup);
    await until(d.registry.calls$, () => activeMonitors(state()).length === 0, 'the monitor to end');
    await mqttState(call.uuid, (v) => v !== undefined && v.monitors.length === 0, 'MQTT state without the monitor');
    await (ops as OpsSubscriber).waitFor((m) => m.topic === `callwarden/${node}/events/monitor-ended`, 'monitor-ended');
    // The handler is done with the supervisor once its socket is closed (its last evidence is queued by then).
    await sim.until(() => sim.openConnections.outbound === 0, "the supervisor's socket to close");

    await d.store.queue.drained();
    const row = await d.store.repository.getMonitorSession(session?.id ?? '');
    expect(row).to.include({ supervisor: SUPERVISOR, targetCallId: call.uuid, extension: AGENT });
    expect(row?.endedAt).to.be.a('string');
    expect(row?.modes.map((m) => m.mode)).to.deep.equal(['listen', 'whisper', 'talk', 'conference', 'listen']);
    expect(await d.store.repository.listActiveMonitorSessions()).to.have.length(0);
    const kinds = await evidenceKinds(call.uuid);
    expect(kinds).to.include.members(['coaching_started', 'monitor_started', 'monitor_mode', 'monitor_ended', 'coaching_ended']);

    sim.hangup(call);
    await mqttState(call.uuid, (v) => v === undefined, 'the call cleared from MQTT');
  });

  it('refuses a supervisor who may not coach that extension, with an announcement, a log line and evidence', async () => {
    await start();
    const { call } = await agentCall();
    const sup = sim.placeCall({ from: '2002', to: `*98*${AGENT}` });
    await expectAnnouncementThenHangup(sup, REFUSED);
    expect(log.text()).to.match(/coaching refused: 2002 is not a configured supervisor/);
    expect(await evidenceKinds(sup.uuid)).to.deep.equal(['coaching_refused']);
    expect(await evidenceKinds(call.uuid)).to.include('coaching_refused');
    expect(activeMonitors((daemon as Daemon).registry.get(call.uuid) as CallState)).to.have.length(0);
  });

  it('refuses everyone while coaching is disabled', async () => {
    await start({ coaching: { enabled: false } });
    await agentCall();
    const sup = sim.placeCall({ from: SUPERVISOR, to: `*98*${AGENT}` });
    await expectAnnouncementThenHangup(sup, REFUSED);
    expect(log.text()).to.match(/coaching refused: coaching is disabled/);
  });

  it('refuses while the legal notice for coaching is not acknowledged', async () => {
    await start({ coaching: { legalNoticeAcknowledged: false } });
    await agentCall();
    const sup = sim.placeCall({ from: SUPERVISOR, to: `*98*${AGENT}` });
    await expectAnnouncementThenHangup(sup, REFUSED);
    expect(log.text()).to.match(/legal notice for coaching has not been acknowledged/);
  });

  it('tells the supervisor when the extension has no call (idle or unknown), never silence', async () => {
    await start();
    const idle = sim.placeCall({ from: SUPERVISOR, to: '*98*1002' });
    await expectAnnouncementThenHangup(idle, NOT_AVAILABLE);
    expect(await evidenceKinds(idle.uuid)).to.deep.equal(['coaching_not_available']);
    // Group rights cannot be judged without a call: "not available", not a refusal.
    const byGroup = sim.placeCall({ from: '2003', to: '*98*1077' });
    await expectAnnouncementThenHangup(byGroup, NOT_AVAILABLE);
  });

  it('allows a supervisor by the call group and translates configured keys into eavesdrop commands', async () => {
    // 5 = whisper, 6 = talk to the caller: FreeSWITCH must not see raw digits then.
    await start({ coaching: { keys: { listen: '4', talkCaller: '6', whisperAgent: '5', conference: '7' } } });
    const { call } = await agentCall();
    const sup = sim.placeCall({ from: '2003', to: `*98*${AGENT}` });
    await sim.waitForCommand((c) => app('set')(c) && c.sessionUuid === sup.uuid && c.headers['execute-app-arg'] === 'eavesdrop_enable_dtmf=false');
    await sim.waitForCommand((c) => app('set')(c) && c.sessionUuid === sup.uuid && c.headers['execute-app-arg'] === 'callwarden_eavesdrop_keys=4657');
    await sim.waitForCommand((c) => app('eavesdrop')(c) && c.sessionUuid === sup.uuid);
    await mqttState(call.uuid, (v) => v?.monitors[0]?.supervisor === '2003', 'the group supervisor on MQTT');
    const since = sim.received.length;
    sim.press(sup, '5', 'caller');
    const sent = await sim.waitForCommand((c) => c.line === 'sendevent CUSTOM', since);
    expect(sent.headers).to.include({ 'unique-id': sup.uuid, 'eavesdrop-command': '2' });
    await sim.until(() => sup.caller.eavesdropMode === 'talk-target', 'FreeSWITCH in whisper mode');
    // The call table reads the same digit through callwarden_eavesdrop_keys: state, MQTT and the recorder agree.
    const d = daemon as Daemon;
    await until(d.registry.calls$, () => monitorMode(d.registry.get(call.uuid) as CallState) === 'talk-target', 'whisper in CallState');
    await mqttState(call.uuid, (v) => v?.monitors[0]?.mode === 'whisper-agent', 'whisper on MQTT');
    await (ops as OpsSubscriber).waitFor((m) => m.topic === `callwarden/${node}/events/monitor-mode-changed` && JSON.parse(m.payload).mode === 'whisper-agent', 'whisper event');
    // A native digit that is not a configured key does nothing (FreeSWITCH ignores raw digits now).
    await sim.advance(1000);
    sim.press(sup, '1', 'caller');
    await sim.advance(1000);
    sim.press(sup, '6', 'caller');
    await sim.until(() => sup.caller.eavesdropMode === 'talk-partner', 'FreeSWITCH talking to the caller');
    await until(d.registry.calls$, () => monitorMode(d.registry.get(call.uuid) as CallState) === 'talk-partner', 'talk-caller in CallState');
    expect(sim.received.filter((c) => c.line === 'sendevent CUSTOM').map((c) => c.headers['eavesdrop-command'])).to.deep.equal(['2', '1']);
    sim.hangup(sup);
    await mqttState(call.uuid, (v) => v !== undefined && v.monitors.length === 0, 'monitor gone');
  });

  it('live ops: "record" needs credentials and the permission; every answer is audited', async () => {
    await start();
    const { call } = await agentCall();
    // Without a recording controller the request is refused, and says why (the objection case
    // through the real controller: test/calls/live-ops-record.test.ts).
    const answer = await post(`/api/live/calls/${call.uuid}/recording`, { action: 'start' });
    expect(answer.status).to.equal(409);
    expect(answer.json).to.include({ ok: false, command: 'record start', callId: call.uuid, reason: 'recording control not available' });
    const evidence = await (daemon as Daemon).store.queue.drained().then(() => (daemon as Daemon).store.repository.listEvidence(call.uuid));
    expect(evidence.map((e) => e.kind)).to.include('ops_command');
    expect(evidence.find((e) => e.kind === 'ops_command')?.detail).to.include({ user: 'ops1', ok: false, command: 'record start' });

    const bad = await post(`/api/live/calls/${call.uuid}/recording`, { action: 'start' }, 'ops1', 'wrong password!!');
    expect(bad.status).to.equal(401);
    const noRight = await post(`/api/live/calls/${call.uuid}/recording`, { action: 'stop' }, 'viewer');
    expect(noRight.status).to.equal(403);
    expect(log.text()).not.to.include(OPS_PASSWORD);
  });

  it('live ops: "listen" rings the supervisor\'s phone, which then eavesdrops on the agent; MQTT shows it while it lasts', async () => {
    await start();
    const d = daemon as Daemon;
    const { call, state } = await agentCall();
    const agentLeg = (call.agent as { uuid: string }).uuid;
    const answered = post(`/api/live/calls/${call.uuid}/listen`, undefined);
    const originate = await sim.waitForCommand((c) => c.line.startsWith('bgapi originate '));
    // The answered phone dials *98*<ext> itself: the same handler, checks and keys as a supervisor's own call.
    expect(originate.line).to.match(new RegExp(`^bgapi originate \\{origination_uuid=[0-9a-f-]{36},user_name=${SUPERVISOR},.*\\}user/${SUPERVISOR} \\*98\\*${AGENT} XML default$`));
    const supervisorLeg = /origination_uuid=([0-9a-f-]{36})/.exec(originate.line)?.[1] ?? '';
    await sim.until(() => sim.core.find(supervisorLeg)?.farEnd === 'ringing', "the supervisor's phone ringing");
    sim.answerLeg(supervisorLeg);
    const result = await answered;
    expect(result.status).to.equal(200);
    expect(result.json).to.include({ ok: true, command: 'listen', callId: call.uuid, supervisorLeg });

    await until(d.registry.calls$, () => activeMonitors(state())[0]?.supervisorLeg === supervisorLeg, 'the listener in CallState');
    expect(activeMonitors(state())[0]?.targetLeg).to.equal(agentLeg);
    await sim.waitForCommand((c) => app('eavesdrop')(c) && c.sessionUuid === supervisorLeg && c.headers['execute-app-arg'] === agentLeg);
    await mqttState(call.uuid, (v) => v?.monitors[0]?.supervisor === SUPERVISOR && v.monitors[0].mode === 'listen', 'the listener on MQTT');
    expect(await evidenceKinds(call.uuid)).to.include.members(['ops_command', 'monitor_started']);

    sim.core.hangupFromFarEnd(sim.core.find(supervisorLeg) as never, 'NORMAL_CLEARING');
    await mqttState(call.uuid, (v) => v !== undefined && v.monitors.length === 0, 'the listener gone from MQTT');
  });
});
