// event-json decoding skips its per-member pass when the text shows every member is a string: property test against the pass always made.

import { expect } from 'chai';
import fc from 'fast-check';
import { decodeJson } from '../../src/esl/event';
import { DEFAULT_MAX_HEADERS } from '../../src/esl/parser';

/** The decoding as it was before the shortcut: every member visited, each made a string. */
function oracle(text: string): { name: string; headers: Record<string, string>; body?: string } {
  const headers = JSON.parse(text) as Record<string, unknown>;
  let body: string | undefined;
  if ('_body' in headers) {
    body = String(headers._body);
    delete headers._body;
  }
  let count = 0;
  for (const key in headers) {
    if (++count > DEFAULT_MAX_HEADERS) throw new Error('too many members');
    const value = headers[key];
    if (typeof value !== 'string') headers[key] = typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  }
  return { name: headers['Event-Name'] as string, headers: headers as Record<string, string>, ...(body !== undefined ? { body } : {}) };
}

/** Keys FreeSWITCH uses, keys with quotes, colons and escapes, and `_body`. */
const key = fc.oneof(
  fc.constantFrom('Unique-ID', 'variable_DP_MATCH', 'Caller-Caller-ID-Number', '_body', 'a"b', 'x:', ':', '"', '\\', 'k\\":1'),
  fc.string({ maxLength: 12 }),
);
/** Mostly strings (some that look like JSON members), sometimes arrays, numbers, objects, null. */
const value = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('"a":1', '\\":[', '{"x":true}', 'sip:1000@10.0.0.1:5060', ' : 5')) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

describe('event-json decoding (property)', function () {
  it('gives the same event as visiting every member, for any members and any JSON whitespace', function () {
    const ws = fc.stringMatching(/^[ \t\r\n]{0,3}$/);
    const member = fc.tuple(key, ws, ws, value, ws);
    fc.assert(
      fc.property(fc.array(member, { maxLength: 30 }), ws, (members, lead) => {
        // Written by hand, so whitespace can stand on either side of every colon and comma.
        const parts = [['Event-Name', '', '', 'CUSTOM', ''] as const, ...members].map(([k, before, after, v, tail]) => `${JSON.stringify(k)}${before}:${after}${JSON.stringify(v)}${tail}`);
        const text = `${lead}{${lead}${parts.join(',')}}${lead}`;
        const got = decodeJson(Buffer.from(text, 'utf8'));
        const want = oracle(text);
        expect({ name: got.name, headers: { ...got.headers }, ...(got.body !== undefined ? { body: got.body } : {}) }).to.deep.equal(want);
      }),
      { numRuns: 3000 },
    );
  });

  it('still refuses more members than the limit when every one is a string', function () {
    const many = JSON.stringify(Object.fromEntries([['Event-Name', 'CUSTOM'], ...Array.from({ length: DEFAULT_MAX_HEADERS }, (_, i) => [`k${i}`, 'v'])]));
    expect(() => decodeJson(Buffer.from(many))).to.throw(/more than 4096 members/);
  });
});
