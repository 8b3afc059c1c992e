// HalfSipHash-2-4 with a 32-bit result: a keyed hash for hash tables whose keys come from the wire.

/**
 * Aumasson and Bernstein's HalfSipHash (the 32-bit-word SipHash of their reference
 * implementation, github.com/veorq/SipHash, 32-bit output), written from its round function
 * and checked against its published vectors (test/streams/half-siphash.test.ts). With a
 * random key, an outsider who does not know the key cannot choose inputs that land in the
 * same bucket, which a plain FNV or Murmur-style hash with a seed does not promise: both have
 * collisions that hold for every seed. Only 32-bit adds, rotations and xors, so V8 keeps
 * everything in integer registers and it allocates nothing.
 */
export function halfSipHash(k0: number, k1: number, bytes: Uint8Array, length: number): number {
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = (0x6c796765 ^ k0) | 0;
  let v3 = (0x74656462 ^ k1) | 0;
  const words = length >>> 2;
  // Each 4-byte little-endian word, then the last block (the 0–3 bytes left over, with the
  // length mod 256 in the top byte), each mixed in with 2 rounds; then 4 rounds to finish.
  for (let n = 0; n <= words + 1; n++) {
    let m = 0;
    if (n < words) {
      const i = n << 2;
      m = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    } else if (n === words) {
      const i = n << 2;
      m = (length & 0xff) << 24;
      const left = length & 3;
      if (left >= 3) m |= bytes[i + 2]! << 16;
      if (left >= 2) m |= bytes[i + 1]! << 8;
      if (left >= 1) m |= bytes[i]!;
    }
    const finishing = n > words;
    if (finishing) v2 ^= 0xff;
    else v3 ^= m;
    for (let r = finishing ? 4 : 2; r > 0; r--) {
      v0 = (v0 + v1) | 0;
      v1 = (v1 << 5) | (v1 >>> 27);
      v1 ^= v0;
      v0 = (v0 << 16) | (v0 >>> 16);
      v2 = (v2 + v3) | 0;
      v3 = (v3 << 8) | (v3 >>> 24);
      v3 ^= v2;
      v0 = (v0 + v3) | 0;
      v3 = (v3 << 7) | (v3 >>> 25);
      v3 ^= v0;
      v2 = (v2 + v1) | 0;
      v1 = (v1 << 13) | (v1 >>> 19);
      v1 ^= v2;
      v2 = (v2 << 16) | (v2 >>> 16);
    }
    v0 ^= m;
  }
  return (v1 ^ v3) >>> 0;
}
