// Personal fields inside sealed rows: the seal covers a salted hash of each, so the value can later be erased without breaking the seal.

import { createHash, randomFillSync } from 'node:crypto';

/**
 * Detail keys (at any depth) whose values identify a person: caller numbers and names,
 * dialled numbers, addresses. Everything else in a row (decisions, digits, reasons) is
 * sealed as it is.
 */
export const EVIDENCE_PERSONAL_FIELDS: ReadonlySet<string> = new Set([
  'caller',
  'callerName',
  'callerNumber',
  'callerIdName',
  'callerIdNumber',
  'callee',
  'calleeName',
  'calleeNumber',
  'destination',
  'to',
  'number',
  'name',
  'ani',
]);

/** The access log: the client's network address is personal; who acted (the user) must stay for the audit. */
export const ACCESS_LOG_PERSONAL_FIELDS: ReadonlySet<string> = new Set(['address', 'userAgent', 'caller', 'number']);

/** What an erased value is replaced with: the commitment the seal covered, and a pseudonym for humans. */
export interface ErasedValue {
  $erased: string;
  pseudonym: string;
}

/**
 * Salts come from one 4 KiB buffer of CSPRNG bytes, refilled when used up: `randomBytes(16)` per
 * evidence row was one OpenSSL call each (≈ 6 µs alone, ≈ 1.3 s of the daemon's CPU over the load
 * bench's 54,000 rows). A salt's bytes are zeroed once taken, so an erased row's salt does not
 * linger in the buffer.
 */
const SALT_BYTES = 16;
const saltPool = Buffer.alloc(4096);
let saltOffset = saltPool.length;

export function newSalt(): string {
  if (saltOffset + SALT_BYTES > saltPool.length) {
    randomFillSync(saltPool);
    saltOffset = 0;
  }
  const salt = saltPool.toString('hex', saltOffset, saltOffset + SALT_BYTES);
  saltPool.fill(0, saltOffset, saltOffset + SALT_BYTES);
  saltOffset += SALT_BYTES;
  return salt;
}

/** sha256(salt, path, value): with 128 random salt bits, unguessable while the salt exists; the salt is destroyed on erasure. */
export function commitment(salt: string, path: string, value: unknown): string {
  return createHash('sha256').update(`${salt}\u0000${path}\u0000${JSON.stringify(value ?? null)}`, 'utf8').digest('hex');
}

function isErased(value: unknown): value is ErasedValue {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as ErasedValue).$erased === 'string' &&
    typeof (value as ErasedValue).pseudonym === 'string' &&
    Object.keys(value).length === 2
  );
}

/**
 * The form of a row's detail that its seal covers: each personal value replaced by its
 * commitment (erased values carry theirs). Rows without a salt (written before sealing)
 * are covered as they are.
 */
export function sealedView(detail: unknown, salt: string | null, fields: ReadonlySet<string>): unknown {
  return walk(detail, '', false);
  function walk(value: unknown, path: string, personal: boolean): unknown {
    if (personal) {
      if (isErased(value)) return { $personal: value.$erased };
      if (salt !== null) return { $personal: commitment(salt, path, value) };
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`, personal));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const p = path ? `${path}.${k}` : k;
        out[k] = walk(v, p, fields.has(k));
      }
      return out;
    }
    return value;
  }
}

/** True when the detail holds at least one personal value not yet erased. */
export function hasPersonalData(detail: unknown, fields: ReadonlySet<string>): boolean {
  let found = false;
  walk(detail);
  return found;
  function walk(value: unknown): void {
    if (found || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach(walk);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (fields.has(k) && !isErased(v) && v !== null) found = true;
      else walk(v);
    }
  }
}

/**
 * Replaces every personal value by { $erased: its commitment, pseudonym }. The caller then
 * drops the salt: the row's seal still verifies (it covered the commitments), and nobody —
 * not even the key holder — can test a guessed number against it any more.
 */
export function eraseWithSalt(detail: unknown, salt: string, fields: ReadonlySet<string>, pseudonym: string): { detail: unknown; erased: number } {
  let erased = 0;
  const out = walk(detail, '', false);
  return { detail: out, erased };
  function walk(value: unknown, path: string, personal: boolean): unknown {
    if (personal) {
      if (isErased(value)) return value;
      erased++;
      return { $erased: commitment(salt, path, value), pseudonym } satisfies ErasedValue;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`, false));
    if (value !== null && typeof value === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) o[k] = walk(v, path ? `${path}.${k}` : k, fields.has(k));
      return o;
    }
    return value;
  }
}
