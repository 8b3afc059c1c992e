// Legal holds per call or phone number: added, lifted and listed; lifting keeps the row (who lifted it, when).

import type { StoreRepository } from '../store';
import { normalisePhoneNumber, type MatchingHold } from '../policies';

export interface LegalHold extends MatchingHold {
  readonly createdBy: string;
  readonly createdAt: string;
  readonly removedAt: string | null;
  readonly removedBy: string | null;
}

export class HoldInputError extends Error {
  override readonly name = 'HoldInputError' as const;
}

type Row = Record<string, unknown>;

function toHold(r: Row): LegalHold {
  return {
    id: Number(r.id),
    kind: String(r.kind) === 'number' ? 'number' : 'call',
    value: String(r.value),
    reason: String(r.reason),
    createdBy: String(r.created_by),
    createdAt: String(r.created_at),
    removedAt: r.removed_at == null ? null : String(r.removed_at),
    removedBy: r.removed_by == null ? null : String(r.removed_by),
  };
}

/** The value a hold is stored under: a call id as given (safe characters only), a number normalised. */
export function holdValue(kind: 'call' | 'number', raw: string): string {
  if (kind === 'number') {
    const n = normalisePhoneNumber(raw);
    if (n === undefined) throw new HoldInputError(`"${raw}" is not a phone number (3 to 32 digits, optionally with +)`);
    return n;
  }
  if (!/^[A-Za-z0-9._:@-]{1,64}$/.test(raw)) throw new HoldInputError(`"${raw}" is not a call id`);
  return raw;
}

export async function addHold(repo: StoreRepository, kind: 'call' | 'number', raw: string, reason: string, by: string, now: Date): Promise<LegalHold> {
  const value = holdValue(kind, raw);
  const why = reason.replace(/[\x00-\x1f\x7f]/g, ' ').trim().slice(0, 255);
  if (why === '') throw new HoldInputError('a legal hold needs a reason (e.g. the case or order it serves)');
  const [id] = await repo.knex(repo.tables.legalHolds).insert({ kind, value, reason: why, created_by: by.slice(0, 128), created_at: now.toISOString(), removed_at: null, removed_by: null });
  return toHold((await repo.knex(repo.tables.legalHolds).where({ id: Number(id) }).first()) as Row);
}

/** Lifts a hold; false if there is no such active hold. */
export async function removeHold(repo: StoreRepository, id: number, by: string, now: Date): Promise<boolean> {
  const n = await repo.knex(repo.tables.legalHolds).where({ id }).whereNull('removed_at').update({ removed_at: now.toISOString(), removed_by: by.slice(0, 128) });
  return n > 0;
}

export async function listHolds(repo: StoreRepository, options: { all?: boolean } = {}): Promise<LegalHold[]> {
  const q = repo.knex(repo.tables.legalHolds);
  if (!options.all) q.whereNull('removed_at');
  return ((await q.orderBy('id')) as Row[]).map(toHold);
}

/** Active holds on any of these calls or on any party number of them (caller, destination). */
export async function holdsFor(repo: StoreRepository, callIds: readonly string[], numbers: readonly string[]): Promise<LegalHold[]> {
  if (callIds.length === 0 && numbers.length === 0) return [];
  const rows = (await repo
    .knex(repo.tables.legalHolds)
    .whereNull('removed_at')
    .andWhere((w) => {
      w.where((c) => c.where({ kind: 'call' }).whereIn('value', [...callIds]));
      w.orWhere((c) => c.where({ kind: 'number' }).whereIn('value', [...numbers]));
    })) as Row[];
  return rows.map(toHold);
}
