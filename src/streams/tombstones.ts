// A bounded set of recently ended channel uuids, so a late event cannot reopen a finished channel.

import { createHash, randomFillSync } from 'node:crypto';
import { halfSipHash } from './half-siphash';

/** Keys of up to this many ASCII characters are kept verbatim, one byte each. */
const VERBATIM_BYTES = 64;
/** Longer or non-ASCII keys are kept as the SHA-256 digest of their UTF-16 code units. */
const DIGEST_BYTES = 32;
/** A slot's tag: 0–VERBATIM_BYTES is a verbatim key's length; this marks a digest. */
const DIGEST_TAG = 0xff;
const NONE = -1;

/**
 * FreeSWITCH does send events after CHANNEL_DESTROY (a CHANNEL_STATE follows it in
 * consent-bridge-coach/watch-plain), and a slower outbound socket may deliver a channel's
 * events after the inbound connection's DESTROY. Without this set such an event would open
 * a new group that no DESTROY will ever close. Oldest entries are forgotten first; adding a
 * uuid again makes it the newest.
 *
 * Why typed arrays and not a Set<string>: issue 12 wants the heap flat from the first calls
 * on, and a Set of the last 10,000 uuids grows by ~1.1 MiB until it is full (the strings
 * and the Set's entries). Here every byte is allocated in the constructor and never again:
 * `capacity` fixed-width slots holding each key's bytes (a FreeSWITCH uuid is 36 ASCII
 * bytes), a doubly linked age list through the slots, and an open-addressing index (linear
 * probing, backward-shift deletion, at most half full). Keys are compared byte for byte, so
 * there are no false positives for keys kept verbatim, and a digest-kept key would need a
 * SHA-256 collision. The index hashes with HalfSipHash under a random per-instance key, so a
 * peer choosing channel uuids cannot make them share buckets and turn lookups into scans.
 * `has` and `add` copy the key's characters into a scratch array; no string is kept.
 */
export class Tombstones {
  /** How many keys are remembered (capacity, or 0 when capacity ≤ 0). */
  private readonly slots: number;
  /** Slot s's key bytes: bytes[s * VERBATIM_BYTES, + its length). */
  private readonly bytes: Uint8Array;
  /** Slot s's length 0–VERBATIM_BYTES, or DIGEST_TAG. */
  private readonly tags: Uint8Array;
  private readonly hashes: Int32Array;
  /** The age list: the next older and next newer slot, or NONE. */
  private readonly older: Int32Array;
  private readonly newer: Int32Array;
  /** Bucket → slot or NONE; its length is a power of two ≥ 2 × slots. */
  private readonly index: Int32Array;
  private readonly mask: number;
  /** The key being looked up, encoded as it would be stored. */
  private readonly scratch = new Uint8Array(VERBATIM_BYTES);
  private readonly key0: number;
  private readonly key1: number;
  private oldest = NONE;
  private newest = NONE;
  private used = 0;

  constructor(readonly capacity: number) {
    if (Number.isNaN(capacity) || capacity === Infinity) throw new RangeError(`tombstone capacity must be finite, not ${capacity}`);
    this.slots = Math.max(0, Math.floor(capacity));
    this.bytes = new Uint8Array(this.slots * VERBATIM_BYTES);
    this.tags = new Uint8Array(this.slots);
    this.hashes = new Int32Array(this.slots);
    this.older = new Int32Array(this.slots);
    this.newer = new Int32Array(this.slots);
    let buckets = 1;
    while (buckets < 2 * this.slots) buckets *= 2;
    this.index = new Int32Array(this.slots === 0 ? 0 : buckets).fill(NONE);
    this.mask = buckets - 1;
    const key = randomFillSync(new Int32Array(2));
    this.key0 = key[0]!;
    this.key1 = key[1]!;
  }

  add(uuid: string): void {
    if (this.slots === 0) return;
    const tag = this.encode(uuid);
    const hash = this.hashOf(tag);
    const found = this.find(tag, hash);
    if (found !== NONE) {
      this.makeNewest(found);
      return;
    }
    let slot: number;
    if (this.used < this.slots) slot = this.used++;
    else {
      slot = this.oldest;
      this.unlink(slot);
      this.unindex(slot);
    }
    const length = tag === DIGEST_TAG ? DIGEST_BYTES : tag;
    const base = slot * VERBATIM_BYTES;
    for (let i = 0; i < length; i++) this.bytes[base + i] = this.scratch[i]!;
    this.tags[slot] = tag;
    this.hashes[slot] = hash;
    let bucket = hash & this.mask;
    while (this.index[bucket] !== NONE) bucket = (bucket + 1) & this.mask;
    this.index[bucket] = slot;
    this.linkNewest(slot);
  }

  has(uuid: string): boolean {
    if (this.used === 0) return false;
    const tag = this.encode(uuid);
    return this.find(tag, this.hashOf(tag)) !== NONE;
  }

  get size(): number {
    return this.used;
  }

  /** Writes the key's stored form into scratch; returns its tag. */
  private encode(key: string): number {
    const n = key.length;
    if (n <= VERBATIM_BYTES) {
      let i = 0;
      for (; i < n; i++) {
        const c = key.charCodeAt(i);
        if (c > 0x7f) break;
        this.scratch[i] = c;
      }
      if (i === n) return n;
    }
    // UTF-16 code units, not UTF-8: UTF-8 would turn every lone surrogate into U+FFFD.
    this.scratch.set(createHash('sha256').update(key, 'utf16le').digest());
    return DIGEST_TAG;
  }

  private hashOf(tag: number): number {
    return halfSipHash(this.key0, this.key1, this.scratch, tag === DIGEST_TAG ? DIGEST_BYTES : tag) | 0;
  }

  /** The slot holding scratch's key, or NONE. */
  private find(tag: number, hash: number): number {
    const length = tag === DIGEST_TAG ? DIGEST_BYTES : tag;
    for (let bucket = hash & this.mask; ; bucket = (bucket + 1) & this.mask) {
      const slot = this.index[bucket]!;
      if (slot === NONE) return NONE;
      if (this.hashes[slot] !== hash || this.tags[slot] !== tag) continue;
      const base = slot * VERBATIM_BYTES;
      let i = 0;
      while (i < length && this.bytes[base + i] === this.scratch[i]) i++;
      if (i === length) return slot;
    }
  }

  /** Takes the slot out of the index, moving later entries of its run back so every lookup still finds them. */
  private unindex(slot: number): void {
    const mask = this.mask;
    let hole = this.hashes[slot]! & mask;
    while (this.index[hole] !== slot) hole = (hole + 1) & mask;
    for (let bucket = (hole + 1) & mask; ; bucket = (bucket + 1) & mask) {
      const other = this.index[bucket]!;
      if (other === NONE) break;
      // It may fill the hole unless its home bucket lies after the hole (cyclically, up to bucket).
      const home = this.hashes[other]! & mask;
      if (((bucket - home) & mask) >= ((bucket - hole) & mask)) {
        this.index[hole] = other;
        hole = bucket;
      }
    }
    this.index[hole] = NONE;
  }

  private unlink(slot: number): void {
    const older = this.older[slot]!;
    const newer = this.newer[slot]!;
    if (older === NONE) this.oldest = newer;
    else this.newer[older] = newer;
    if (newer === NONE) this.newest = older;
    else this.older[newer] = older;
  }

  private linkNewest(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = NONE;
    if (this.newest === NONE) this.oldest = slot;
    else this.newer[this.newest] = slot;
    this.newest = slot;
  }

  private makeNewest(slot: number): void {
    if (slot === this.newest) return;
    this.unlink(slot);
    this.linkNewest(slot);
  }
}
