// The reducer against recorded behaviour: the states it passes through on random workloads hash as they did before it was made to copy less.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallState } from '../../src/streams/call-state';
import * as reducer from '../../src/streams/reduce-call';
import { foldOps, reducerOps, statesHash } from './reducer-ops';

/**
 * Written by the reducer as it was up to d225c0f (every event copied each leg and derived the
 * call afresh), over `seeds` workloads of `length` ops each. A change that alters any state
 * (a field's value, or a member present-but-undefined) changes the hash of its seed.
 */
const RECORDED = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'streams', 'reduce-call-recorded.json'), 'utf8')) as {
  seeds: number;
  length: number;
  hashes: Record<string, string>;
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

describe('streams/reduce-call, recorded', () => {
  it(`passes through the recorded states on ${RECORDED.seeds} random workloads (events of every kind, closes, legs moving between calls)`, () => {
    const differ: number[] = [];
    for (let seed = 1; seed <= RECORDED.seeds; seed++) {
      if (statesHash(foldOps(reducer, reducerOps(seed, RECORDED.length))) !== RECORDED.hashes[seed]) differ.push(seed);
    }
    expect(differ, 'seeds whose states differ from the recorded ones').to.deep.equal([]);
  });

  it('never modifies a state it was given, nor shares one it later changes (every state frozen as soon as it is made)', () => {
    for (let seed = 1; seed <= 50; seed++) {
      // In strict mode a write into a frozen state throws.
      const states = foldOps(reducer, reducerOps(seed, RECORDED.length), (calls: readonly CallState[]) => calls.forEach(deepFreeze));
      expect(statesHash(states)).to.equal(RECORDED.hashes[seed]);
    }
  });
});
