// The daemon end to end against the simulator: calls in the registry, rebuild after (re)connect, no leaks.

import { expect } from 'chai';
import { filter, firstValueFrom } from 'rxjs';
import { Daemon } from '../src/daemon';
import { Simulator } from '../src/simulator/simulator';
import { captureLogger } from './support/capture-logger';
import { testConfig } from './support/daemon-config';
import { until } from './support/wait';

describe('Daemon', () => {
  let sim: Simulator;
  let daemon: Daemon;

  async function start(): Promise<void> {
    const port = await sim.listen(0);
    daemon = new Daemon(testConfig(port), captureLogger().logger, { resyncIntervalMs: 0 });
    await daemon.start();
    sim.outbound = { host: '127.0.0.1', port: daemon.outboundPort };
  }

  beforeEach(() => {
    sim = new Simulator();
  });
  afterEach(async () => {
    await daemon?.stop();
    await sim.stop();
  });

  it('follows a call handed over by the dialplan from creation to end, then forgets it', async () => {
    await start();
    await daemon.inbound.ready();
    const ended = firstValueFrom(daemon.registry.calls$.pipe(filter((u) => u.kind === 'ended')));
    const live = firstValueFrom(daemon.registry.calls$.pipe(filter((u) => u.call.callerNumber === '+49301234567')));
    const call = sim.placeCall({ from: '+49301234567', to: '5002' });
    expect((await live).call.callId).to.equal(call.uuid);
    // The default handler gives the call back (closes the socket): `socket` returns, and the
    // dialplan plays its tone and hangs up.
    await sim.waitFor((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.uuid === call.uuid && e.headers.some(([k, v]) => k === 'Application' && v === 'socket'));
    await sim.advance(5000);
    const end = await ended;
    expect(end.call.callId).to.equal(call.uuid);
    expect(end.call.ended).to.equal(true);
    expect(daemon.registry.size).to.equal(0);
    expect(daemon.registry.gauges.openGroups).to.equal(0);
  });

  it('rebuilds the call table from FreeSWITCH when it connects mid-call', async () => {
    const a = sim.placeCall({ from: '1000', to: '5001' });
    const b = sim.placeCall({ from: '1002', to: '5001' });
    await sim.advance(100);
    await start();
    await until(daemon.registry.calls$, () => daemon.registry.size === 2, 'the rebuilt call table');
    expect(daemon.registry.get(a.uuid)?.callerNumber).to.equal('1000');
    expect(daemon.registry.get(b.uuid)?.callerNumber).to.equal('1002');
  });

  it('reconnects after FreeSWITCH restarts and ends the calls that died with it', async () => {
    await start();
    await daemon.inbound.ready();
    sim.placeCall({ from: '1000', to: '5001' });
    await until(daemon.registry.calls$, () => daemon.registry.size === 1, 'the call in the table');
    const reconnected = firstValueFrom(daemon.inbound.connected$);
    await sim.restart();
    await reconnected;
    await until(daemon.registry.calls$, () => daemon.registry.size === 0, 'the dead call to leave the table');
    const c = sim.placeCall({ from: '1003', to: '5001' });
    await until(daemon.registry.calls$, () => daemon.registry.get(c.uuid) !== undefined, 'a new call after the restart');
  });

  // A count, not a timing: 1,000 calls show a leak as surely as 10,000 (nothing may stay per
  // call) in a few seconds; 10,000 took minutes on a loaded machine and failed a correct build.
  // LEAK_CALLS=10000 runs the larger size; the heap over 100,000 calls is in make bench.
  it('leaves no group, subscription or call behind after 1,000 simulated calls', async function () {
    this.timeout(300_000);
    await start();
    await daemon.inbound.ready();
    const total = Number(process.env.LEAK_CALLS ?? 1_000);
    const batch = 200;
    let ended = 0;
    const sub = daemon.registry.calls$.subscribe((u) => {
      if (u.kind === 'ended') ended++;
    });
    for (let i = 0; i < total; i += batch) {
      const calls = Array.from({ length: batch }, (_, j) => sim.placeCall({ from: String(10_000 + i + j), to: '5001' }));
      await sim.advance(10);
      for (const call of calls) sim.hangup(call);
      await until(daemon.registry.calls$, () => ended === i + batch, `calls ${i}..${i + batch} to end`, 280_000);
    }
    sub.unsubscribe();
    expect(ended).to.equal(total);
    expect(daemon.registry.size).to.equal(0);
    expect(daemon.registry.routeCount).to.equal(0);
    expect(daemon.registry.gauges.openGroups).to.equal(0);
    expect(daemon.registry.gauges.activeSubscriptions).to.equal(0);
  });
});
