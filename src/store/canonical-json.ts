// Canonical JSON (sorted keys, no whitespace): the evidence hash must not depend on key order or on how a driver re-serialises.

/**
 * Serialises a JSON-compatible value deterministically. The value first goes through
 * JSON semantics (Date → ISO string, undefined members dropped, NaN → null) so that what
 * is hashed is exactly what a later JSON.parse of the stored text gives back.
 */
export function canonicalJson(value: unknown): string {
  const plain: unknown = value === undefined ? null : JSON.parse(JSON.stringify(value) ?? 'null');
  return serialise(plain);
}

function serialise(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(serialise).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${serialise(record[k])}`).join(',')}}`;
}
