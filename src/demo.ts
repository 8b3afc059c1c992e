// `make demo`: the simulator and the daemon together, a few scripted calls, a readable timeline.

import { filter, firstValueFrom, startWith, timeout } from 'rxjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultsWith } from './config';
import { Daemon } from './daemon';
import { logger } from './logger';
import { Simulator } from './simulator/simulator';
import { formatTimeline } from './simulator/scenario';
import type { CallState } from './streams';

const SCENARIOS: ReadonlyArray<readonly [string, string]> = [
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

async function main(): Promise<void> {
  const sim = new Simulator({ heartbeatSeconds: 0 });
  const eslPort = await sim.listen(0);
  const config = defaultsWith({
    node: 'demo',
    esl: { port: eslPort, reconnect: { initialMs: 50, maxMs: 500 } },
    outbound: { port: 0 },
    store: { filename: ':memory:', outboxDir: mkdtempSync(join(tmpdir(), 'callwarden-demo-')) },
    mqtt: { url: 'off' },
    log: { level: 'warn' },
  });
  logger.level = process.env.CALLWARDEN_LOG_LEVEL ?? 'warn';
  const daemon = new Daemon(config, logger, { resyncIntervalMs: 0 });
  await daemon.start();
  sim.outbound = { host: '127.0.0.1', port: daemon.outboundPort };
  await daemon.inbound.ready();
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
    for (const call of seen.slice(before)) console.log(`  ⇒ ${describe(call)}`);
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
