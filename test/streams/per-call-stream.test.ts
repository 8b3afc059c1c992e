// registry.call$(callId): one call's own updates — what it delivers, when it completes, and that it keeps nothing behind.

import { expect } from 'chai';
import { Subject } from 'rxjs';
import { CallRegistry } from '../../src/streams/call-registry';
import type { CallUpdate } from '../../src/streams/call-table';
import type { NodeEvent } from '../../src/streams/node-event';
import { newClock, onNode, twoLegCall, uuidFor } from './synthetic';

function fed(): { registry: CallRegistry; source: Subject<NodeEvent> } {
  const registry = new CallRegistry();
  const source = new Subject<NodeEvent>();
  registry.attach(source);
  return { registry, source };
}

describe('streams/call-registry call$ (per-call stream)', () => {
  it('delivers exactly the updates calls$ has for that call, in order, then completes with its end', () => {
    const { registry, source } = fed();
    const clock = newClock();
    const lives = [1, 2, 3].map((n) => twoLegCall(clock, n));
    const all: CallUpdate[] = [];
    registry.calls$.subscribe((u) => all.push(u));
    const own: CallUpdate[] = [];
    let completed = false;
    // Subscribed before the call exists: a controller may start before the first event is folded.
    registry.call$(uuidFor(2, 'a')).subscribe({ next: (u) => own.push(u), complete: () => (completed = true) });
    // Interleaved, as several live calls arrive on one connection.
    const longest = Math.max(...lives.map((l) => l.length));
    for (let i = 0; i < longest; i++) for (const life of lives) if (life[i]) source.next(onNode([life[i]!])[0]!);
    const expected = all.filter((u) => u.call.callId === uuidFor(2, 'a'));
    expect(expected.length).to.be.greaterThan(2);
    expect(own).to.deep.equal(expected);
    expect(own.at(-1)!.kind).to.equal('ended');
    expect(completed).to.equal(true);
    expect(registry.followedCalls).to.equal(0);
  });

  it('keeps nothing for a call nobody follows any more, and nothing for calls never followed', () => {
    const { registry, source } = fed();
    const clock = newClock();
    const life = twoLegCall(clock, 9);
    const sub = registry.call$(uuidFor(9, 'a')).subscribe();
    const second = registry.call$(uuidFor(9, 'a')).subscribe();
    expect(registry.followedCalls).to.equal(1);
    sub.unsubscribe();
    expect(registry.followedCalls).to.equal(1);
    second.unsubscribe();
    expect(registry.followedCalls).to.equal(0);
    for (const e of onNode(life)) source.next(e);
    expect(registry.followedCalls).to.equal(0);
    expect(registry.size).to.equal(0);
  });

  it('completes every followed call on dispose(), and a call$ asked for afterwards completes at once', () => {
    const { registry } = fed();
    let completed = 0;
    for (const n of [1, 2]) registry.call$(uuidFor(n, 'a')).subscribe({ complete: () => completed++ });
    registry.dispose();
    expect(completed).to.equal(2);
    registry.call$(uuidFor(3, 'a')).subscribe({ complete: () => completed++ });
    expect(completed).to.equal(3);
    expect(registry.followedCalls).to.equal(0);
  });

  it('a callback per update for the followed call only: the same count with 1 or 500 calls followed', () => {
    const deliveriesFor = (followed: number): { delivered: number; updates: number } => {
      const { registry, source } = fed();
      const clock = newClock();
      const lives = Array.from({ length: followed }, (_, i) => twoLegCall(clock, i + 1));
      let delivered = 0;
      for (let i = 0; i < followed; i++) registry.call$(uuidFor(i + 1, 'a')).subscribe(() => delivered++);
      // Every call up to its bridge (live), then count what one more event of call 1 costs.
      for (const life of lives) for (const e of onNode(life.slice(0, 5))) source.next(e);
      let updates = 0;
      registry.calls$.subscribe(() => updates++);
      delivered = 0;
      for (const e of onNode(lives[0]!.slice(5, 6))) source.next(e);
      return { delivered, updates };
    };
    const one = deliveriesFor(1);
    const many = deliveriesFor(500);
    expect(one.updates).to.be.greaterThan(0);
    expect(one.delivered).to.equal(one.updates);
    expect(many).to.deep.equal(one);
  });

  it('watch: a watcher gets the updates and the end; one that throws is reported and does not stop the others', () => {
    const errors: unknown[] = [];
    const registry = new CallRegistry({ onError: (e) => errors.push(e) });
    const source = new Subject<NodeEvent>();
    registry.attach(source);
    const life = twoLegCall(newClock(), 4);
    const id = uuidFor(4, 'a');
    const seen: string[] = [];
    const thrower = {
      callUpdated: () => {
        throw new Error('watcher bug');
      },
      callClosed: () => seen.push('thrower closed'),
    };
    const good = { callUpdated: (u: CallUpdate) => seen.push(u.kind), callClosed: () => seen.push('closed') };
    registry.watch(id, thrower);
    registry.watch(id, good);
    for (const e of onNode(life)) source.next(e);
    // The last update to every watcher, then the end to every watcher.
    expect(seen.slice(-3)).to.deep.equal(['ended', 'thrower closed', 'closed']);
    expect(seen.filter((k) => k === 'updated').length).to.be.greaterThan(2);
    expect(errors.length).to.equal(seen.filter((k) => k === 'updated' || k === 'ended').length);
    expect(registry.followedCalls).to.equal(0);
  });

  it('unwatch: nothing more is delivered, and the call is forgotten with its last watcher; after dispose() a watch closes at once', () => {
    const { registry, source } = fed();
    const life = twoLegCall(newClock(), 5);
    const id = uuidFor(5, 'a');
    let updates = 0;
    let closed = 0;
    const watcher = { callUpdated: () => updates++, callClosed: () => closed++ };
    registry.watch(id, watcher);
    expect(registry.followedCalls).to.equal(1);
    for (const e of onNode(life.slice(0, 2))) source.next(e);
    expect(updates).to.be.greaterThan(0);
    const before = updates;
    registry.unwatch(id, watcher);
    expect(registry.followedCalls).to.equal(0);
    for (const e of onNode(life.slice(2))) source.next(e);
    expect([updates, closed]).to.deep.equal([before, 0]);
    registry.dispose();
    registry.watch(id, watcher);
    expect(closed).to.equal(1);
    expect(registry.followedCalls).to.equal(0);
  });
});
