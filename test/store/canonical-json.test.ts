// Canonical JSON must not depend on key order and must equal what a JSON round trip gives back.

import { expect } from 'chai';
import { canonicalJson } from '../../src/store/canonical-json';

describe('canonicalJson', function () {
  it('sorts keys at every depth and drops whitespace', function () {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).to.equal('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('is stable under a JSON round trip and key reordering', function () {
    const value = { kind: 'digit', detail: { digit: '1', ms: 1234.5, ok: true, none: null, list: ['ä', '😀'] } };
    const reordered = { detail: { list: ['ä', '😀'], none: null, ok: true, ms: 1234.5, digit: '1' }, kind: 'digit' };
    expect(canonicalJson(JSON.parse(canonicalJson(value)))).to.equal(canonicalJson(value));
    expect(canonicalJson(reordered)).to.equal(canonicalJson(value));
  });

  it('follows JSON semantics for dates, undefined and non-finite numbers', function () {
    expect(canonicalJson({ at: new Date('2026-01-01T00:00:00Z'), gone: undefined, n: NaN })).to.equal('{"at":"2026-01-01T00:00:00.000Z","n":null}');
    expect(canonicalJson(undefined)).to.equal('null');
  });
});
