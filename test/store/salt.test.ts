// Evidence salts: 128 random bits each, never handed out twice, across the refills of their buffer.

import { expect } from 'chai';
import { newSalt } from '../../src/store/personal-data';

describe('newSalt', function () {
  it('gives 32 hex digits of fresh randomness each time, across several refills of its buffer', function () {
    const salts = Array.from({ length: 1000 }, () => newSalt()); // the buffer holds 256
    expect(salts.every((s) => /^[0-9a-f]{32}$/.test(s))).to.equal(true);
    expect(new Set(salts).size).to.equal(salts.length);
    expect(salts.filter((s) => s === '0'.repeat(32))).to.deep.equal([]);
    // Every hex digit about as often as the others: 32,000 digits, 2,000 expected each.
    const counts = new Map<string, number>();
    for (const c of salts.join('')) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).to.equal(16);
    for (const n of counts.values()) expect(n).to.be.within(1700, 2300);
  });
});
