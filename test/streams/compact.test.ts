// compact: undefined fields dropped, and states of the same form share one hidden class (V8 gives spread objects one each).

import { expect } from 'chai';
import { Subject } from 'rxjs';
import { setFlagsFromString } from 'node:v8';
import { CallRegistry } from '../../src/streams/call-registry';
import { compact } from '../../src/streams/compact';
import type { NodeEvent } from '../../src/streams/node-event';
import { newClock, onNode, twoLegCall, uuidFor } from './synthetic';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag is set: V8's own test of whether two objects have the same map.
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('streams/compact', () => {
  it('drops undefined fields and keeps the others in order', () => {
    expect(Object.entries(compact({ a: 1, b: undefined, c: 'x', d: null }))).to.deep.equal([
      ['a', 1],
      ['c', 'x'],
      ['d', null],
    ]);
  });

  it('two calls at the same point share their states\' hidden classes (call, caller leg, agent leg, node)', () => {
    const registry = new CallRegistry();
    const source = new Subject<NodeEvent>();
    const sub = registry.attach(source);
    const clock = newClock();
    // Up to the bridge: created, answered, the agent leg created and answered, bridged; the
    // first calls warm V8's inline caches up, as a running daemon's have.
    for (let n = 0; n < 50; n++) for (const e of onNode(twoLegCall(clock, n).slice(0, 5))) source.next(e);
    const [one, two] = [registry.get(uuidFor(48, 'a'))!, registry.get(uuidFor(49, 'a'))!];
    expect(one.legs.map((l) => l.role)).to.deep.equal(['caller', 'agent']);
    expect(Object.keys(one.legs[1]!)).to.deep.equal(Object.keys(two.legs[1]!));
    // Spread from an object with a double field (any µs time), each agent leg had a map of its own.
    expect(haveSameMap(one.legs[1]!, two.legs[1]!), 'agent legs').to.equal(true);
    expect(haveSameMap(one.legs[0]!, two.legs[0]!), 'caller legs').to.equal(true);
    expect(haveSameMap(one, two), 'calls').to.equal(true);
    expect(haveSameMap(one.node, two.node), 'nodes').to.equal(true);
    sub.unsubscribe();
  });
});
