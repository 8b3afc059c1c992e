// FreeSWITCH times (µs since the epoch): the range accepted from the wire, and conversions that cannot throw.
//
// A header such as `Caller-Channel-Created-Time: 9000000000000000000` is a finite number, but
// `new Date(9e15).toISOString()` throws a RangeError (JavaScript dates end at ±8.64e15 ms).
// Times are therefore checked where they are parsed (freeswitch-fields.ts): outside the
// range below they are absent. The conversions here repeat the check, so that a time that
// reached them another way (arithmetic, a store row) still cannot throw.

/** Microseconds since the epoch, FreeSWITCH's clock (`Event-Date-Timestamp`). */
export type Micros = number;

/** 2000-01-01T00:00:00Z: no FreeSWITCH that callwarden talks to ran before it. */
export const MIN_MICROS: Micros = Date.UTC(2000, 0, 1) * 1000;
/** 2200-01-01T00:00:00Z: far beyond any real clock, far below where Date breaks. */
export const MAX_MICROS: Micros = Date.UTC(2200, 0, 1) * 1000;

/** Whether `n` is a time callwarden accepts from FreeSWITCH. */
export function isSaneMicros(n: number): boolean {
  return Number.isFinite(n) && n >= MIN_MICROS && n <= MAX_MICROS;
}

/** JavaScript's own limit: a Date holds ±8.64e15 ms; past it every method throws or gives NaN. */
const DATE_LIMIT_MS = 8.64e15;

/**
 * The time as a Date, or undefined when it is absent or no Date can hold it. Only
 * representability is checked here (the sane range is the parser's business, and tests
 * and the simulator may use early times); what matters is that this cannot throw.
 */
export function microsToDate(micros: number | undefined): Date | undefined {
  if (micros === undefined || !Number.isFinite(micros)) return undefined;
  const ms = Math.floor(micros / 1000);
  return Math.abs(ms) <= DATE_LIMIT_MS ? new Date(ms) : undefined;
}

/** The time as ISO-8601 UTC (millisecond precision), or undefined when it is absent or not representable. */
export function microsToIso(micros: number | undefined): string | undefined {
  return microsToDate(micros)?.toISOString();
}
