// Drops undefined fields, so states stay small, compare deep-equal in tests, and print clean as JSON.

export function compact<T extends object>(value: T): T {
  // Most objects passed here have no undefined field: return them as they are.
  let clean = true;
  for (const key in value) {
    if (value[key] === undefined) {
      clean = false;
      break;
    }
  }
  if (clean) return value;
  const out = {} as T;
  for (const key in value) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
