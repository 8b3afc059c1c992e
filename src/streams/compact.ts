// Drops undefined fields, so states stay small, compare deep-equal in tests, and print clean as JSON.

/**
 * Always a new object, built one property at a time, even when nothing is dropped. The states
 * are made by spreading (`{ ...leg, hungup: true }`), and V8 (Node 20) gives each object spread
 * from one with a number field (every µs time is a double) a hidden class of its own: a map,
 * its descriptor array and the enum caches for-in builds, ≈1 KiB for an agent leg. Copied
 * property by property, the objects share their maps again (issue 12: heap per live call).
 */
export function compact<T extends object>(value: T): T {
  const out = {} as T;
  for (const key in value) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
