// Tombstones: answers exactly as the Set it replaced, and holds the same memory after 100,000 uuids as when made.

import { expect } from 'chai';
import fc from 'fast-check';
import { Tombstones } from '../../src/streams/tombstones';

/** The Set-based class Tombstones replaced: the reference for what every answer must be. */
class SetTombstones {
  private readonly ended = new Set<string>();

  constructor(readonly capacity: number) {}

  add(uuid: string): void {
    if (this.capacity <= 0) return;
    this.ended.delete(uuid);
    this.ended.add(uuid);
    if (this.ended.size > this.capacity) this.ended.delete(this.ended.values().next().value as string);
  }

  has(uuid: string): boolean {
    return this.ended.has(uuid);
  }

  get size(): number {
    return this.ended.size;
  }
}

const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const at64 = 'k'.repeat(64);
/** Keys at each edge of the encoding: empty, 64 and 65 bytes, long keys differing only past byte 64, non-ASCII, lone surrogates and U+FFFD (which UTF-8 would confuse). */
const EDGES = [
  '',
  'a',
  uuid(0).toUpperCase(),
  at64,
  `${at64}a`,
  `${at64}b`,
  at64.slice(1),
  `${'y'.repeat(200)}z`,
  'y'.repeat(201),
  'é',
  'e\u0301',
  `${uuid(1).slice(0, 35)}é`,
  `${uuid(1).slice(0, 35)}\u00e8`,
  '\ud800',
  '\udc00',
  '\ufffd',
  '😀',
  `${at64}😀`,
  '\u0000',
];
const keyArb = fc.oneof(
  { arbitrary: fc.constantFrom(...EDGES), weight: 3 },
  { arbitrary: fc.nat(12).map(uuid), weight: 3 },
  { arbitrary: fc.nat(150).map(uuid), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 80 }), weight: 1 },
);
const opArb = fc.record({ add: fc.boolean(), key: keyArb });

/** Every own property of `t`: a number, or a typed array with its identity and byte length. */
function fields(t: object): Map<string, number | { array: ArrayBufferView; byteLength: number }> {
  const out = new Map<string, number | { array: ArrayBufferView; byteLength: number }>();
  for (const [name, value] of Object.entries(t)) {
    if (typeof value === 'number') out.set(name, value);
    else if (ArrayBuffer.isView(value)) {
      expect((value.buffer as ArrayBuffer & { resizable?: boolean }).resizable ?? false, `${name} is resizable`).to.equal(false);
      out.set(name, { array: value, byteLength: value.byteLength });
    } else expect.fail(`field ${name} holds ${Object.prototype.toString.call(value)}, which could grow`);
  }
  return out;
}

describe('streams/tombstones', () => {
  it('answers every has and size as the Set-based class did, over random adds with re-adds, evictions, long and non-ASCII keys', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2, 7, 100, -1, 2.5), fc.array(opArb, { maxLength: 500, size: 'large' }), (capacity, ops) => {
        const t = new Tombstones(capacity);
        const model = new SetTombstones(capacity);
        const seen = new Set<string>(EDGES);
        for (const [i, op] of ops.entries()) {
          seen.add(op.key);
          if (op.add) {
            t.add(op.key);
            model.add(op.key);
          }
          expect(t.has(op.key), `op ${i} ${op.add ? 'add' : 'has'} ${JSON.stringify(op.key)}`).to.equal(model.has(op.key));
          expect(t.size, `size after op ${i}`).to.equal(model.size);
        }
        for (const key of seen) expect(t.has(key), `has ${JSON.stringify(key)} at the end`).to.equal(model.has(key));
        expect(t.capacity).to.equal(capacity);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps keys apart that only differ past byte 64, in a lone surrogate, or by U+FFFD', () => {
    const t = new Tombstones(10);
    for (const key of [`${at64}a`, '\ud800', `${'y'.repeat(200)}z`]) t.add(key);
    for (const key of [`${at64}a`, '\ud800', `${'y'.repeat(200)}z`]) expect(t.has(key), JSON.stringify(key)).to.equal(true);
    for (const key of [`${at64}b`, at64, '\udc00', '\ufffd', 'y'.repeat(201)]) expect(t.has(key), JSON.stringify(key)).to.equal(false);
  });

  it('cannot be made with a capacity it could not allocate up front', () => {
    expect(() => new Tombstones(Number.NaN)).to.throw(RangeError);
    expect(() => new Tombstones(Infinity)).to.throw(RangeError);
    expect(new Tombstones(-Infinity).size).to.equal(0);
  });

  it('holds the same memory after 100,000 uuids as when made: only numbers and the typed arrays of its constructor, never resized', () => {
    // Deterministic stand-in for "the heap does not grow": a string, Set or Map kept by the
    // instance could grow; numbers cannot, and a typed array that is the same object with
    // the same byte length on a buffer that cannot be resized holds the same bytes.
    const t = new Tombstones(10_000);
    const before = fields(t);
    const end = 100_000;
    for (let n = 0; n < end; n++) t.add(n % 1000 === 0 ? `${uuid(n)}-${'z'.repeat(64)}` : uuid(n));
    const after = fields(t);
    expect([...after.keys()]).to.deep.equal([...before.keys()]);
    for (const [name, was] of before) {
      const now = after.get(name)!;
      if (typeof was === 'number' || typeof now === 'number') {
        expect(typeof now, name).to.equal(typeof was);
        continue;
      }
      expect(now.array === was.array, `${name} is the same array`).to.equal(true);
      expect(now.byteLength, `${name}'s byte length`).to.equal(was.byteLength);
    }
    // It still answers: the last 10,000 are remembered (every 1,000th was added as a long key).
    expect(t.size).to.equal(10_000);
    expect(t.has(uuid(end - 9_999))).to.equal(true);
    expect(t.has(uuid(end - 10_001))).to.equal(false);
    expect(t.has(`${uuid(end - 10_000)}-${'z'.repeat(64)}`)).to.equal(true);
    expect(t.has(`${uuid(end - 11_000)}-${'z'.repeat(64)}`)).to.equal(false);
  });
});
