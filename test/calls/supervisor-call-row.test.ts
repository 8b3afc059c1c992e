// Issue 9.3: a supervisor's `*98*` call joins the call it coaches; its own calls row still ends, with the leg's time and cause.

import { expect } from 'chai';
import { activeMonitors } from '../../src/streams';
import { until } from '../support/wait';
import { consentedAndRecording, hotline, startHarness, talkAndHangUp, type Harness } from './call-harness';
import { COACHING, LIVE_OPS, SUPERVISOR } from './live-ops-client';

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };

describe('calls: the calls row of a supervisor’s *98* call', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('ends when the supervisor hangs up (not live forever), while the coached call goes on', async () => {
    h = await startHarness({ recording: OPT_IN, coaching: COACHING, liveOps: LIVE_OPS });
    const { sim, daemon } = h;
    const call = await consentedAndRecording(h, '1');
    const sup = sim.placeCall({ from: SUPERVISOR, to: '*98*1001' });
    const monitoring = (): boolean => activeMonitors(daemon.registry.get(call.uuid) ?? ({ monitors: [] } as never)).length > 0;
    await until(daemon.registry.calls$, monitoring, 'the supervisor listening');
    await daemon.store.queue.drained();
    // The supervisor's call had a row of its own before its eavesdrop named the target.
    expect(await daemon.store.repository.getCall(sup.uuid)).to.include({ endedAt: null });

    await sim.advance(3000);
    sim.hangup(sup);
    await until(daemon.registry.calls$, () => !monitoring(), 'the supervisor gone');
    await sim.advance(1000);
    await daemon.store.queue.drained();
    const row = await daemon.store.repository.getCall(sup.uuid);
    expect(row?.endedAt, 'the *98* call row ends').to.be.a('string');
    expect(row?.hangupCause).to.equal('NORMAL_CLEARING');
    expect(Date.parse(row!.endedAt!)).to.be.greaterThan(Date.parse(row!.startedAt!));
    expect((await daemon.store.repository.getCall(call.uuid))?.endedAt).to.equal(null);

    await talkAndHangUp(h, call, 1000);
    await daemon.store.queue.drained();
    expect((await daemon.store.repository.getCall(call.uuid))?.endedAt).to.be.a('string');
  });

  it('ends with the coached call when the caller hangs up first', async () => {
    h = await startHarness({ recording: OPT_IN, coaching: COACHING, liveOps: LIVE_OPS });
    const { sim, daemon } = h;
    const call = await consentedAndRecording(h, '1');
    const sup = sim.placeCall({ from: SUPERVISOR, to: '*98*1001' });
    await until(daemon.registry.calls$, () => activeMonitors(daemon.registry.get(call.uuid) ?? ({ monitors: [] } as never)).length > 0, 'the supervisor listening');
    await talkAndHangUp(h, call, 2000);
    // eavesdrop ends with its target; the supervisor's channel then follows the dialplan's hangup.
    await sim.until(() => !sup.caller.ch.alive, 'the supervisor channel to end');
    await until(daemon.registry.calls$, () => daemon.registry.byLeg(sup.uuid) === undefined, 'the supervisor leg gone from the table');
    await daemon.store.queue.drained();
    expect((await daemon.store.repository.getCall(sup.uuid))?.endedAt, 'the *98* call row ends').to.be.a('string');
  });
});
