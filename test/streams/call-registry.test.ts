// The registry's lifecycle: grace fallback in virtual time, error isolation, and the leak test (a count; bench/registry-churn.ts runs it at 100,000).

import { expect } from 'chai';
import { Subject } from 'rxjs';
import { churnRegistry } from './registry-churn';
import { TestScheduler } from 'rxjs/testing';
import { CallRegistry } from '../../src/streams/call-registry';
import type { CallUpdate } from '../../src/streams/call-table';
import type { NodeEvent } from '../../src/streams/node-event';
import { channelEvent, newClock, onNode, twoLegCall, uuidFor } from './synthetic';

describe('streams/call-registry', () => {
  it('ends a call whose DESTROYs never come, after the grace (virtual time)', () => {
    const scheduler = new TestScheduler((a, b) => {
      expect(a).to.deep.equal(b);
    });
    const clock = newClock();
    // Both legs lose their DESTROY, as with an outbound socket that lingers forever.
    const events = onNode(twoLegCall(clock, 1).filter((e) => e.name !== 'CHANNEL_DESTROY'));
    scheduler.run(({ cold, expectObservable }) => {
      const registry = new CallRegistry({ channels: { scheduler, hangupGraceMs: 5000 } });
      const values = Object.fromEntries(events.map((e, i) => [String.fromCharCode(97 + i), e]));
      registry.attach(cold<NodeEvent>(Object.keys(values).join(''), values));
      const kinds = new Subject<string>();
      registry.calls$.subscribe((u) => {
        if (u.kind === 'ended') kinds.next(`${u.call.callId}:${u.call.legs.map((l) => l.closeReason).join(',')}`);
      });
      // The b-leg completes at frame 8, the a-leg at 9: the call ends 5 s after the a-leg.
      expectObservable(kinds).toBe('9ms 5000ms e', { e: `${uuidFor(1, 'a')}:grace,grace` });
      scheduler.schedule(() => {
        expect(registry.size).to.equal(0);
        expect(registry.gauges).to.include({ openGroups: 0, activeSubscriptions: 0, closedByGrace: 2 });
      }, 6000);
    });
  });

  it('transfer to a second agent: the first agent leg ends, a new one joins the same call', () => {
    const registry = new CallRegistry();
    const source = new Subject<NodeEvent>();
    registry.attach(source);
    const clock = newClock();
    const life = twoLegCall(clock, 7, '1001');
    const a = uuidFor(7, 'a');
    // Up to the first agent's DESTROY; the caller does not hang up (uuid_transfer).
    const firstAgentGone = life.findIndex((e) => e.name === 'CHANNEL_DESTROY');
    const untilThen = life.slice(0, firstAgentGone + 1).filter((e) => !(e.headers['Unique-ID'] === a && e.name === 'CHANNEL_HANGUP'));
    for (const e of onNode(untilThen)) source.next(e);
    expect(registry.activeCallOfAgent('1001')).to.equal(undefined);
    const second = 'cccccccc-0000-4000-8000-000000000007';
    const bleg = { 'Call-Direction': 'outbound', 'Channel-Call-UUID': a, 'Other-Leg-Unique-ID': a, 'Caller-Callee-ID-Number': '1002' };
    source.next({ node: 'fs1', event: channelEvent(clock, 'CHANNEL_CREATE', second, bleg) });
    source.next({ node: 'fs1', event: channelEvent(clock, 'CHANNEL_BRIDGE', a, { 'Bridge-A-Unique-ID': a, 'Bridge-B-Unique-ID': second }) });
    const call = registry.activeCallOfAgent('1002')!;
    expect(call.callId).to.equal(a);
    expect(call.agentExtension).to.equal('1002');
    expect(call.legs.map((l) => [l.role, l.extension ?? '-', l.closed])).to.deep.equal([
      ['caller', '-', false],
      ['agent', '1001', true],
      ['agent', '1002', false],
    ]);
    expect(registry.callsOfAgent('1001').map((c) => c.callId)).to.deep.equal([a]); // history, not active
  });

  it('an error from the source is reported, and calls$ stays open for a re-attach', () => {
    const errors: unknown[] = [];
    const registry = new CallRegistry({ onError: (e) => errors.push(e) });
    let completed = false;
    registry.calls$.subscribe({ complete: () => (completed = true) });
    const broken = new Subject<NodeEvent>();
    registry.attach(broken);
    broken.error(new Error('socket desync'));
    expect(errors).to.have.length(1);
    expect(completed).to.equal(false);
    const source = new Subject<NodeEvent>();
    const ended: CallUpdate[] = [];
    registry.calls$.subscribe((u) => u.kind === 'ended' && ended.push(u));
    registry.attach(source);
    for (const e of onNode(twoLegCall(newClock(), 1))) source.next(e);
    expect(ended).to.have.length(1);
  });

  // A count, not a timing: 1,000 calls prove the same invariants as 10,000 (nothing is kept per
  // call, so a leak shows at any size) and take seconds even on a busy machine; the timeout
  // is generous on purpose. Sizes that take minutes are in `make bench` (bench/registry-churn.ts).
  it('leaks nothing over 1,000 calls: no group, no subscription, no registry entry', function () {
    this.timeout(120_000);
    const CALLS = 1_000;
    const r = churnRegistry(CALLS, 50);
    // The instrumentation saw the load, and it all went away again while still attached.
    expect(r.peakGroups).to.equal(2 * 50);
    expect(r.peakCalls).to.equal(50);
    expect(r.ended).to.equal(CALLS);
    expect(r.updates).to.be.greaterThan(CALLS * 10);
    expect(r.registry.gauges).to.include({
      openGroups: 0,
      activeSubscriptions: 0,
      closedByDestroy: 2 * CALLS,
      closedByGrace: 0,
      lateEvents: 0,
    });
    expect(r.registry.size).to.equal(0);
    expect(r.registry.routeCount).to.equal(0);
    expect(r.registry.callsOfAgent('1001')).to.deep.equal([]);
    expect(r.registry.dedupStats).to.include({ passed: CALLS * 12, duplicates: 0, stale: 0 });
    expect(r.subscription.closed).to.equal(false);
    r.subscription.unsubscribe();
    expect(r.source.observed).to.equal(false);
  });
});
