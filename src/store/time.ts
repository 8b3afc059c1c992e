// Times are stored as ISO-8601 UTC strings: they round-trip byte-exactly on SQLite and MySQL (hashes depend on it) and sort lexically.

export type TimeInput = Date | string | number;

/** Normalises a time to the one canonical form `YYYY-MM-DDTHH:mm:ss.sssZ`; throws on an invalid time. */
export function toIso(value: TimeInput): string {
  const date = value instanceof Date ? value : new Date(value);
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`invalid time: ${String(value)}`);
  return date.toISOString();
}

export function toIsoOrNull(value: TimeInput | null | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  return toIso(value);
}

export function fromIso(value: string | null | undefined): Date | null {
  return value == null ? null : new Date(value);
}
