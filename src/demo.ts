// `make demo`: the simulator and the daemon together, a few scripted calls, a readable timeline.

import { filter, firstValueFrom, startWith, timeout } from 'rxjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCallHandler, type CallController } from './calls';
import { defaultsWith } from './config';
import { Daemon, routeSessions } from './daemon';
import { logger } from './logger';
import type { DialplanStep } from './simulator/core';
import { defaultDialplan, handBackSteps, Simulator } from './simulator/simulator';
import { formatTimeline } from './simulator/scenario';
import type { CallState } from './streams';

const EXAMPLE_HOTLINE = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'examples', 'local.json'), 'utf8')) as { recording: { groups: { hotline: object } } }).recording.groups.hotline;

const SCENARIOS: ReadonlyArray<readonly [string, string]> = [
  [
    'Opt-in hotline (5000): the caller agrees with 1 → bridge to agent 1001 → stereo recording',
    `call consent: caller +49301234567 "Jürgen Müller" dials 5000
     consent: expect prompt      # "press 1 to agree to the recording, 9 to object"
     consent: caller presses 1
     consent: agent 1001 answers
     consent: expect recording   # RECORD_START: the only proof it runs
     wait 20s
     consent: caller hangs up`,
  ],
  [
    'Opt-in hotline (5000): the caller objects with 9 → bridge to agent 1001, no uuid_record at all',
    `call objection: caller +4940123456 dials 5000
     objection: expect prompt
     objection: caller presses 9
     objection: agent 1001 answers
     wait 15s
     objection: agent hangs up`,
  ],
  [
    'A caller is handed to callwarden by the dialplan (socket … async full) and back (socket_resume)',
    `call hotline: caller +49301234567 "Jürgen Müller" dials 5002
     hotline: expect CHANNEL_UNPARK   # the socket application returned
     wait 5s
     hotline: expect hangup`,
  ],
  [
    'A direct call: answered, held, resumed, hung up after half a minute',
    `call direct: caller 1002 dials 5001
     wait 10s
     direct: caller holds
     wait 5s
     direct: caller resumes
     wait 15s
     direct: caller hangs up`,
  ],
  [
    'Two calls at once, one with a UTF-8 caller name; both end',
    `call first: caller +4940555 "Zoë Ørsted" dials 5001
     call second: caller +4989777 dials 5001
     wait 12s
     second: caller hangs up
     wait 3s
     first: caller hangs up`,
  ],
];

function describe(call: CallState): string {
  const seconds = call.startedAt && call.endedAt ? ((call.endedAt - call.startedAt) / 1e6).toFixed(1) : '?';
  const legs = call.legs.map((l) => `${l.role} ${l.channelName ?? l.uuid}${l.hangupCause ? ` (${l.hangupCause})` : ''}`).join(', ');
  return `callwarden saw call ${call.callId.slice(0, 8)}… from ${call.callerNumber ?? '?'} to ${call.destination ?? '?'}: ${legs}; ${seconds}s`;
}

/** What `callwarden evidence` would answer: why the call was (not) recorded, and the file's check. */
async function evidenceSummary(daemon: Daemon, callId: string): Promise<string[]> {
  await daemon.store.queue.drained();
  const rows = await daemon.store.repository.listEvidence(callId);
  if (rows.length === 0) return [];
  const decisions = rows.filter((r) => r.kind === 'decision').map((r) => r.detail as { record: boolean; reason: string });
  const last = decisions[decisions.length - 1];
  const sent = rows.filter((r) => r.kind === 'command_sent').map((r) => (r.detail as { wire: string }).wire.replace(callId, '<caller>'));
  const files = await daemon.store.repository.listRecordings(callId);
  return [
    `evidence: ${rows.length} rows (${[...new Set(rows.map((r) => r.kind))].join(', ')})`,
    ...(last ? [`decision: ${last.record ? 'RECORD' : 'no recording'} — ${last.reason}`] : []),
    ...sent.map((w) => `sent: ${w}`),
    ...files.map((f) => `file: ${f.filePath.replace(/^.*\//, '…/')} ${f.status}, ${f.bytes} bytes, ${((f.durationMs ?? 0) / 1000).toFixed(1)} s, sha256 ${f.sha256?.slice(0, 12)}…`),
  ];
}

async function main(): Promise<void> {
  const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-demo-rec-'));
  // The captures' dialplan, plus 5000: the hotline group handed to callwarden as in
  // freeswitch/dialplan/callwarden.xml (callwarden_group, callwarden_target, socket_resume,
  // socket … async full, then the dialplan's own bridge ${callwarden_target}).
  let sim: Simulator;
  const captured = defaultDialplan(() => sim.outbound, () => sim.supervisorOutbound);
  sim = new Simulator({
    heartbeatSeconds: 0,
    recordingsDir,
    dialplan: (dest, session): DialplanStep[] | undefined => {
      if (dest !== '5000') return captured(dest, session);
      return handBackSteps({ group: 'hotline', target: 'user/1001', outbound: sim.outbound });
    },
  });
  const eslPort = await sim.listen(0);
  const config = defaultsWith({
    node: 'demo',
    esl: { port: eslPort, reconnect: { initialMs: 50, maxMs: 500 } },
    outbound: { port: 0 },
    store: { filename: ':memory:', outboxDir: mkdtempSync(join(tmpdir(), 'callwarden-demo-')) },
    mqtt: { url: 'off' },
    log: { level: 'warn' },
    recording: {
      // The demo's operator has read the legal notice; a fresh install has false here.
      legalNoticeAcknowledged: true,
      directory: recordingsDir,
      format: 'wav',
      groups: {
        // Announcements off here only because the script runner does not run virtual time
        // while an announcement plays; the consent menu itself is played and answered.
        // The README's example group (config/examples/local.json): the defaults ship none.
        hotline: { ...EXAMPLE_HOTLINE, mode: 'opt-in', channels: 'both', announcements: false, reannounceOnTransfer: false },
      },
      extensions: { '1001': { group: 'hotline' } },
    },
  });
  logger.level = process.env.CALLWARDEN_LOG_LEVEL ?? 'warn';
  const controllers: CallController[] = [];
  const calls = createCallHandler({ recording: config.recording, logger, onController: (c) => controllers.push(c) });
  const daemon = new Daemon(config, logger, { resyncIntervalMs: 0, onSession: routeSessions({ calls }) });
  await daemon.start();
  sim.outbound = { host: '127.0.0.1', port: daemon.outboundPort };
  await daemon.nodesReady();
  await daemon.store.queue.ready();
  await daemon.store.repository.recordAgentConsent({ extension: '1001', signedAt: new Date(Date.now() - 86_400_000), documentRef: 'agent-1001-consent.pdf' });
  const seen: CallState[] = [];
  daemon.registry.calls$.subscribe((u) => {
    if (u.kind === 'ended') seen.push(u.call);
  });
  console.log(`simulated FreeSWITCH on 127.0.0.1:${eslPort}; callwarden connected, outbound socket on ${daemon.outboundPort}\n`);
  for (const [title, script] of SCENARIOS) {
    console.log(`■ ${title}`);
    const before = seen.length;
    const timeline = await sim.run(script.replace(/^\s+/gm, ''));
    await sim.advance(1000);
    await sim.until(() => [...sim.core.sessions.values()].every((s) => s.ch.destroyed), 'every channel to be gone', 5000).catch(() => undefined);
    console.log(formatTimeline(timeline));
    // The daemon's view arrives over TCP: wait for its call-ended updates.
    await firstValueFrom(daemon.registry.calls$.pipe(startWith(null), filter(() => seen.length - before >= timeline.size), timeout(5000))).catch(() => undefined);
    for (const call of seen.slice(before)) {
      console.log(`  ⇒ ${describe(call)}`);
      await controllers.find((c) => c.callId === call.callId)?.done;
      for (const line of await evidenceSummary(daemon, call.callId)) console.log(`    ${line}`);
    }
    console.log('');
  }
  console.log(`calls still in callwarden's table: ${daemon.registry.size}`);
  console.log('');
  await daemon.stop();
  await sim.stop();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`demo failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
